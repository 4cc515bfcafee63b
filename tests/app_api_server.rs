//! The app's API server switch (Tauri's mock runtime, the real engine with the demo model): it
//! serves the model the app loaded, over real HTTP on loopback; its requests are recorded for the
//! Server page with their tokens; a port in use is a clear error; stopped, it refuses connections;
//! its settings are remembered.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{app, demo_model, invoke};
use serde_json::{json, Value};

fn post(addr: &str, path: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = serde_json::to_vec(body).unwrap();
    let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn the_switch_serves_the_loaded_model_and_records_requests() {
    let home = tempfile::tempdir().unwrap();
    let (_app, webview) = app(home.path());
    let model = invoke(&webview, "load_model", json!({"path": demo_model(), "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap();

    let off = invoke(&webview, "api_server_status", json!({})).unwrap();
    assert_eq!(off["base_url"], Value::Null);
    assert_eq!(off["settings"]["port"], 8080);

    let settings = json!({"enabled": true, "port": 0, "api_key": "k1", "allow_remote": false});
    let on = invoke(&webview, "start_api_server", json!({"settings": settings})).unwrap();
    let base = on["base_url"].as_str().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{on}");
    let addr = base.trim_start_matches("http://").trim_end_matches("/v1").to_string();

    let chat = json!({"messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 8, "temperature": 0});
    let (status, v) = post(&addr, "/v1/chat/completions", Some("k1"), &chat);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["model"], model["name"], "the API names the model the app loaded");
    assert!(!v["choices"][0]["message"]["content"].as_str().unwrap().is_empty());
    assert_eq!(post(&addr, "/v1/chat/completions", Some("wrong"), &chat).0, 401);

    // Both requests are on the Server page, the answered one with its tokens.
    // (Recorded from the server's own task: wait for it briefly.)
    let mut status_now = Value::Null;
    for _ in 0..50 {
        status_now = invoke(&webview, "api_server_status", json!({})).unwrap();
        if status_now["recent"][0]["state"] == "done" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    let recent = status_now["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 1, "a refused key never reaches the queue: {recent:?}");
    assert_eq!(recent[0]["state"], "done");
    assert_eq!(recent[0]["route"], "POST /v1/chat/completions");
    assert_eq!(recent[0]["completion_tokens"], v["usage"]["completion_tokens"]);

    // A second server on the same port: a clear error, and the first one still serves.
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let blocker = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let taken = blocker.local_addr().unwrap().port();
    // Other machines only with a key (issue 17): refused before anything listens.
    let err =
        invoke(&webview, "start_api_server", json!({"settings": {"enabled": true, "port": 0, "api_key": "  ", "allow_remote": true}})).unwrap_err();
    assert_eq!(err["code"], "BAD_REQUEST", "{err}");
    assert!(err["message"].as_str().unwrap().contains("needs an API key"), "{err}");
    let err = invoke(&webview, "start_api_server", json!({"settings": {"enabled": true, "port": taken, "api_key": null, "allow_remote": false}}))
        .unwrap_err();
    assert_eq!(err["code"], "BUSY", "{err}");
    assert!(err["message"].as_str().unwrap().contains("in use"), "{err}");
    let on =
        invoke(&webview, "start_api_server", json!({"settings": {"enabled": true, "port": port, "api_key": "k1", "allow_remote": false}})).unwrap();
    assert_eq!(on["base_url"], base);
    assert_eq!(post(&addr, "/v1/chat/completions", Some("k1"), &chat).0, 200);

    let off = invoke(&webview, "stop_api_server", json!({})).unwrap();
    assert_eq!(off["base_url"], Value::Null);
    assert_eq!(off["settings"]["enabled"], false);
    assert_eq!(off["settings"]["api_key"], "k1", "settings are kept for the next time");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(TcpStream::connect(&addr).is_err(), "stopped, it no longer listens");
}
