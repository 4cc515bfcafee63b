//! Issue 19: `hearth chat --mcp "CMD ARGS"` with the reference MCP servers from npm
//! (scripts/mcp-servers.sh) and the demo model: a forced call runs on the server and its result
//! goes back to the model; without `--yes` and without a terminal to ask on, nothing runs; a
//! server that does not start and a tool no server has are clear errors; a model that keeps
//! calling is stopped after `--max-tool-rounds` and answers without tools.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{demo_model, hearth};
use serde_json::Value;

fn server_bin(name: &str) -> String {
    let dir = std::env::var_os("HEARTH_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/mcp-servers"));
    let path = dir.join("node_modules/.bin").join(name);
    assert!(path.exists(), "{} is missing: run scripts/mcp-servers.sh", path.display());
    path.display().to_string()
}

fn chat(args: &[&str]) -> (bool, Value, String) {
    let model = demo_model();
    let out = Command::new(hearth())
        .args(["chat", model.to_str().unwrap(), "--temp", "0", "--json"])
        .args(if args.contains(&"--max-tokens") { &[][..] } else { &["--max-tokens", "40"][..] })
        .args(args)
        .stdin(Stdio::null())
        .env("HEARTH_HOME", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), json, stderr)
}

#[test]
fn a_forced_call_runs_on_the_server_and_its_result_reaches_the_model() {
    let everything = server_bin("mcp-server-everything");
    let (ok, out, stderr) =
        chat(&["--prompt", "Echo the words 'hello hearth'.", "--mcp", &everything, "--tool-choice", "echo", "--yes", "--max-tool-rounds", "2"]);
    assert!(ok, "{stderr}");
    let calls = out["tool_calls"].as_array().unwrap();
    assert!(!calls.is_empty(), "{out}");
    let first = &calls[0];
    assert_eq!(first["name"], "echo", "{out}");
    assert_eq!(first["allowed"], true);
    let message = serde_json::from_str::<Value>(first["arguments"].as_str().unwrap()).unwrap()["message"].as_str().unwrap().to_string();
    assert_eq!(first["result"], format!("Echo: {message}"), "{out}");
    assert!(out["tool_rounds"].as_u64().unwrap() >= 1);
    // The result went back: the next round's prompt holds it.
    assert!(out["prompt"].as_str().unwrap().contains(&format!("Echo: {message}")), "{out}");
    if calls.len() == 2 {
        // The tiny model kept calling: after the rounds it answered without tools.
        assert!(out["tool_notice"].as_str().unwrap().contains("--max-tool-rounds"), "{out}");
        assert!(!out["prompt"].as_str().unwrap().contains("You can call functions"), "tools withheld: {out}");
    }
}

#[test]
fn without_yes_and_without_a_terminal_no_call_runs() {
    let everything = server_bin("mcp-server-everything");
    let (ok, out, stderr) = chat(&["--prompt", "Echo 'x'.", "--mcp", &everything, "--tool-choice", "echo", "--max-tool-rounds", "1"]);
    assert!(ok, "{stderr}");
    let first = &out["tool_calls"][0];
    assert_eq!(first["allowed"], false, "{out}");
    assert_eq!(first["result"], "The user did not allow this call.");
    assert!(stderr.contains("no terminal to ask on"), "{stderr}");
}

#[test]
fn the_filesystem_server_is_called_with_arguments_that_fit_its_schema() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("notes.txt"), "The mill opens at dawn.").unwrap();
    let command = format!("{} '{}'", server_bin("mcp-server-filesystem"), root.path().display());
    let (ok, out, stderr) = chat(&[
        "--prompt",
        "What is in notes.txt?",
        "--mcp",
        &command,
        "--tool-choice",
        "required",
        "--yes",
        "--max-tool-rounds",
        "1",
        "--max-tokens",
        "120",
    ]);
    assert!(ok, "{stderr}");
    let first = &out["tool_calls"][0];
    assert_eq!(first["allowed"], true, "{out}");
    // Whatever the tiny model chose, the grammar made arguments the server could take: an
    // answer from the server (a path outside its root is its own error, not a protocol one).
    assert!(!first["result"].as_str().unwrap().starts_with("Error: the MCP server"), "{out}");
}

