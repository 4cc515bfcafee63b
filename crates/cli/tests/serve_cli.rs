//! `hearth serve` with the demo model on loopback, driven over plain HTTP: the model list, a chat
//! completion, a streamed one (SSE chunks then [DONE]), concurrent clients served one after the
//! other with no answer mixed up, a wrong key, malformed JSON, a huge body, an unknown route, and
//! a non-loopback address refused without --allow-remote.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::{demo_model, hearth};
use serde_json::{json, Value};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(hearth())
        .args(["serve", demo_model().to_str().unwrap(), "--port", "0"])
        .args(extra)
        .env("HEARTH_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line}")).to_string();
    std::mem::forget(home);
    Server { child, addr }
}

fn http(addr: &str, method: &str, path: &str, key: Option<&str>, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
    let _ = s.write_all(body);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn chat(content: &str, stream: bool) -> Vec<u8> {
    serde_json::to_vec(&json!({"model": "x", "messages": [{"role": "user", "content": content}], "max_tokens": 12, "temperature": 0, "stream": stream})).unwrap()
}

#[test]
fn the_api_lists_answers_streams_and_refuses_bad_requests() {
    let server = start(&["--api-key", "sekrit"]);
    let key = Some("sekrit");
    let (status, body) = http(&server.addr, "GET", "/v1/models", key, b"");
    assert_eq!(status, 200, "{body}");
    let models: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(models["object"], "list");
    assert!(models["data"][0]["id"].as_str().unwrap().contains("135M"), "{models}");

    let (status, body) = http(&server.addr, "POST", "/v1/chat/completions", key, &chat("What is the capital of France?", false));
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert!(!v["choices"][0]["message"]["content"].as_str().unwrap().is_empty(), "{v}");
    assert!(v["usage"]["completion_tokens"].as_u64().unwrap() <= 12);
    let whole = v["choices"][0]["message"]["content"].as_str().unwrap().to_string();

    // Streamed: the same greedy answer in chunks, then [DONE].
    let (status, body) = http(&server.addr, "POST", "/v1/chat/completions", key, &chat("What is the capital of France?", true));
    assert_eq!(status, 200, "{body}");
    let datas: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
    assert_eq!(*datas.last().unwrap(), "[DONE]", "{body}");
    let streamed: String = datas[..datas.len() - 1]
        .iter()
        .map(|d| serde_json::from_str::<Value>(d).unwrap()["choices"][0]["delta"]["content"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(streamed, whole);

    // Four clients at once: each gets its own complete answer.
    let handles: Vec<_> = ["red", "green", "blue", "amber"]
        .into_iter()
        .map(|c| {
            let addr = server.addr.clone();
            std::thread::spawn(move || http(&addr, "POST", "/v1/chat/completions", Some("sekrit"), &chat(&format!("Say the word {c}."), false)))
        })
        .collect();
    for h in handles {
        let (status, body) = h.join().unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["object"], "chat.completion");
    }

    let (status, body) = http(&server.addr, "GET", "/v1/models", Some("wrong"), b"");
    assert_eq!(status, 401, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "invalid_api_key");
    let (status, _) = http(&server.addr, "POST", "/v1/chat/completions", key, b"{not json");
    assert_eq!(status, 400);
    let (status, _) = http(&server.addr, "POST", "/v1/chat/completions", key, &vec![b' '; 5 << 20]);
    assert_eq!(status, 413);
    let (status, _) = http(&server.addr, "GET", "/v2/nothing", key, b"");
    assert_eq!(status, 404);
    // The server is still up after all that.
    assert_eq!(http(&server.addr, "GET", "/v1/models", key, b"").0, 200);
}

#[test]
fn a_non_loopback_address_needs_allow_remote() {
    let out = Command::new(hearth()).args(["serve", demo_model().to_str().unwrap(), "--host", "0.0.0.0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"), "{}", String::from_utf8_lossy(&out.stderr));
}
