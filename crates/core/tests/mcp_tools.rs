//! Issue 19, MCP in the app, through the app's own use cases with the demo model and servers no
//! one here wrote (npm's `@modelcontextprotocol/server-everything` over stdio, the Python `mcp`
//! SDK's Streamable HTTP server with a bearer token): a server added in Settings lists its tools;
//! a conversation offers them; each call waits for the user's answer (once, always, deny); the
//! call and its result are stored in the conversation and the model answers after them; a
//! server that dies or does not start is a message and the turn goes on.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{demo_model, rt};
use hearth_conversation::{TurnAction, TurnEvent};
use hearth_core::{engine_executable, Core, NewMcpServer, ToolApproval};
use hearth_engine_client::EngineClient;
use hearth_protocol::{ErrorCode, Role, SamplingSettings, TemplateChoice};
use hearth_store::{ConversationTools, HearthHome, Message, MessageStatus, ToolOutcome};

fn everything() -> String {
    let dir = std::env::var_os("HEARTH_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/mcp-servers"));
    let path = dir.join("node_modules/.bin/mcp-server-everything");
    assert!(path.exists(), "{} is missing: run scripts/mcp-servers.sh", path.display());
    path.display().to_string()
}

fn stdio(name: &str, command: String) -> NewMcpServer {
    NewMcpServer { name: name.into(), command: Some(command), url: None, headers: vec![], token: None }
}

fn greedy() -> SamplingSettings {
    SamplingSettings { temperature: Some(0.0), max_tokens: Some(64), ..Default::default() }
}

/// A conversation offering only `keep` of server `server`'s tools, the first round forced to call one.
async fn conversation_with(core: &Core, server: &str, keep: &str) -> i64 {
    let conv = core.create_conversation().unwrap();
    core.update_conversation(conv.id, "", &greedy(), &TemplateChoice::Model).unwrap();
    let listed = core.list_mcp_servers().await.unwrap();
    let view = listed.iter().find(|s| s.name == server).unwrap();
    let off = view.tools.iter().filter(|t| t.name != keep).map(|t| format!("{server}/{}", t.name)).collect();
    let tools = ConversationTools { servers: vec![server.into()], off, required: true, documents: None };
    let saved = core.set_conversation_tools(conv.id, &tools).unwrap();
    assert_eq!(saved.tools, tools);
    conv.id
}

fn tool_messages(messages: &[Message]) -> Vec<&Message> {
    messages.iter().filter(|m| m.role == Role::Tool).collect()
}

