//! Remote engines: the app's engine handle sending generations to an OpenAI-compatible server
//! (here another Hearth, `hearth serve` with the demo model, on loopback) and getting back the
//! same events a local engine sends. Models listed, an answer streamed with its token counts, a
//! wrong key, a stop mid-answer (and the server serving the next request), a server killed
//! mid-answer (the text so far kept), nothing listening, and a server that never answers. The
//! same against llama.cpp's own llama-server built from the llama.cpp source Hearth vendors
//! (ignored unless `HEARTH_LLAMA_SERVER` names it: `scripts/llama-server-test.sh` builds and runs).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{demo_model, hearth, serve_demo, ServerProcess};
use hearth_engine_client::{Endpoint, EngineClient, RemoteTarget};
use hearth_protocol::{ChatMessage, ErrorCode, Event, GenerationStats, Request, Role, SamplingSettings, StopReason, TemplateChoice};

/// llama.cpp's llama-server with the demo model on a free loopback port, once it is ready.
fn llama_server(api_key: &str) -> ServerProcess {
    llama_server_with(&demo_model(), &["--api-key", api_key])
}

/// llama-server with `model` and `extra` flags, once it is ready.
fn llama_server_with(model: &std::path::Path, extra: &[&str]) -> ServerProcess {
    let binary = std::env::var("HEARTH_LLAMA_SERVER").expect("HEARTH_LLAMA_SERVER: the llama-server binary (scripts/llama-server-test.sh)");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(binary)
        .args(["-m", model.to_str().unwrap(), "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(extra)
        .args(["-c", "2048", "-t", "2", "-np", "1", "--no-webui"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let server = ServerProcess { child, url };
    let health = format!("127.0.0.1:{port}");
    for _ in 0..300 {
        if let Ok(mut s) = std::net::TcpStream::connect(&health) {
            use std::io::{Read, Write};
            let _ = write!(s, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.1 200") {
                return server;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("llama-server did not become ready in 30 s");
}

/// An engine handle whose generations go to `endpoint` (no local engine is ever started: its
/// binary does not exist).
fn remote_engine(endpoint: Endpoint, model: &str) -> EngineClient {
    let engine = EngineClient::new("/nonexistent/hearth".into());
    engine.set_remote(Some(RemoteTarget { endpoint, model: model.to_string() }));
    engine
}

fn ask(content: &str, max_tokens: u32) -> impl FnOnce(u64) -> Request {
    let messages = vec![ChatMessage::new(Role::User, content)];
    let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(max_tokens), ..Default::default() };
    move |id| Request::Generate { id, messages, sampling, template: TemplateChoice::Model, keep_state_as: None }
}

enum End {
    Done(GenerationStats),
    Error(ErrorCode, String),
}

/// Runs once, with the request id, when its answer has that many tokens.
type AfterTokens = (usize, Box<dyn FnOnce(u64) + Send>);

/// The user's stop, for `collect`'s hook.
fn stop_from(engine: &EngineClient) -> Box<dyn FnOnce(u64) + Send> {
    let (engine, handle) = (engine.clone(), tokio::runtime::Handle::current());
    Box::new(move |id| {
        handle.spawn(async move { engine.cancel(id).await });
    })
}

/// The server killed, for `collect`'s hook.
fn kill_of(server: &std::sync::Arc<std::sync::Mutex<ServerProcess>>) -> Box<dyn FnOnce(u64) + Send> {
    let server = server.clone();
    Box::new(move |_| server.lock().unwrap().kill())
}

/// The text and how the answer ended.
async fn collect(engine: &EngineClient, req: impl FnOnce(u64) -> Request, stop_after: Option<AfterTokens>) -> (String, End) {
    let mut stream = engine.request(req).await.unwrap();
    let id = stream.id;
    let (mut text, mut tokens) = (String::new(), 0usize);
    let mut hook = stop_after;
    loop {
        match tokio::time::timeout(Duration::from_secs(60), stream.next()).await.expect("an event within a minute") {
            Some(Event::Token { text: t, .. }) => {
                text.push_str(&t);
                tokens += 1;
                if hook.as_ref().is_some_and(|(n, _)| tokens == *n) {
                    let (_, f) = hook.take().unwrap();
                    f(id);
                }
            }
            Some(Event::Done { stats, .. }) => return (text, End::Done(stats)),
            Some(Event::Error { error, .. }) => return (text, End::Error(error.code, error.message)),
            Some(_) => {}
            None => panic!("the stream ended without Done or Error"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_server_answers_like_a_local_engine() {
    let server = serve_demo(&["--api-key", "k"]);
    let endpoint = Endpoint::new(&server.url, Some("k".into())).unwrap();
    let models = hearth_remote_models(&endpoint).await;
    assert_eq!(models.len(), 1);
    assert!(models[0].contains("135M"), "{models:?}");

    let engine = remote_engine(endpoint.clone(), &models[0]);
    let (text, end) = collect(&engine, ask("What is the capital of France?", 12), None).await;
    let End::Done(stats) = end else { panic!("no answer") };
    assert!(!text.is_empty());
    assert!(stats.prompt_tokens > 10, "the server's usage is read: {stats:?}");
    assert!(stats.gen_tokens > 0 && stats.gen_tokens <= 12, "{stats:?}");
    assert!(stats.tg_tps > 0.0 && stats.ttft_ms > 0.0, "{stats:?}");

    // Stop after three pieces: the answer ends as the user's stop, with what arrived.
    let stop = stop_from(&engine);
    let (partial, end) = collect(&engine, ask("Write a long story about a dragon.", 200), Some((3, stop))).await;
    let End::Done(stats) = end else { panic!("a stop is not an error") };
    assert_eq!(stats.stop_reason, StopReason::Cancelled);
    assert!(!partial.is_empty());
    // The server let go of the stopped generation and serves the next one.
    let (_, end) = collect(&engine, ask("Hi", 4), None).await;
    assert!(matches!(end, End::Done(_)));

    // A wrong key.
    let wrong = remote_engine(Endpoint::new(&server.url, Some("nope".into())).unwrap(), &models[0]);
    let (_, end) = collect(&wrong, ask("Hi", 4), None).await;
    let End::Error(code, message) = end else { panic!("a wrong key answered") };
    assert_eq!(code, ErrorCode::RemoteUnauthorized);
    assert!(message.contains("refused the API key"), "{message}");
}

/// Issue 19 with a remote model: the conversation's tools go to the server, which renders them,
/// holds a named call to its schema and streams it back; the call arrives as the same
/// `ToolCall` event a local engine sends, and its result goes back as a `tool` message.
#[tokio::test(flavor = "multi_thread")]
async fn a_remote_server_is_offered_tools_and_its_calls_come_back_as_events() {
    let server = serve_demo(&[]);
    let endpoint = Endpoint::new(&server.url, None).unwrap();
    let models = hearth_remote_models(&endpoint).await;
    let engine = remote_engine(endpoint, &models[0]);
    let echo = serde_json::json!({"type": "function", "function": {"name": "echo", "description": "Echoes the message",
        "parameters": {"type": "object", "properties": {"message": {"type": "string", "maxLength": 40}}, "required": ["message"]}}});
    let sampling = SamplingSettings {
        temperature: Some(0.0),
        max_tokens: Some(64),
        tools: Some(vec![echo]),
        constraint: Some(hearth_protocol::OutputConstraint::ToolCall { names: vec!["echo".into()] }),
        ..Default::default()
    };
    let messages = vec![ChatMessage::new(Role::User, "Call echo with the message \"lantern\".")];
    let mut stream =
        engine.request(|id| Request::Generate { id, messages, sampling, template: TemplateChoice::Model, keep_state_as: None }).await.unwrap();
    let mut calls = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(60), stream.next()).await.expect("an event within a minute") {
            Some(Event::ToolCall { call, .. }) => calls.push(call),
            Some(Event::Done { .. }) => break,
            Some(Event::Error { error, .. }) => panic!("{error:?}"),
            Some(_) => {}
            None => panic!("the stream ended without Done"),
        }
    }
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].name, "echo");
    assert!(calls[0].id.as_deref().is_some_and(|id| id.starts_with("call_")), "{calls:?}");
    let args: serde_json::Value = serde_json::from_str(&calls[0].arguments).unwrap();
    assert!(args["message"].is_string(), "the server held the arguments to the schema: {args}");
}

/// The same path as `a_remote_server_answers_like_a_local_engine`, against llama.cpp's own server.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs llama-server: scripts/llama-server-test.sh builds it from the vendored llama.cpp and runs this"]
async fn llama_server_lists_streams_stops_refuses_and_dies_cleanly() {
    let server = std::sync::Arc::new(std::sync::Mutex::new(llama_server("k")));
    let url = server.lock().unwrap().url.clone();
    let endpoint = Endpoint::new(&url, Some("k".into())).unwrap();
    let models = hearth_remote_models(&endpoint).await;
    assert_eq!(models.len(), 1, "{models:?}");
    let engine = remote_engine(endpoint.clone(), &models[0]);

    let (text, end) = collect(&engine, ask("What is the capital of France?", 12), None).await;
    let End::Done(stats) = end else { panic!("no answer") };
    assert!(!text.is_empty());
    assert!(stats.prompt_tokens > 10 && stats.gen_tokens > 0 && stats.gen_tokens <= 12, "{stats:?}");
    assert!(stats.tg_tps > 0.0, "llama-server's own timings: {stats:?}");

    let stop = stop_from(&engine);
    let (partial, end) = collect(&engine, ask("Write a long story about a dragon.", 200), Some((3, stop))).await;
    assert!(matches!(end, End::Done(ref s) if s.stop_reason == StopReason::Cancelled));
    assert!(!partial.is_empty());
    let (_, end) = collect(&engine, ask("Hi", 4), None).await;
    assert!(matches!(end, End::Done(_)), "llama-server serves the next request after a stop");

    let wrong = remote_engine(Endpoint::new(&url, Some("nope".into())).unwrap(), &models[0]);
    let (_, end) = collect(&wrong, ask("Hi", 4), None).await;
    assert!(matches!(end, End::Error(ErrorCode::RemoteUnauthorized, _)));

    let kill = kill_of(&server);
    let (partial, end) = collect(&engine, ask("Write a long story about a dragon.", 400), Some((3, kill))).await;
    let End::Error(code, message) = end else { panic!("a killed llama-server finished the answer") };
    assert_eq!(code, ErrorCode::RemoteUnreachable, "{message}");
    assert!(!partial.is_empty());
}

async fn hearth_remote_models(endpoint: &Endpoint) -> Vec<String> {
    hearth_remote::list_models(endpoint).await.unwrap().into_iter().map(|m| m.id).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_answer_keeps_the_text_so_far() {
    let server = std::sync::Arc::new(std::sync::Mutex::new(serve_demo(&[])));
    let endpoint = Endpoint::new(&server.lock().unwrap().url, None).unwrap();
    let engine = remote_engine(endpoint, "demo");
    let kill = kill_of(&server);
    let (partial, end) = collect(&engine, ask("Write a long story about a dragon.", 400), Some((3, kill))).await;
    let End::Error(code, message) = end else { panic!("a killed server finished the answer") };
    assert_eq!(code, ErrorCode::RemoteUnreachable);
    assert!(message.contains("stopped answering mid-answer"), "{message}");
    assert!(!partial.is_empty(), "the text that arrived is kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_listening_and_a_silent_server_are_clear_errors() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let engine = remote_engine(Endpoint::new(&format!("http://127.0.0.1:{port}"), None).unwrap(), "m");
    let (_, end) = collect(&engine, ask("Hi", 4), None).await;
    let End::Error(code, message) = end else { panic!() };
    assert_eq!(code, ErrorCode::RemoteUnreachable);
    assert!(message.starts_with(&format!("cannot reach 127.0.0.1:{port}")), "{message}");
    let listed = hearth_remote::list_models(&Endpoint::new(&format!("http://127.0.0.1:{port}"), None).unwrap()).await;
    assert!(listed.unwrap_err().to_string().contains("cannot reach"));

    // A server that accepts the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let _held = std::thread::spawn(move || {
        let conns: Vec<_> = silent.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(10));
        drop(conns);
    });
    let mut endpoint = Endpoint::new(&format!("http://{addr}"), None).unwrap();
    endpoint.timeouts.first_byte = Duration::from_secs(1);
    let (_, end) = collect(&remote_engine(endpoint, "m"), ask("Hi", 4), None).await;
    let End::Error(code, message) = end else { panic!() };
    assert_eq!(code, ErrorCode::RemoteUnreachable);
    assert!(message.contains("did not answer in time"), "{message}");
}

#[test]
fn a_benchmark_runs_against_a_remote_server() {
    let server = serve_demo(&["--api-key", "k"]);
    let home = tempfile::tempdir().unwrap();
    let bench = |key: &str| {
        Command::new(hearth())
            .args(["bench", "--remote", &server.url, "--remote-model", "demo", "-p", "64", "-n", "16", "--ttft-prompt", "128", "-r", "2", "--json"])
            .env("HEARTH_REMOTE_API_KEY", key)
            .env("HEARTH_HOME", home.path())
            .output()
            .unwrap()
    };
    let out = bench("k");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["backend"].as_str().unwrap().starts_with("remote 127.0.0.1:"), "{r}");
    assert!(r["pp_tps"].as_f64().unwrap() > 0.0 && r["tg_tps"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["ttft_ms"].as_f64().unwrap() > 0.0, "{r}");
    assert_eq!(r["reps"], 2);
    // Kept with this machine's results, like a local run.
    let list = Command::new(hearth()).args(["bench", "--list", "--json"]).env("HEARTH_HOME", home.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("remote 127.0.0.1:"));

    let out = bench("wrong");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused the API key"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Issue 15, item 2: Hearth's prompt for gpt-oss equals llama-server's `/apply-template` with
/// `--jinja` (llama.cpp's own Jinja engine over the same template), for each reasoning effort, with
/// and without a developer message. The model is the Harmony fixture (scripts/fixtures.sh).
#[test]
#[ignore = "needs llama-server: scripts/llama-server-test.sh builds it from the vendored llama.cpp and runs this"]
fn llama_server_renders_gpt_oss_as_hearth_does() {
    let model = common::fixture("harmony-gpt-oss-MXFP4.gguf");
    let server = llama_server_with(&model, &["--jinja"]);
    let cases: [(Option<&str>, Option<&str>); 4] =
        [(None, None), (Some("low"), None), (Some("medium"), Some("Be brief.")), (Some("high"), Some("Answer in French."))];
    for (effort, system) in cases {
        let mut messages = Vec::new();
        if let Some(s) = system {
            messages.push(serde_json::json!({"role": "system", "content": s}));
        }
        messages.push(serde_json::json!({"role": "user", "content": "What is the capital of France?"}));
        let mut body = serde_json::json!({"messages": messages});
        if let Some(e) = effort {
            body["chat_template_kwargs"] = serde_json::json!({"reasoning_effort": e});
        }
        let out = Command::new("curl")
            .args(["-sf", "-H", "Content-Type: application/json", "-d", &body.to_string()])
            .arg(format!("{}/apply-template", server.url))
            .output()
            .unwrap();
        assert!(out.status.success(), "apply-template failed");
        let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut args = vec!["chat", model.to_str().unwrap(), "--prompt", "What is the capital of France?", "--max-tokens", "1", "--json"];
        if let Some(s) = system {
            args.extend(["--system", s]);
        }
        if let Some(e) = effort {
            args.extend(["--reasoning-effort", e]);
        }
        let ours = Command::new(hearth()).args(&args).output().unwrap();
        assert!(ours.status.success(), "{}", String::from_utf8_lossy(&ours.stderr));
        let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
        assert_eq!(ours["prompt"], theirs["prompt"], "effort {effort:?}, system {system:?}");
    }
}
