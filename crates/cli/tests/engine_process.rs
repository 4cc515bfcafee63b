//! The engine process through the app's client: cancel, death and restart, bad input, context
//! limits and llama.cpp's log turned into messages. All with the real demo model.

mod common;

use std::time::Duration;

use common::{demo_model, hearth};
use hearth_engine_client::{EngineClient, EventStream};
use hearth_protocol::{
    ChatMessage, ErrorCode, ErrorPayload, Event, FlashAttention, GenerationStats, KvCacheType, ModelInfo, ModelSettings, Request, Role,
    SamplingSettings, StopReason, TemplateChoice,
};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

async fn load(engine: &EngineClient, settings: ModelSettings) -> Result<ModelInfo, ErrorPayload> {
    let path = demo_model();
    let mut s = engine.request(|id| Request::Load { id, path, settings, prompt_cache: None }).await.unwrap();
    let mut saw_progress = false;
    loop {
        match s.next().await.expect("load ended without an answer") {
            Event::LoadProgress { .. } => saw_progress = true,
            Event::Loaded { model, .. } => {
                assert!(saw_progress, "no load progress was reported");
                return Ok(*model);
            }
            Event::Error { error, .. } => return Err(error),
            _ => {}
        }
    }
}

fn user(text: &str) -> ChatMessage {
    ChatMessage::new(Role::User, text)
}

async fn generate(engine: &EngineClient, messages: Vec<ChatMessage>, max_tokens: u32) -> EventStream {
    let sampling = SamplingSettings { temperature: Some(0.0), seed: Some(1), max_tokens: Some(max_tokens), ..Default::default() };
    engine.request(|id| Request::Generate { id, messages, sampling, template: TemplateChoice::Model, keep_state_as: None }).await.unwrap()
}

/// Collects text until `n` tokens arrived, or the stream ended.
async fn take_tokens(s: &mut EventStream, n: usize) -> (String, Option<Event>) {
    let mut text = String::new();
    let mut count = 0;
    while let Some(ev) = s.next().await {
        match ev {
            Event::Token { text: t, .. } => {
                text.push_str(&t);
                count += 1;
                if count == n {
                    return (text, None);
                }
            }
            Event::Done { .. } | Event::Error { .. } => return (text, Some(ev)),
            _ => {}
        }
    }
    (text, None)
}

async fn finish(s: &mut EventStream) -> Result<GenerationStats, ErrorPayload> {
    while let Some(ev) = s.next().await {
        match ev {
            Event::Done { stats, .. } => return Ok(stats),
            Event::Error { error, .. } => return Err(error),
            _ => {}
        }
    }
    panic!("the stream ended without a result");
}

#[test]
fn cancel_stops_a_generation_and_reports_its_stats() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        load(&engine, ModelSettings::default()).await.unwrap();
        let mut s = generate(&engine, vec![user("Write a very long story about a lighthouse keeper.")], 2000).await;
        let (text, ended) = take_tokens(&mut s, 12).await;
        assert!(ended.is_none(), "ended early: {ended:?}");
        engine.cancel(s.id).await;
        let stats = finish(&mut s).await.unwrap();
        assert_eq!(stats.stop_reason, StopReason::Cancelled);
        assert!(stats.gen_tokens >= 12 && stats.gen_tokens < 200, "{stats:?}");
        assert!(!text.is_empty());
        engine.shutdown().await;
    });
}

#[test]
fn a_killed_engine_is_reported_and_a_new_engine_serves() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        load(&engine, ModelSettings::default()).await.unwrap();
        let first_pid = engine.pid().unwrap();
        let mut s = generate(&engine, vec![user("Write a very long story about a lighthouse keeper.")], 2000).await;
        let (_, ended) = take_tokens(&mut s, 5).await;
        assert!(ended.is_none());
        unsafe { libc::kill(first_pid as i32, libc::SIGKILL) };
        let err = finish(&mut s).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::EngineDied, "{err:?}");
        assert!(err.message.contains("SIGKILL"), "{}", err.message);
        let state = engine.state();
        assert!(!state.running);
        assert!(state.last_death.is_some());

        // The next request starts a fresh engine, which has no model until told.
        let mut s = generate(&engine, vec![user("hi")], 8).await;
        assert_eq!(finish(&mut s).await.unwrap_err().code, ErrorCode::NoModel);
        assert_ne!(engine.pid(), Some(first_pid));
        load(&engine, ModelSettings::default()).await.unwrap();
        let mut s = generate(&engine, vec![user("What is the capital of France?")], 16).await;
        let stats = finish(&mut s).await.unwrap();
        assert!(stats.gen_tokens > 0);
        engine.shutdown().await;
    });
}