#[test]
fn a_call_waits_for_approval_runs_and_is_stored_and_the_model_answers_after_it() {
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        core.load_model(&demo_model().display().to_string(), None, |_| {}).await.unwrap();
        let added = core.add_mcp_server(stdio("everything", everything())).await.unwrap();
        assert!(added.running && added.tools.iter().any(|t| t.name == "echo"), "{added:?}");
        let conv = conversation_with(&core, "everything", "echo").await;

        // Allow once: the first call runs; later calls ask again (and are allowed too).
        let mut approvals = 0;
        let mut results = Vec::new();
        let answer = core
            .turn(conv, TurnAction::Send { text: "Call echo with the message \"lantern\".".into() }, |ev| match ev {
                TurnEvent::ToolApproval { approval_id, call, server } => {
                    assert_eq!((call.name.as_str(), server.as_str()), ("echo", "everything"));
                    approvals += 1;
                    core.answer_tool_call(approval_id, ToolApproval::Once).unwrap();
                }
                TurnEvent::ToolResult { message } => results.push(message),
                _ => {}
            })
            .await
            .unwrap();
        assert!(approvals >= 1 && approvals == results.len(), "{approvals} approvals, {results:?}: {:?}", core.messages(conv));
        assert_eq!(answer.status, MessageStatus::Complete, "{answer:?}");
        assert!(answer.tool_calls.is_empty(), "the turn ended on a call: {answer:?}");

        // What the conversation keeps: the question, the answer that called echo, its result, …,
        // and the final answer.
        let messages = core.messages(conv).unwrap();
        assert_eq!(messages[0].role, Role::User);
        assert_eq!(messages[1].role, Role::Assistant);
        let call = &messages[1].tool_calls[0];
        assert_eq!(call.name, "echo");
        let args: serde_json::Value = serde_json::from_str(&call.arguments).unwrap();
        assert!(args["message"].is_string(), "the arguments were held to echo's schema: {args}");
        let result = messages[2].tool_result.as_ref().expect("a tool message after the call");
        assert_eq!((result.name.as_str(), result.outcome, result.call_id.as_str()), ("echo", ToolOutcome::Ran, call.id.as_deref().unwrap()));
        assert!(messages[2].content.contains(args["message"].as_str().unwrap()), "{:?}", messages[2].content);
        assert_eq!(messages.last().unwrap().id, answer.id);

        // Deny: the call is stored as not allowed, and the model still answers.
        let conv = conversation_with(&core, "everything", "echo").await;
        let denied = core
            .turn(conv, TurnAction::Send { text: "Echo the word ember.".into() }, |ev| {
                if let TurnEvent::ToolApproval { approval_id, .. } = ev {
                    core.answer_tool_call(approval_id, ToolApproval::Deny).unwrap();
                }
            })
            .await
            .unwrap();
        let messages = core.messages(conv).unwrap();
        let tools = tool_messages(&messages);
        assert!(tools.iter().all(|m| m.tool_result.as_ref().unwrap().outcome == ToolOutcome::Denied), "{tools:?}");
        assert_eq!(tools[0].content, "The user did not allow this call.");
        assert_eq!(denied.status, MessageStatus::Complete);

        // Always: asked once, then the tool runs without asking, in this turn and the next.
        let conv = conversation_with(&core, "everything", "echo").await;
        let mut asked = 0;
        core.turn(conv, TurnAction::Send { text: "Echo the word hearth.".into() }, |ev| {
            if let TurnEvent::ToolApproval { approval_id, .. } = ev {
                asked += 1;
                core.answer_tool_call(approval_id, ToolApproval::Always).unwrap();
            }
        })
        .await
        .unwrap();
        assert_eq!(asked, 1);
        let listed = core.list_mcp_servers().await.unwrap();
        assert_eq!(listed[0].always, ["echo"]);
        let mut asked_again = 0;
        core.turn(conv, TurnAction::Send { text: "Echo the word candle.".into() }, |ev| {
            if let TurnEvent::ToolApproval { .. } = ev {
                asked_again += 1;
            }
        })
        .await
        .unwrap();
        assert_eq!(asked_again, 0);
        assert!(tool_messages(&core.messages(conv).unwrap()).iter().all(|m| m.tool_result.as_ref().unwrap().outcome == ToolOutcome::Ran));

        // An answer to a call that is no longer waiting is a clear error.
        assert_eq!(core.answer_tool_call(9999, ToolApproval::Once).err().unwrap().code(), ErrorCode::NotFound);
        core.shutdown().await;
    });
}

#[test]
fn a_server_that_dies_is_a_failed_call_and_is_started_again_at_the_next_turn() {
    let home = tempfile::tempdir().unwrap();
    let pid_file = home.path().join("server.pid");
    let rt = rt();
    rt.block_on(async {
        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        core.load_model(&demo_model().display().to_string(), None, |_| {}).await.unwrap();
        // The shell writes the server's pid, then becomes the server.
        let command = format!("sh -c 'echo $$ > {}; exec {}'", pid_file.display(), everything());
        core.add_mcp_server(stdio("everything", command)).await.unwrap();
        let conv = conversation_with(&core, "everything", "echo").await;
        let answer = core
            .turn(conv, TurnAction::Send { text: "Echo the word ash.".into() }, |ev| {
                if let TurnEvent::ToolApproval { approval_id, .. } = ev {
                    // The server dies while the call waits for the user.
                    let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    std::thread::sleep(Duration::from_millis(500));
                    core.answer_tool_call(approval_id, ToolApproval::Once).unwrap();
                }
            })
            .await
            .unwrap();
        let messages = core.messages(conv).unwrap();
        let failed = tool_messages(&messages)[0];
        assert_eq!(failed.tool_result.as_ref().unwrap().outcome, ToolOutcome::Failed);
        assert!(failed.content.starts_with("Error: ") && failed.content.contains("everything"), "{:?}", failed.content);
        assert_eq!(answer.status, MessageStatus::Complete, "the turn went on: {answer:?}");

        // The next turn starts it again.
        let conv = conversation_with(&core, "everything", "echo").await;
        core.turn(conv, TurnAction::Send { text: "Echo the word coal.".into() }, |ev| {
            if let TurnEvent::ToolApproval { approval_id, .. } = ev {
                core.answer_tool_call(approval_id, ToolApproval::Once).unwrap();
            }
        })
        .await
        .unwrap();
        let messages = core.messages(conv).unwrap();
        assert_eq!(tool_messages(&messages)[0].tool_result.as_ref().unwrap().outcome, ToolOutcome::Ran, "{messages:?}");
        core.shutdown().await;
    });
}

