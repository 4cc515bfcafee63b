//! Remote engines through the app's commands (Tauri's mock runtime): another Hearth serving the
//! demo model on loopback is added as a server, its model chosen and chatted with (the answer
//! stored with the server's token counts); an address with no server is refused and not saved;
//! when the server goes away the next answer fails with a clear message and the conversation
//! keeps everything; a document answered from by the remote model, citing its page; the
//! Benchmark page measures the remote model; loading a local model brings
//! chats back to the engine process.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{app, demo_model, invoke};
use hearth_app::state::engine_executable;
use serde_json::json;

#[test]
fn chat_with_a_model_on_a_remote_server() {
    let home = tempfile::tempdir().unwrap();
    let server_home = tempfile::tempdir().unwrap();
    let mut server = Command::new(engine_executable())
        .args(["serve", demo_model().to_str().unwrap(), "--port", "0", "--api-key", "s3"])
        .env("HEARTH_HOME", server_home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap().to_string();

    let (_app, webview) = app(home.path());
    // Nothing listens here: refused, nothing saved.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err =
        invoke(&webview, "add_remote_server", json!({"name": "gone", "baseUrl": format!("http://127.0.0.1:{closed}"), "apiKey": null})).unwrap_err();
    assert_eq!(err["code"], "REMOTE_UNREACHABLE", "{err}");
    let err = invoke(&webview, "add_remote_server", json!({"name": "box", "baseUrl": url, "apiKey": "wrong"})).unwrap_err();
    assert_eq!(err["code"], "REMOTE_UNAUTHORIZED", "{err}");
    assert_eq!(invoke(&webview, "list_remote_servers", json!({})).unwrap(), json!([]));

    let added = invoke(&webview, "add_remote_server", json!({"name": "box", "baseUrl": url, "apiKey": "s3"})).unwrap();
    assert_eq!(added["server"]["has_key"], true);
    assert!(added["server"].get("api_key").is_none(), "the key never goes back to the UI");
    let model = added["models"][0]["id"].as_str().unwrap().to_string();
    assert!(model.contains("135M"));
    let info = invoke(&webview, "use_remote_model", json!({"name": "box", "model": model})).unwrap();
    assert!(info["backend"].as_str().unwrap().starts_with("remote 127.0.0.1:"), "{info}");
    let status = invoke(&webview, "model_status", json!({})).unwrap();
    assert_eq!(status["model"]["name"], model.as_str(), "the model bar shows the remote model");

    let conv = invoke(&webview, "create_conversation", json!({})).unwrap();
    let conv_id = conv["id"].as_i64().unwrap();
    let greedy = json!({"temperature": 0.0, "top_k": null, "top_p": null, "min_p": null, "repeat_penalty": null, "seed": 1, "max_tokens": 16});
    invoke(&webview, "update_conversation", json!({"id": conv_id, "systemPrompt": "", "sampling": greedy, "template": {"kind": "model"}})).unwrap();
    let answer =
        invoke(&webview, "send_message", json!({"conversationId": conv_id, "text": "What is the capital of France?", "onEvent": "__CHANNEL__:1"}))
            .unwrap();
    assert_eq!(answer["status"], "complete", "{answer}");
    assert!(!answer["content"].as_str().unwrap().is_empty());
    assert!(answer["stats"]["prompt_tokens"].as_u64().unwrap() > 10, "the server's usage: {answer}");
    assert!(answer["stats"]["gen_tokens"].as_u64().unwrap() <= 16);

    // Documents with a remote model: the passages go to the server, the answer cites a page.
    let manual = home.path().join("manual.pdf");
    let pages =
        ["Hearth user guide.\nThis guide explains the settings.", "Chapter 2: Power.\nThe power supply is rated at 240 watts."].map(String::from);
    std::fs::write(&manual, hearth_documents::fixture::text_pdf(&pages)).unwrap();
    let docs_conv = invoke(&webview, "create_conversation", json!({})).unwrap()["id"].as_i64().unwrap();
    let greedy48 = json!({"temperature": 0.0, "top_k": null, "top_p": null, "min_p": null, "repeat_penalty": null, "seed": 1, "max_tokens": 48});
    invoke(&webview, "update_conversation", json!({"id": docs_conv, "systemPrompt": "", "sampling": greedy48, "template": {"kind": "model"}}))
        .unwrap();
    let added = invoke(&webview, "add_documents", json!({"conversationId": docs_conv, "paths": [manual], "onProgress": "__CHANNEL__:7"})).unwrap();
    assert_eq!(added[0]["document"]["pages"], 2, "{added}");
    let cited = invoke(
        &webview,
        "send_message",
        json!({"conversationId": docs_conv, "text": "What is the power supply rated at?", "onEvent": "__CHANNEL__:8"}),
    )
    .unwrap();
    assert_eq!(cited["status"], "complete", "{cited}");
    assert!(cited["stats"]["prompt_tokens"].as_u64().unwrap() > 40, "the document went to the server: {cited}");
    assert_eq!(cited["citations"][0]["page"], 2, "{cited}");

    // The Benchmark page on the remote model: measured on the server, kept with the results.
    let input =
        json!({"path": info["path"], "n_prompt": 32, "n_gen": 8, "depth": 0, "ttft_prompt": 0, "reps": 1, "threads": null, "gpu_layers": null});
    let report = invoke(&webview, "run_benchmark", json!({"input": input, "onStep": "__CHANNEL__:9"})).unwrap();
    assert!(report["backend"].as_str().unwrap().starts_with("remote 127.0.0.1:"), "{report}");
    assert!(report["tg_tps"].as_f64().unwrap() > 0.0, "{report}");

    // The server goes away: a clear error, and the conversation keeps both turns and the question.
    let _ = server.kill();
    let _ = server.wait();
    let failed = invoke(&webview, "send_message", json!({"conversationId": conv_id, "text": "And of Italy?", "onEvent": "__CHANNEL__:2"})).unwrap();
    assert_ne!(failed["status"], "complete");
    assert!(failed["error"]["message"].as_str().unwrap().contains("cannot reach 127.0.0.1:"), "{failed}");
    let messages = invoke(&webview, "get_messages", json!({"conversationId": conv_id})).unwrap();
    let texts: Vec<&str> = messages.as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(texts[0], "What is the capital of France?");
    assert_eq!(texts[1], answer["content"].as_str().unwrap());
    assert_eq!(texts[2], "And of Italy?");

    // A local model: chats go to the engine process again.
    invoke(&webview, "load_model", json!({"path": demo_model(), "settings": null, "onProgress": "__CHANNEL__:3"})).unwrap();
    let local = invoke(&webview, "send_message", json!({"conversationId": conv_id, "text": "Hi", "onEvent": "__CHANNEL__:4"})).unwrap();
    assert_eq!(local["status"], "complete", "{local}");

    invoke(&webview, "remove_remote_server", json!({"name": "box"})).unwrap();
    assert_eq!(invoke(&webview, "list_remote_servers", json!({})).unwrap(), json!([]));
}