#[test]
fn bad_models_fail_cleanly_and_the_loaded_model_keeps_serving() {
    rt().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("cut.gguf");
        let bytes = std::fs::read(demo_model()).unwrap();
        std::fs::write(&cut, &bytes[..4096]).unwrap();
        let engine = EngineClient::new(hearth());
        load(&engine, ModelSettings::default()).await.unwrap();
        let pid = engine.pid();
        for bad in [cut.clone(), dir.path().join("missing.gguf")] {
            let mut s = engine.request(|id| Request::Load { id, path: bad, settings: ModelSettings::default(), prompt_cache: None }).await.unwrap();
            match s.next().await.unwrap() {
                Event::Error { error, .. } => {
                    assert!(matches!(error.code, ErrorCode::InvalidModel | ErrorCode::ModelNotFound), "{error:?}")
                }
                other => panic!("a bad model loaded: {other:?}"),
            }
        }
        assert_eq!(engine.pid(), pid, "the engine restarted after a bad model");
        // The model loaded before is still there.
        let mut s = generate(&engine, vec![user("What is the capital of France?")], 8).await;
        assert!(finish(&mut s).await.unwrap().gen_tokens > 0);
        engine.shutdown().await;
    });
}

/// Regression: the log ring held 400 lines and a load logs more, so "lines since the mark" was
/// always empty and the error said only "null reference from llama.cpp".
#[test]
fn a_quantized_v_cache_without_flash_attention_is_explained_from_llama_log() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        let settings = ModelSettings { flash_attention: FlashAttention::Off, kv_cache_type: KvCacheType::Q4_0, ..Default::default() };
        let err = load(&engine, settings).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ContextFailed, "{err:?}");
        assert!(err.message.to_lowercase().contains("flash"), "the reason from llama.cpp's log is missing: {}", err.message);
        engine.shutdown().await;
    });
}

#[test]
fn a_conversation_longer_than_the_context_drops_old_turns_visibly() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        let model = load(&engine, ModelSettings { context_length: Some(512), ..Default::default() }).await.unwrap();
        assert_eq!(model.context_length, 512);
        let filler = "The quick brown fox jumps over the lazy dog. ".repeat(20);
        let mut history = Vec::new();
        for _ in 0..6 {
            history.push(user(&filler));
            history.push(ChatMessage::new(Role::Assistant, filler.clone()));
        }
        history.push(user("Say hello."));
        let mut s = generate(&engine, history, 16).await;
        let mut trimmed = None;
        let stats = loop {
            match s.next().await.unwrap() {
                Event::ContextTrimmed { dropped_messages, .. } => trimmed = Some(dropped_messages),
                Event::Done { stats, .. } => break stats,
                Event::Error { error, .. } => panic!("{error:?}"),
                _ => {}
            }
        };
        let dropped = trimmed.expect("no notice of dropped turns");
        assert!(dropped > 0);
        assert_eq!(stats.dropped_messages, dropped);
        assert!(stats.prompt_tokens as usize + 16 <= 512);

        let mut s = generate(&engine, vec![user(&filler.repeat(4))], 16).await;
        let err = finish(&mut s).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::ContextOverflow, "{err:?}");
        engine.shutdown().await;
    });
}