#[test]
fn a_server_that_does_not_start_is_refused_when_added_and_said_in_a_turn() {
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        let e = core.add_mcp_server(stdio("missing", "/nonexistent/mcp-server".into())).await.err().unwrap();
        assert_eq!(e.code(), ErrorCode::McpServerFailed, "{e:?}");
        assert!(e.payload().message.contains("/nonexistent/mcp-server"), "{e:?}");
        assert!(core.list_mcp_servers().await.unwrap().is_empty(), "nothing is saved");
        let both = NewMcpServer { url: Some("http://127.0.0.1:9/mcp".into()), ..stdio("both", "true".into()) };
        assert_eq!(core.add_mcp_server(both).await.err().unwrap().code(), ErrorCode::BadRequest);

        // A server that was added, then broke (its program is gone): the turn says so and answers.
        let script = home.path().join("server.sh");
        std::fs::write(&script, format!("#!/bin/sh\nexec {}\n", everything())).unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        core.add_mcp_server(stdio("flaky", script.display().to_string())).await.unwrap();
        core.load_model(&demo_model().display().to_string(), None, |_| {}).await.unwrap();
        let conv = conversation_with(&core, "flaky", "echo").await;
        core.shutdown().await;
        drop(core);
        std::fs::remove_file(&script).unwrap();

        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        core.load_model(&demo_model().display().to_string(), None, |_| {}).await.unwrap();
        let mut notices = Vec::new();
        let answer = core
            .turn(conv, TurnAction::Send { text: "Hello!".into() }, |ev| {
                if let TurnEvent::ToolNotice { text } = ev {
                    notices.push(text);
                }
            })
            .await
            .unwrap();
        assert_eq!(answer.status, MessageStatus::Complete, "{answer:?}");
        assert!(notices.len() == 1 && notices[0].contains("server.sh"), "{notices:?}");
        assert!(core.list_mcp_servers().await.unwrap()[0].error.is_some());
        core.shutdown().await;
    });
}

struct PythonServer(Child);

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A Streamable HTTP server that wants a bearer token: added with it, refused without it; the
/// token never reaches the database and lives in the OS keyring (scripts/keyring-test.sh runs
/// this under a real Secret Service), so the next process starts the server again with it; with
/// no keyring it was kept for the session only, and the next process says to enter it again.
#[test]
fn an_mcp_servers_token_lives_in_the_keyring_and_starts_it_again() {
    let keyring = hearth_secrets::Secret::new("probe · hearth tests").get().is_ok();
    if std::env::var_os("HEARTH_EXPECT_KEYRING").is_some() {
        assert!(keyring, "HEARTH_EXPECT_KEYRING is set but no OS keyring answers");
    }
    let venv = std::env::var_os("HEARTH_FIXTURES_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/fixtures-venv"));
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mcp_http_server.py");
    let child = Command::new(venv.join("bin/python"))
        .arg(script)
        .arg(port.to_string())
        .arg("tok-123")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = PythonServer(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "the Python MCP server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let home = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        let url = format!("http://127.0.0.1:{port}/mcp");
        let http = |token: Option<&str>| NewMcpServer {
            name: "calc".into(),
            command: None,
            url: Some(url.clone()),
            headers: vec![],
            token: token.map(Into::into),
        };
        let e = core.add_mcp_server(http(None)).await.err().unwrap();
        assert_eq!(e.code(), ErrorCode::McpServerFailed, "{e:?}");
        let added = core.add_mcp_server(http(Some("tok-123"))).await.unwrap();
        let mut names: Vec<&str> = added.tools.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["add", "slow"]);
        assert!(added.has_token);
        assert_eq!(added.token_note.is_some(), !keyring, "{:?}", added.token_note);
        // The token is never in the database.
        let db = std::fs::read(home.path().join("hearth.db")).unwrap_or_default();
        let wal = std::fs::read(home.path().join("hearth.db-wal")).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&db).contains("tok-123") && !String::from_utf8_lossy(&wal).contains("tok-123"));
        // Started again from the settings (the token read back from where it was kept).
        core.shutdown().await;
        drop(core);
        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        let listed = core.list_mcp_servers().await.unwrap();
        assert!(!listed[0].running && listed[0].has_token);
        let started = core.start_mcp_server("calc").await;
        if keyring {
            assert_eq!(listed[0].token_note, None);
            assert!(started.unwrap().running);
        } else {
            assert!(listed[0].token_note.as_deref().is_some_and(|n| n.contains("enter it again")), "{:?}", listed[0].token_note);
            assert_eq!(started.err().unwrap().code(), ErrorCode::McpServerFailed, "the server refuses a missing token");
        }
        core.remove_mcp_server("calc").await.unwrap();
        assert!(core.list_mcp_servers().await.unwrap().is_empty());
    });
}

