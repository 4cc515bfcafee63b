//! Other machines' devices through llama.cpp's RPC backend (issue 18, part 3), with two
//! `hearth rpc-server`s on localhost standing in for two machines: their devices are listed, the
//! demo model split over them predicts the next tokens as this process's CPU does and answers
//! as it does; a server that does not answer is named at load; one that dies mid-answer ends the
//! answer as an engine death (the app then keeps the partial text, marked interrupted), with the
//! text already streamed delivered.

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{demo_model, hearth};
use hearth_engine_client::EngineClient;
use hearth_protocol::{ChatMessage, ErrorCode, Event, ModelSettings, Request, Role, SamplingSettings, TemplateChoice};
use serde_json::Value;

struct RpcServer {
    child: Child,
    endpoint: String,
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `hearth rpc-server` lending its CPU on a free loopback port, once it listens.
fn rpc_server() -> RpcServer {
    let port = free_port();
    let child = Command::new(hearth())
        .args(["rpc-server", "--port", &port.to_string(), "--threads", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let endpoint = format!("127.0.0.1:{port}");
    let started = Instant::now();
    // A probe connection is taken as a client that says nothing; the server then waits for the next.
    while TcpStream::connect(&endpoint).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "hearth rpc-server never listened on {endpoint}");
        std::thread::sleep(Duration::from_millis(50));
    }
    RpcServer { child, endpoint }
}

fn run(args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(hearth()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success(), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), stderr)
}

#[test]
fn a_model_split_over_two_rpc_servers_computes_as_the_cpu_does() {
    let (a, b) = (rpc_server(), rpc_server());
    let rpc = format!("{},{}", a.endpoint, b.endpoint);
    let model = demo_model();
    let model = model.to_str().unwrap();

    let (ok, listed, err) = run(&["devices", "--rpc", &rpc, "--json"]);
    assert!(ok, "{err}");
    let rpc_devices: Vec<&Value> = listed["devices"].as_array().unwrap().iter().filter(|d| d["backend"] == "RPC").collect();
    let described: Vec<&str> = rpc_devices.iter().map(|d| d["description"].as_str().unwrap()).collect();
    assert_eq!(described, [a.endpoint.as_str(), b.endpoint.as_str()], "{listed}");
    // Never chosen by themselves: the default stays this machine's.
    assert!(!listed["default"].as_str().unwrap().contains("RPC"), "{listed}");

    // Next-token agreement with this process's CPU over the fixed text.
    let (ok, check, err) = run(&["devices", "--check", model, "--rpc", &rpc, "--device", "RPC0,RPC1", "--json"]);
    assert!(ok, "{err}\n{check}");
    assert_eq!(check["backend"], "RPC0,RPC1", "{check}");
    assert_eq!(check["passed"], true, "{check}");
    assert!(check["positions"].as_u64().unwrap() >= 32, "{check}");

    // A greedy answer split over the two servers is the CPU's answer.
    let prompt = ["--prompt", "Name three colors of the rainbow.", "--temp", "0", "--max-tokens", "24", "--json", "--threads", "2"];
    let (ok, local, err) = run(&[&["chat", model, "--device", "CPU"][..], &prompt].concat());
    assert!(ok, "{err}");
    let (ok, split, err) = run(&[&["chat", model, "--rpc", &rpc][..], &prompt].concat());
    assert!(ok, "{err}");
    assert_eq!(split["backend"], "RPC0,RPC1", "{split}");
    assert_eq!(split["text"], local["text"]);
}

#[test]
fn an_rpc_server_that_does_not_answer_is_named_at_load() {
    let nobody = format!("127.0.0.1:{}", free_port());
    let (ok, _, err) = run(&["chat", demo_model().to_str().unwrap(), "--rpc", &nobody, "--prompt", "hi"]);
    assert!(!ok);
    assert!(err.contains(&format!("the RPC server at {nobody} did not answer")), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (ok, _, err) = run(&["chat", demo_model().to_str().unwrap(), "--rpc", "no-port-here", "--prompt", "hi"]);
    assert!(!ok);
    assert!(err.contains("is not an RPC server's address"), "{err}");
    // Lending on a network address needs meaning it.
    let (ok, _, err) = run(&["rpc-server", "--host", "0.0.0.0"]);
    assert!(!ok);
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn an_rpc_server_that_dies_mid_answer_ends_the_answer_as_an_engine_death() {
    let mut server = rpc_server();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let engine = EngineClient::new(hearth());
        let settings = ModelSettings { rpc: vec![server.endpoint.clone()], context_length: Some(1024), ..Default::default() };
        let info = engine.load(&demo_model(), &settings, |_| {}).await.unwrap();
        assert!(info.backend.contains("RPC0"), "{}", info.backend);
        let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(400), ..Default::default() };
        let messages = vec![ChatMessage::new(Role::User, "Write a long story about a lighthouse keeper.")];
        let mut stream =
            engine.request(|id| Request::Generate { id, messages, sampling, template: TemplateChoice::Model, keep_state_as: None }).await.unwrap();
        let mut text = String::new();
        let mut killed = false;
        let error = loop {
            match stream.next().await.expect("the stream ended without a result") {
                Event::Token { text: t, .. } => {
                    text.push_str(&t);
                    if !killed && text.len() > 20 {
                        let _ = server.child.kill();
                        let _ = server.child.wait();
                        killed = true;
                    }
                }
                Event::Done { stats, .. } => panic!("the answer completed without its RPC server: {stats:?}"),
                Event::Error { error, .. } => break error,
                _ => {}
            }
        };
        assert!(killed);
        assert_eq!(error.code, ErrorCode::EngineDied, "{error:?}");
        assert!(text.len() > 20, "the text streamed before the death is delivered: {text:?}");
    });
}
