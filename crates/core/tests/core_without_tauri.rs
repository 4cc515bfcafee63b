//! The core's use cases over the real engine process and the demo model, with no Tauri at all:
//! what the shell and the CLI both rely on.

mod common;

use std::time::{Duration, Instant};

use common::{demo_model, rt};
use hearth_conversation::TurnAction;
use hearth_core::{engine_executable, Core};
use hearth_engine_client::EngineClient;
use hearth_protocol::{ErrorCode, SamplingSettings, TemplateChoice};
use hearth_store::{HearthHome, MessageStatus};

fn core(home: &std::path::Path) -> Core {
    let engine = engine_executable();
    assert!(engine.is_file(), "the engine binary is missing at {}: cargo build -p hearth-cli", engine.display());
    Core::new(HearthHome::at(home), EngineClient::new(engine)).unwrap()
}

/// Tests that time how long the app's chat waits run alone: two engines of two threads each on
/// a two-core machine spin against each other, and a 7-token prompt took 3 s beside another
/// test's engine (llama.cpp's threads busy-wait at each barrier). Other tests share.
static ENGINES: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn sharing_the_cpu() -> std::sync::RwLockReadGuard<'static, ()> {
    ENGINES.read().unwrap_or_else(|e| e.into_inner())
}

fn alone_on_the_cpu() -> std::sync::RwLockWriteGuard<'static, ()> {
    ENGINES.write().unwrap_or_else(|e| e.into_inner())
}

fn wait_for_death(core: &Core) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while core.engine_status().running {
        assert!(Instant::now() < deadline, "the engine's death went unnoticed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_model_lifecycle_turns_and_the_restart_policy_work_without_a_shell() {
    let _cpu = sharing_the_cpu();
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    let core = core(home.path());
    let demo = demo_model().display().to_string();
    rt.block_on(async {
        let info = core.load_model(&demo, None, |_| {}).await.unwrap();
        assert_eq!(info.architecture, "llama");
        // The first load takes the advisor's settings for the file on this machine, and keeps
        // them: the trained context (SmolLM2: 8192) where it fits, not a fixed cap.
        let first = core.model_settings(&demo).unwrap();
        assert_eq!(first.context_length, Some(8192), "{first:?}");
        assert_eq!(info.context_length, 8192);
        assert_eq!(core.app_info().unwrap().startup_model.as_deref(), Some(demo.as_str()), "the last model is remembered");

        // A damaged file is refused with its code, and the loaded model stays.
        let broken = home.path().join("broken.gguf");
        std::fs::write(&broken, b"GGUF\x03\x00\x00\x00garbage").unwrap();
        let err = core.load_model(&broken.display().to_string(), None, |_| {}).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidModel, "{err}");
        assert_eq!(core.model_status().model.map(|m| m.path), Some(demo.clone()));

        // A turn.
        let conv = core.create_conversation().unwrap();
        let greedy = SamplingSettings { temperature: Some(0.0), seed: Some(1), max_tokens: Some(8), ..Default::default() };
        core.update_conversation(conv.id, "", &greedy, &TemplateChoice::Model).unwrap();
        let answer = core.turn(conv.id, TurnAction::Send { text: "What is the capital of France?".into() }, |_| {}).await.unwrap();
        assert_eq!(answer.status, MessageStatus::Complete, "{answer:?}");

        // The engine killed while idle: the policy restarts it and reloads the model, once.
        let pid = core.engine_status().pid.unwrap();
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        wait_for_death(&core);
        let check = core.check_engine(|_| {}).await;
        assert!(
            check.notice.as_ref().is_some_and(|n| n.key == "said.engine.restarted" && n.text.contains("SIGKILL") && n.text.contains("restarted")),
            "{check:?}"
        );
        assert_eq!(check.status.model.map(|m| m.path), Some(demo.clone()));

        // A second death within the minute is left to the user (no restart loop).
        let pid = core.engine_status().pid.unwrap();
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        wait_for_death(&core);
        let check = core.check_engine(|_| {}).await;
        assert_eq!(check.notice, None);
        assert!(check.status.model.is_none());
        assert!(!check.status.engine.running);

        // …but a message sent meanwhile brings the model back first.
        let answer = core.turn(conv.id, TurnAction::Send { text: "And of Italy?".into() }, |_| {}).await.unwrap();
        assert_eq!(answer.status, MessageStatus::Complete, "{answer:?}");
        core.shutdown().await;
    });
}