/// Part 4: the conversation's documents as a search tool. Offered on its own where the model's
/// template renders tools (the demo model's does not, so it is not offered by default), or where
/// the user switched it on; its passages come back with their document and page, and run without
/// asking (Hearth's own tool reads only what the user attached).
#[test]
fn documents_are_offered_as_a_search_tool_whose_passages_keep_their_pages() {
    let home = tempfile::tempdir().unwrap();
    let notes = home.path().join("mill-notes.txt");
    std::fs::write(
        &notes,
        "The mill opens at dawn. The miller grinds wheat into flour until noon.\n\nIn winter the river freezes and the wheel stops turning.",
    )
    .unwrap();
    rt().block_on(async {
        let core = Core::new(HearthHome::at(home.path()), EngineClient::new(engine_executable())).unwrap();
        let info = core.load_model(&demo_model().display().to_string(), None, |_| {}).await.unwrap();
        assert!(!info.tool_calls, "SmolLM2's template renders no tools");
        let ask = |text: &str| TurnAction::Send { text: text.into() };

        // By default (a model that does not call tools well): only today's automatic retrieval.
        let conv = core.create_conversation().unwrap();
        core.update_conversation(conv.id, "", &greedy(), &TemplateChoice::Model).unwrap();
        core.add_documents(conv.id, vec![notes.display().to_string()], |_| {}).await.unwrap();
        core.set_conversation_tools(conv.id, &ConversationTools { required: true, ..Default::default() }).unwrap();
        core.turn(conv.id, ask("When does the mill open?"), |_| {}).await.unwrap();
        assert!(tool_messages(&core.messages(conv.id).unwrap()).is_empty());

        // Switched on: the forced first call searches the documents, without asking.
        let conv = core.create_conversation().unwrap();
        core.update_conversation(conv.id, "", &greedy(), &TemplateChoice::Model).unwrap();
        core.add_documents(conv.id, vec![notes.display().to_string()], |_| {}).await.unwrap();
        core.set_conversation_tools(conv.id, &ConversationTools { documents: Some(true), required: true, ..Default::default() }).unwrap();
        let mut asked = 0;
        let answer = core
            .turn(conv.id, ask("When does the mill open?"), |ev| {
                if let TurnEvent::ToolApproval { .. } = ev {
                    asked += 1;
                }
            })
            .await
            .unwrap();
        assert_eq!(asked, 0);
        let messages = core.messages(conv.id).unwrap();
        let search = tool_messages(&messages).first().copied().unwrap_or_else(|| panic!("no search: {messages:?}"));
        let result = search.tool_result.as_ref().unwrap();
        assert_eq!((result.name.as_str(), result.server.as_str(), result.outcome), ("search_documents", "documents", ToolOutcome::Ran));
        assert!(search.content.contains("[mill-notes.txt p. 1] The mill opens at dawn."), "query {}: {}", result.arguments, search.content);
        assert_eq!(answer.status, MessageStatus::Complete);
        core.shutdown().await;
    });
}
