//! Issue 19: MCP against servers no one here wrote — the reference servers from npm
//! (`@modelcontextprotocol/server-everything` and `server-filesystem`, installed by
//! scripts/mcp-servers.sh) over stdio: tools listed, calls answered, a server killed mid-call
//! and a slow call timing out are errors that name the server, never a hang.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_mcp::{McpError, McpServer, START_TIMEOUT};

fn bin(name: &str) -> String {
    let dir = std::env::var_os("HEARTH_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/mcp-servers"));
    let path = dir.join("node_modules/.bin").join(name);
    assert!(path.exists(), "{} is missing: run scripts/mcp-servers.sh", path.display());
    path.display().to_string()
}

#[tokio::test]
async fn everything_lists_its_tools_and_echoes() {
    let server = McpServer::start(&bin("mcp-server-everything"), START_TIMEOUT).await.unwrap();
    let names: Vec<&str> = server.tools().iter().map(|t| t.name.as_str()).collect();
    eprintln!("tools: {names:?}");
    let echo = server.tools().iter().find(|t| t.name == "echo").expect("an echo tool");
    assert_eq!(echo.parameters["type"], "object", "{:?}", echo.parameters);
    assert_eq!(echo.openai()["function"]["name"], "echo");
    let out = server.call("echo", r#"{"message": "hello from Hearth"}"#, Duration::from_secs(20)).await.unwrap();
    assert!(out.text.contains("hello from Hearth"), "{out:?}");
    assert!(!out.is_error && !out.cut);
    let bad = server.call("echo", "[1, 2]", Duration::from_secs(5)).await.err().unwrap();
    assert!(matches!(bad, McpError::BadArguments { .. }), "{bad}");
    server.stop().await;
}

#[tokio::test]
async fn filesystem_reads_a_file_in_its_root_and_refuses_one_outside() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("notes.txt"), "The mill opens at dawn.").unwrap();
    let root_path = root.path().canonicalize().unwrap();
    let command = format!("{} '{}'", bin("mcp-server-filesystem"), root_path.display());
    let server = McpServer::start(&command, START_TIMEOUT).await.unwrap();
    let read = ["read_text_file", "read_file"].into_iter().find(|n| server.tools().iter().any(|t| t.name == *n)).expect("a read tool");
    let args = serde_json::json!({"path": root_path.join("notes.txt")}).to_string();
    let out = server.call(read, &args, Duration::from_secs(20)).await.unwrap();
    assert!(out.text.contains("The mill opens at dawn."), "{out:?}");
    let outside = server.call(read, r#"{"path": "/etc/passwd"}"#, Duration::from_secs(20)).await.unwrap();
    assert!(outside.is_error, "a path outside the root must be refused: {outside:?}");
    server.stop().await;
}

/// The long-running tool of server-everything, its duration in seconds.
fn long_running(server: &McpServer) -> (String, String) {
    let tool = server.tools().iter().find(|t| t.name.to_lowercase().contains("long")).expect("a long-running tool");
    let props = tool.parameters["properties"].as_object().cloned().unwrap_or_default();
    let mut args = serde_json::Map::new();
    if props.contains_key("duration") {
        args.insert("duration".into(), 20.into());
    }
    if props.contains_key("steps") {
        args.insert("steps".into(), 4.into());
    }
    (tool.name.clone(), serde_json::Value::Object(args).to_string())
}

#[tokio::test]
async fn a_slow_call_times_out_naming_the_server() {
    let server = McpServer::start(&bin("mcp-server-everything"), START_TIMEOUT).await.unwrap();
    let (tool, args) = long_running(&server);
    let started = Instant::now();
    let e = server.call(&tool, &args, Duration::from_secs(2)).await.err().unwrap();
    assert!(matches!(&e, McpError::Timeout { server, .. } if server.contains("mcp-server-everything")), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    server.stop().await;
}

#[tokio::test]
async fn a_server_killed_mid_call_is_an_error_not_a_hang() {
    let server = McpServer::start(&bin("mcp-server-everything"), START_TIMEOUT).await.unwrap();
    let (tool, args) = long_running(&server);
    let pid = server.pid().expect("the server's pid") as i32;
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        // The npm bin is node itself (a shebang script), so this is the server.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let started = Instant::now();
    let e = server.call(&tool, &args, Duration::from_secs(60)).await.err().unwrap();
    killer.await.unwrap();
    assert!(matches!(e, McpError::Failed { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
}