/// The demo model with its `tokenizer.chat_template` key renamed (same length, so the file stays valid).
fn model_without_template(dir: &std::path::Path) -> std::path::PathBuf {
    let mut bytes = std::fs::read(demo_model()).unwrap();
    let key = b"tokenizer.chat_template";
    let at = bytes.windows(key.len()).position(|w| w == key).expect("the demo model has a template");
    bytes[at + key.len() - 1] = b'X';
    let path = dir.join("no-template.gguf");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_model_without_a_template_gets_a_clear_error_and_a_builtin_fallback_works() {
    rt().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = model_without_template(dir.path());
        let engine = EngineClient::new(hearth());
        let mut s = engine.request(|id| Request::Load { id, path, settings: ModelSettings::default(), prompt_cache: None }).await.unwrap();
        let info = loop {
            match s.next().await.unwrap() {
                Event::Loaded { model, .. } => break *model,
                Event::Error { error, .. } => panic!("{error:?}"),
                _ => {}
            }
        };
        assert_eq!(info.chat_template, "none");
        let run = |template: TemplateChoice| {
            let engine = engine.clone();
            async move {
                let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(8), ..Default::default() };
                let mut s =
                    engine.request(|id| Request::Generate { id, messages: vec![user("Hi")], sampling, template, keep_state_as: None }).await.unwrap();
                finish(&mut s).await
            }
        };
        let err = run(TemplateChoice::Model).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::TemplateMissing, "{err:?}");
        assert!(err.message.contains("chatml"), "the message should name a fallback: {}", err.message);
        assert!(run(TemplateChoice::Builtin("chatml".into())).await.unwrap().gen_tokens > 0);
        let err = run(TemplateChoice::Builtin("no-such-template".into())).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::TemplateFailed, "{err:?}");
        engine.shutdown().await;
    });
}

#[test]
fn the_engine_exits_when_the_app_goes_away() {
    let mut child = std::process::Command::new(hearth())
        .arg("engine")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the engine outlived its app");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The engine says which devices it can compute on, and a loaded model where it runs (this
/// build: the CPU), with llama.cpp's real buffer sizes.
#[test]
fn the_engine_reports_its_devices_and_where_a_model_runs() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        let info = load(&engine, ModelSettings { context_length: Some(1024), ..Default::default() }).await.unwrap();
        let devices = engine.state().devices;
        assert!(devices.iter().any(|d| d.backend == "CPU"), "{devices:?}");
        assert_eq!(info.backend, "CPU");
        // 30 layers x 1024 cells x 3 KV heads x 64 x 2 (K, V) x 2 bytes.
        assert_eq!(info.allocated.kv_bytes, 30 * 1024 * 3 * 64 * 2 * 2);
        assert!(info.allocated.weights_bytes > 90_000_000 && info.allocated.compute_bytes > 0);
        engine.shutdown().await;
    });
}

/// A device chosen by name: one this build lacks is refused with the names it has, before the
/// loaded model is let go; `CPU` keeps the layers on the CPU.
#[test]
fn an_unknown_device_is_refused_and_the_loaded_model_keeps_serving() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        load(&engine, ModelSettings { context_length: Some(1024), ..Default::default() }).await.unwrap();
        let settings = ModelSettings { devices: vec!["ROCm0".into()], ..Default::default() };
        let error = load(&engine, settings).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::LoadFailed);
        assert!(error.message.contains("\"ROCm0\"") && error.message.contains("CPU"), "{error:?}");
        let mut s = generate(&engine, vec![user("What is the capital of France?")], 4).await;
        assert!(finish(&mut s).await.unwrap().gen_tokens > 0, "the model loaded before is gone");

        let on_cpu = ModelSettings { devices: vec!["cpu".into()], context_length: Some(1024), ..Default::default() };
        assert_eq!(load(&engine, on_cpu).await.unwrap().backend, "CPU");
        engine.shutdown().await;
    });
}

/// Starts `sleep 30` with the PID `pid` (Linux: the next PID is set through
/// /proc/sys/kernel/ns_last_pid, which needs root), retrying when another process takes it first.
fn sleeper_with_pid(pid: u32) -> std::process::Child {
    for _ in 0..100 {
        std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string())
            .expect("this test sets the next PID through /proc/sys/kernel/ns_last_pid and must run as root (CI does)");
        let child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        if child.id() == pid {
            return child;
        }
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("could not start a process with PID {pid}");
}

