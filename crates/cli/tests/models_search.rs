//! Issue 20: `hearth models search` against a local server in the Hugging Face Hub's shapes
//! (HF_ENDPOINT): GGUF repos only, most downloaded first unless told otherwise, a next page from
//! the `Link` header, an empty result, a server error and a server that does not answer.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::hearth;

/// A Hub stand-in: `/api/models?search=none…` answers `[]`, `search=boom` 500, `search=slow`
/// after 10 s; anything else two repos and a `Link` to a second page. Records request targets.
fn serve() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (base, log) = (url.clone(), seen.clone());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let (base, log) = (base.clone(), log.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                log.lock().unwrap().push(target.clone());
                let (status, body, link) = if target.contains("search=none") {
                    ("200 OK", "[]".to_string(), None)
                } else if target.contains("search=boom") {
                    ("500 Internal Server Error", "{\"error\":\"boom\"}".to_string(), None)
                } else if target.contains("search=huge") {
                    // Valid JSON (an empty list after 33 MiB of whitespace), larger than an answer may be.
                    ("200 OK", format!("{}[]", " ".repeat(33 << 20)), None)
                } else if target.contains("search=slow") {
                    std::thread::sleep(Duration::from_secs(10));
                    ("200 OK", "[]".to_string(), None)
                } else if target.contains("cursor=page2") {
                    (
                        "200 OK",
                        r#"[{"_id":"3","id":"someone/tiny-GGUF","downloads":12,"likes":1,"lastModified":"2025-01-02T00:00:00.000Z"}]"#.to_string(),
                        None,
                    )
                } else {
                    let body = r#"[{"_id":"1","id":"unsloth/gpt-oss-120b-GGUF","downloads":250000,"likes":420,"lastModified":"2025-08-10T12:00:00.000Z"},
                                   {"_id":"2","id":"ggml-org/gpt-oss-120b-GGUF","downloads":90000,"likes":300}]"#;
                    ("200 OK", body.to_string(), Some(format!("<{base}/api/models?search=gpt-oss&cursor=page2>; rel=\"next\"")))
                };
                let link = link.map(|l| format!("Link: {l}\r\n")).unwrap_or_default();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{link}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    (url, seen)
}

fn search(endpoint: &str, args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(hearth())
        .env("HEARTH_HOME", home.path())
        .env("HF_ENDPOINT", endpoint)
        .env("HF_TOKEN", "")
        .env("HEARTH_HUB_TIMEOUT_SECS", "2")
        .args(["models", "search"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn search_lists_gguf_repos_most_downloaded_first_with_pages() {
    let (endpoint, seen) = serve();
    let out = search(&endpoint, &["gpt-oss", "--json", "--limit", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["models"][0]["id"], "unsloth/gpt-oss-120b-GGUF");
    assert_eq!(page["models"][0]["downloads"], 250000);
    assert_eq!(page["models"][0]["likes"], 420);
    assert_eq!(page["models"][0]["updated"], "2025-08-10T12:00:00.000Z");
    assert_eq!(page["models"][1]["updated"], serde_json::Value::Null, "a field the Hub left out");
    let asked = seen.lock().unwrap()[0].clone();
    for part in ["search=gpt-oss", "filter=gguf", "sort=downloads", "direction=-1", "limit=2"] {
        assert!(asked.contains(part), "{part} in {asked}");
    }
    let next = page["next"].as_str().unwrap().to_string();
    let out = search(&endpoint, &["gpt-oss", "--json", "--page", &next]);
    let page2: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page2["models"][0]["id"], "someone/tiny-GGUF");
    assert_eq!(page2["next"], serde_json::Value::Null);

    let out = search(&endpoint, &["gpt-oss", "--sort", "likes"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("unsloth/gpt-oss-120b-GGUF") && text.contains("250000") && text.contains("2025-08-10"), "{text}");
    assert!(seen.lock().unwrap().last().unwrap().contains("sort=likes"));
    let out = search(&endpoint, &["gpt-oss", "--sort", "updated", "--json"]);
    assert!(out.status.success());
    assert!(seen.lock().unwrap().last().unwrap().contains("sort=lastModified"));
}

#[test]
fn an_empty_result_an_error_a_huge_answer_and_a_silent_server_are_said_plainly() {
    let (endpoint, _) = serve();
    let out = search(&endpoint, &["none-such"]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("no GGUF repo matches"));

    let out = search(&endpoint, &["boom"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("500") && err.lines().count() == 1, "{err}");

    // A server that answers without end is cut off at the cap, not read into memory whole.
    let out = search(&endpoint, &["huge"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("larger than 32 MiB"), "{err}");

    let started = Instant::now();
    let out = search(&endpoint, &["slow"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no answer within 2 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(8), "the search gave up in time");
}
