//! Issue 19: a Streamable HTTP MCP server no one here wrote — the Python `mcp` SDK's own server
//! (`tests/fixtures/mcp_http_server.py`, the SDK installed by scripts/fixtures.sh): reached with a
//! bearer token header (without it, a clear error), tools listed, a call answered, a slow call
//! timing out, and a server killed mid-call an error, not a hang.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hearth_mcp::{McpError, McpServer};

const TOKEN: &str = "s3cret-token";

struct PythonServer {
    child: Child,
    url: String,
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    let venv = std::env::var_os("HEARTH_FIXTURES_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/fixtures-venv"));
    let python = venv.join("bin/python");
    assert!(python.is_file(), "{} is missing: run scripts/fixtures.sh", python.display());
    python
}

fn start() -> PythonServer {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mcp_http_server.py");
    let child = Command::new(python()).arg(script).arg(port.to_string()).arg(TOKEN).stdout(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the Python MCP server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    PythonServer { child, url: format!("http://127.0.0.1:{port}/mcp") }
}

fn auth() -> Vec<String> {
    vec![format!("Authorization: Bearer {TOKEN}")]
}

#[tokio::test]
async fn tools_are_listed_and_called_with_the_token() {
    let python = start();
    let server = McpServer::connect(&python.url, &auth(), Duration::from_secs(20)).await.unwrap();
    let mut names: Vec<&str> = server.tools().iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["add", "slow"]);
    let add = &server.tools()[server.tools().iter().position(|t| t.name == "add").unwrap()];
    assert_eq!(add.parameters["properties"]["a"]["type"], "integer", "{:?}", add.parameters);
    let out = server.call("add", r#"{"a": 20, "b": 22}"#, Duration::from_secs(20)).await.unwrap();
    assert_eq!(out.text, "42");
    assert!(!out.is_error);
    server.stop().await;
}

#[tokio::test]
async fn without_the_token_the_server_is_a_clear_error() {
    let python = start();
    let e = McpServer::connect(&python.url, &[], Duration::from_secs(20)).await.err().unwrap();
    assert!(matches!(&e, McpError::Start { server, .. } | McpError::Failed { server, .. } if server == &python.url), "{e}");
    assert!(matches!(McpServer::connect(&python.url, &["no colon".into()], Duration::from_secs(5)).await, Err(McpError::BadHeader(_))));
}

#[tokio::test]
async fn a_slow_call_times_out_and_a_killed_server_is_an_error() {
    let mut python = start();
    let server = McpServer::connect(&python.url, &auth(), Duration::from_secs(20)).await.unwrap();
    let started = Instant::now();
    let e = server.call("slow", r#"{"seconds": 30}"#, Duration::from_secs(2)).await.err().unwrap();
    assert!(matches!(e, McpError::Timeout { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let pid = python.child.id() as i32;
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let started = Instant::now();
    let e = server.call("slow", r#"{"seconds": 30}"#, Duration::from_secs(60)).await.err().unwrap();
    killer.await.unwrap();
    assert!(matches!(e, McpError::Failed { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let _ = python.child.wait();
}