#[test]
fn a_cancelled_job_is_cancelled_not_failed() {
    let _cpu = sharing_the_cpu();
    // The code the UI switches on for a paused download or a stopped job (it was a
    // QUANTIZE_FAILED/"BAD_REQUEST" with a message before).
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    let core = std::sync::Arc::new(core(home.path()));
    let demo = demo_model().display().to_string();
    rt.block_on(async {
        let running = {
            let core = core.clone();
            tokio::spawn(async move {
                let input = hearth_core::BenchInput {
                    path: demo,
                    n_prompt: 64,
                    n_gen: 512,
                    depth: 0,
                    ttft_prompt: 0,
                    reps: 20,
                    threads: None,
                    gpu_layers: None,
                    devices: vec![],
                };
                core.run_benchmark(&input, |_| {}).await
            })
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !core.benchmark_running() {
            assert!(Instant::now() < deadline, "the benchmark never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        core.cancel_benchmark().unwrap();
        let err = running.await.unwrap().unwrap_err();
        assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
    });
}

#[test]
fn a_second_hearth_on_the_same_home_leaves_the_first_ones_streaming_answer_alone() {
    let _cpu = sharing_the_cpu();
    // Regression (issue 17): `hearth send` started while the app streamed an answer marked that
    // answer interrupted (every process took every `streaming` message for a dead one's).
    let home = tempfile::tempdir().unwrap();
    let first = core(home.path());
    let conv = first.create_conversation().unwrap();
    let streaming = {
        let store = first.store.lock();
        store.add_message(conv.id, hearth_protocol::Role::User, "q", MessageStatus::Complete, None).unwrap();
        store.add_message(conv.id, hearth_protocol::Role::Assistant, "", MessageStatus::Streaming, Some("m")).unwrap()
    };
    assert_eq!(streaming.status, MessageStatus::Streaming);

    let second = core(home.path());
    assert_eq!(second.messages(conv.id).unwrap()[1].status, MessageStatus::Streaming, "the first Hearth's answer was taken for dead");
    drop(second);
    drop(first);
    // The next Hearth after both: the answer's writer is gone, so it is interrupted.
    let third = core(home.path());
    assert_eq!(third.messages(conv.id).unwrap()[1].status, MessageStatus::Interrupted);
}

/// Issue 17: after the engine dies mid-answer the next message loads the model again (it was
/// dropped before), while a model that takes the engine down while loading is not loaded again
/// by itself (no crash loop): the user gets one short reason.
#[test]
fn a_crash_mid_answer_reloads_the_model_and_a_crash_while_loading_does_not_loop() {
    let _cpu = sharing_the_cpu();
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    let core = core(home.path());
    let demo = demo_model().display().to_string();
    rt.block_on(async {
        core.load_model(&demo, None, |_| {}).await.unwrap();
        let conv = core.create_conversation().unwrap();
        let long = SamplingSettings { temperature: Some(0.0), seed: Some(1), max_tokens: Some(2000), ..Default::default() };
        core.update_conversation(conv.id, "", &long, &TemplateChoice::Model).unwrap();
        let pid = core.engine_status().pid.unwrap();
        let killed = std::sync::atomic::AtomicBool::new(false);
        let answer = core
            .turn(conv.id, TurnAction::Send { text: "Write a very long story about a lighthouse keeper.".into() }, |ev| {
                if matches!(ev, hearth_conversation::TurnEvent::Token { .. }) && !killed.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                }
            })
            .await
            .unwrap();
        assert_eq!(answer.status, MessageStatus::Interrupted, "{answer:?}");
        assert!(core.model_status().model.is_none(), "the model died with the engine");
        let short = SamplingSettings { max_tokens: Some(4), ..long };
        core.update_conversation(conv.id, "", &short, &TemplateChoice::Model).unwrap();
        let answer = core.turn(conv.id, TurnAction::Send { text: "And a short one?".into() }, |_| {}).await.unwrap();
        assert_eq!(answer.status, MessageStatus::Complete, "the model was loaded again: {answer:?}");

        // Killed while loading: the load fails with one readable line and is not retried.
        let pid = core.engine_status().pid.unwrap();
        let err = core
            .load_model(&demo, None, |_| {
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::EngineDied, "{err}");
        let said = err.to_string();
        assert!(!said.contains('\n') && !said.contains("panicked") && said.len() < 300, "{said}");
        wait_for_death(&core);
        let check = core.check_engine(|_| {}).await;
        assert_eq!((check.notice, check.error), (None, None), "no automatic reload of a model that crashed while loading");
        assert!(check.status.model.is_none() && check.status.wanted_path.is_none());
        core.shutdown().await;
    });
}

/// Starts the app's API server on a free port; its `host:port`.
async fn start_api(core: &Core) -> String {
    let settings = hearth_core::ApiServerSettings { enabled: true, port: 0, api_key: None, allow_remote: false };
    let on = core.start_api_server(settings).await.unwrap();
    on.base_url.unwrap().trim_start_matches("http://").trim_end_matches("/v1").to_string()
}

/// A greedy chat completion through the API, from another thread; the whole HTTP reply.
fn post_chat(addr: &str, max_tokens: u32, prompt: &str) -> String {
    use std::io::{Read, Write};
    let body = serde_json::json!({"model": "any", "max_tokens": max_tokens, "temperature": 0,
        "messages": [{"role": "user", "content": prompt}]})
    .to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    reply
}

/// The app's own short turn (4 tokens) in a new conversation; how long it took.
async fn app_turn(core: &Core) -> Duration {
    let conv = core.create_conversation().unwrap();
    let short = SamplingSettings { temperature: Some(0.0), seed: Some(1), max_tokens: Some(4), ..Default::default() };
    core.update_conversation(conv.id, "", &short, &TemplateChoice::Model).unwrap();
    let asked = Instant::now();
    let answer = core.turn(conv.id, TurnAction::Send { text: "Hi".into() }, |_| {}).await.unwrap();
    assert_eq!(answer.status, MessageStatus::Complete, "{answer:?}");
    asked.elapsed()
}

/// Issue 17: the app's chat waits behind an API answer for a bounded time, however long that
/// answer was asked to be: once the app's turn waits behind it, the API answer goes on for the
/// yield grace, then ends as a `length` finish with what it had (the request log says why).
/// Without it the app's turn waited about 160 s here, behind all 4,000 tokens.
#[test]
fn the_apps_chat_waits_no_longer_than_the_yield_grace() {
    let _cpu = alone_on_the_cpu();
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    let core = core(home.path());
    let demo = demo_model().display().to_string();
    rt.block_on(async {
        core.load_model(&demo, None, |_| {}).await.unwrap();
        core.set_api_yield_grace(Duration::from_secs(1));
        let addr = start_api(&core).await;
        // An answer asked to be 4,000 tokens long (minutes here).
        let story = "Write a very long story about a lighthouse keeper and the sea. Make it at least 2000 words.";
        let api = std::thread::spawn(move || post_chat(&addr, 4000, story));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let waited = app_turn(&core).await;
        let reply = api.join().unwrap();
        let body: serde_json::Value = serde_json::from_str(&reply[reply.find("\r\n\r\n").unwrap() + 4..]).unwrap();
        assert_eq!(body["choices"][0]["finish_reason"], "length", "{}", body["usage"]);
        let written = body["usage"]["completion_tokens"].as_u64().unwrap();
        assert!(written > 0 && written < 4000, "the API answer ended early with what it had: {}", body["usage"]);
        assert!(waited < Duration::from_secs(10), "the app waited {waited:?} behind a 1 s grace");
        let log = core.api_server_status().unwrap().recent;
        assert!(log.iter().any(|r| r.note.as_deref().is_some_and(|n| n.contains("the app's chat needed the model"))), "{log:?}");
        core.stop_api_server().unwrap();
        core.shutdown().await;
    });
}

/// Issue 17: the app's own chat never waits behind the API's queue. API requests take the
/// engine one at a time through the API's own queue; the app's turn goes to the engine at once,
/// so it waits for the one API answer being written at most, never for those queued after it.
#[test]
fn the_apps_chat_waits_for_one_api_answer_at_most() {
    let _cpu = alone_on_the_cpu();
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    let core = core(home.path());
    let demo = demo_model().display().to_string();
    rt.block_on(async {
        core.load_model(&demo, None, |_| {}).await.unwrap();
        let addr = start_api(&core).await;
        // Three long API answers (greedy, 400 tokens each: several seconds apiece here).
        let finished = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let clients: Vec<_> = (0..3)
            .map(|i| {
                let (addr, finished) = (addr.clone(), finished.clone());
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(200 * i));
                    post_chat(&addr, 400, "Write a very long story about a lighthouse keeper.");
                    finished.lock().unwrap().push(format!("api {i}"));
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        app_turn(&core).await;
        finished.lock().unwrap().push("app".into());
        for c in clients {
            c.join().unwrap();
        }
        let order = finished.lock().unwrap().clone();
        let app_at = order.iter().position(|o| o == "app").unwrap();
        assert!(app_at <= 1, "the app's answer came after {app_at} API answers: {order:?}");
        core.stop_api_server().unwrap();
        core.shutdown().await;
    });
}