#[test]
fn bad_servers_and_unknown_tools_are_clear_errors() {
    let (ok, _, stderr) = chat(&["--prompt", "Hi", "--mcp", "/nonexistent/mcp-server --stdio"]);
    assert!(!ok);
    assert!(stderr.contains("/nonexistent/mcp-server") && stderr.contains("did not start"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    let everything = server_bin("mcp-server-everything");
    let (ok, _, stderr) = chat(&["--prompt", "Hi", "--mcp", &everything, "--tool-choice", "launch_rockets"]);
    assert!(!ok);
    assert!(stderr.contains("launch_rockets") && stderr.contains("echo"), "{stderr}");
}

/// `--mcp-url` with `--mcp-header`: the Python SDK's Streamable HTTP server (see
/// crates/mcp/tests/http_server.rs), a forced call of `add` answered by it.
#[test]
fn a_streamable_http_server_takes_a_forced_call_with_its_token() {
    let venv = std::env::var_os("HEARTH_FIXTURES_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/fixtures-venv"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mcp_http_server.py");
    let mut python = Command::new(venv.join("bin/python")).arg(script).arg(port.to_string()).arg("tok").stdout(Stdio::null()).spawn().unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the Python MCP server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (ok, out, stderr) = chat(&[
        "--prompt",
        "Add 2 and 3.",
        "--mcp-url",
        &url,
        "--mcp-header",
        "Authorization: Bearer tok",
        "--tool-choice",
        "add",
        "--yes",
        "--max-tool-rounds",
        "1",
    ]);
    let _ = python.kill();
    let _ = python.wait();
    assert!(ok, "{stderr}");
    let first = &out["tool_calls"][0];
    assert_eq!(first["name"], "add", "{out}");
    let args: Value = serde_json::from_str(first["arguments"].as_str().unwrap()).unwrap();
    let sum = args["a"].as_i64().unwrap() + args["b"].as_i64().unwrap();
    assert_eq!(first["result"], sum.to_string(), "{out}");
}

/// `hearth send` runs the app's turn, tools included: in a conversation that offers an MCP
/// server's tools, a call is refused when there is no terminal to ask on and no `--yes` (the
/// turn still ends with an answer), and runs with `--yes`; both are stored in the conversation.
#[test]
fn hearth_send_asks_before_a_conversations_tool_runs() {
    let home = tempfile::tempdir().unwrap();
    let conversation = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap().block_on(async {
        let core = hearth_core::Core::new(hearth_store::HearthHome::at(home.path()), hearth_engine_client::EngineClient::new(hearth())).unwrap();
        let added = core
            .add_mcp_server(hearth_core::NewMcpServer {
                name: "everything".into(),
                command: Some(server_bin("mcp-server-everything")),
                url: None,
                headers: vec![],
                token: None,
            })
            .await
            .unwrap();
        let c = core.create_conversation().unwrap();
        let greedy = hearth_protocol::SamplingSettings { temperature: Some(0.0), max_tokens: Some(64), ..Default::default() };
        core.update_conversation(c.id, "", &greedy, &hearth_protocol::TemplateChoice::Model).unwrap();
        let off = added.tools.iter().filter(|t| t.name != "echo").map(|t| format!("everything/{}", t.name)).collect();
        core.set_conversation_tools(
            c.id,
            &hearth_store::ConversationTools { servers: vec!["everything".into()], off, required: true, documents: None },
        )
        .unwrap();
        core.shutdown().await;
        c.id
    });
    let send = |extra: &[&str]| {
        let out = Command::new(hearth())
            .env("HEARTH_HOME", home.path())
            .args(["send", "Call echo with the message \"lantern\".", "--conversation", &conversation.to_string(), "--json"])
            .arg("--model")
            .arg(demo_model())
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let refused = send(&[]);
    assert!(refused.contains("echo was not run: there is no terminal to ask on"), "{refused}");
    send(&["--yes"]);
    let store = hearth_store::Store::open(&hearth_store::HearthHome::at(home.path()).database()).unwrap();
    let outcomes: Vec<_> = store.messages(conversation).unwrap().into_iter().filter_map(|m| m.tool_result.map(|r| r.outcome)).collect();
    assert_eq!(outcomes.first(), Some(&hearth_store::ToolOutcome::Denied), "{outcomes:?}");
    assert!(outcomes.contains(&hearth_store::ToolOutcome::Ran), "{outcomes:?}");
}