#[test]
fn a_restart_never_signals_a_process_that_took_a_dead_engines_pid() {
    // Regression (issue 17): restart sent SIGKILL to the old engine's PID even when that engine
    // had died and its PID had gone to another program.
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        load(&engine, ModelSettings::default()).await.unwrap();
        let old = engine.pid().unwrap();
        unsafe { libc::kill(old as i32, libc::SIGKILL) };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while engine.state().running {
            assert!(std::time::Instant::now() < deadline, "the death went unnoticed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The engine is reaped; a sleeper now holds its PID.
        let mut sleeper = sleeper_with_pid(old);
        engine.restart().await.unwrap();
        assert_ne!(engine.pid(), Some(old));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(sleeper.try_wait().unwrap().is_none(), "the restart killed the program holding the old engine's PID");
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        engine.shutdown().await;
    });
}

/// Issue 17: a generation whose stream is dropped before its end (a turn that failed half-way,
/// a caller that went away) is cancelled, so the next request does not wait behind it. The demo
/// model's greedy lighthouse story runs past 3000 tokens (a minute on 2 cores) unless cancelled.
#[test]
fn a_dropped_stream_cancels_its_generation() {
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        load(&engine, ModelSettings::default()).await.unwrap();
        let mut s = generate(&engine, vec![user("Write a very long story about a lighthouse keeper.")], 100_000).await;
        let (_, ended) = take_tokens(&mut s, 8).await;
        assert!(ended.is_none(), "ended early: {ended:?}");
        drop(s);
        let started = std::time::Instant::now();
        let mut next = generate(&engine, vec![user("What is the capital of France?")], 4).await;
        finish(&mut next).await.unwrap();
        let waited = started.elapsed();
        assert!(waited < std::time::Duration::from_secs(15), "the next request waited {waited:?} behind an abandoned generation");
        engine.shutdown().await;
    });
}

#[test]
fn the_apps_turn_takes_the_next_free_slot_before_api_requests_that_came_first() {
    // Issue 18: with answers side by side the app's own chat (a turn tagged with its
    // conversation) still comes first: both slots busy, an untagged request waiting, then the
    // app's turn; the slot that frees goes to the app's turn.
    rt().block_on(async {
        let engine = EngineClient::new(hearth());
        let info = load(&engine, ModelSettings { parallel: Some(2), context_length: Some(1024), ..Default::default() }).await.unwrap();
        assert_eq!(info.parallel, 2);
        // The two running answers end apart (24 and 48 tokens), so one slot frees first. (With
        // both at 48 they ended in the same step, both waiting requests started together, and
        // the test compared two tasks' clocks 8 µs apart: a CI run failed on that.)
        let mut running = [
            generate(&engine, vec![user("Write a long story about a lighthouse keeper.")], 24).await,
            generate(&engine, vec![user("Write a long story about a baker.")], 48).await,
        ];
        let waiting = generate(&engine, vec![user("Name a color.")], 8).await;
        let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(8), ..Default::default() };
        let messages = vec![user("Name a fruit.")];
        let apps = engine
            .request(|id| Request::Generate { id, messages, sampling, template: TemplateChoice::Model, keep_state_as: Some("conversation-1".into()) })
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let taken_up = |mut s: EventStream| {
            tokio::spawn(async move {
                let mut first = None;
                while let Some(ev) = s.next().await {
                    match ev {
                        Event::PromptDone { .. } => first = Some(started.elapsed()),
                        Event::Done { stats, .. } => return first.unwrap_or_else(|| panic!("the answer had no PromptDone: {stats:?}")),
                        Event::Error { error, .. } => panic!("{error:?}"),
                        _ => {}
                    }
                }
                panic!("the stream ended without a result");
            })
        };
        let (waiting, apps) = (taken_up(waiting), taken_up(apps));
        for s in running.iter_mut() {
            finish(s).await.unwrap();
        }
        let (waiting, apps) = (waiting.await.unwrap(), apps.await.unwrap());
        assert!(apps < waiting, "the app's turn was taken up at {apps:?}, after the API request that waited ({waiting:?})");
    });
}
