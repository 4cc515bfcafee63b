//! The app's commands (through Tauri's IPC on the mock runtime) with the real engine process:
//! kill the engine mid-answer, the app reports it and keeps the partial answer, and a restarted
//! engine (which reloads the model) serves the next message.

mod common;

use std::time::{Duration, Instant};

use common::{app, demo_model, invoke};
use hearth_app::state::AppState;
use serde_json::{json, Value};
use tauri::Manager;

#[test]
fn a_killed_engine_is_reported_the_answer_kept_and_a_restarted_engine_serves() {
    let home = tempfile::tempdir().unwrap();
    let (app, webview) = app(home.path());

    let model = invoke(&webview, "load_model", json!({"path": demo_model(), "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap();
    assert_eq!(model["architecture"], "llama");
    let conv = invoke(&webview, "create_conversation", json!({})).unwrap();
    let conv_id = conv["id"].as_i64().unwrap();

    // Greedy, so that the long answer is the same long answer every run.
    let greedy = json!({"temperature": 0.0, "top_k": null, "top_p": null, "min_p": null, "repeat_penalty": null, "seed": 1, "max_tokens": null});
    invoke(&webview, "update_conversation", json!({"id": conv_id, "systemPrompt": "", "sampling": greedy, "template": {"kind": "model"}})).unwrap();
    // Send in the background; kill the engine once the answer is streaming.
    let sender = {
        let webview = webview.clone();
        std::thread::spawn(move || {
            invoke(
                &webview,
                "send_message",
                json!({"conversationId": conv_id, "text": "Write a very long story about a lighthouse keeper.", "onEvent": "__CHANNEL__:2"}),
            )
        })
    };
    let state = app.state::<AppState>();
    let deadline = Instant::now() + Duration::from_secs(60);
    while state.running_generations().is_empty() {
        assert!(Instant::now() < deadline, "the generation never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1200));
    let old_pid = state.engine.pid().unwrap();
    unsafe { libc::kill(old_pid as i32, libc::SIGKILL) };

    let interrupted = sender.join().unwrap().expect("the app reports a dead engine as an interrupted answer, not a failed call");
    assert_eq!(interrupted["status"], "interrupted", "{interrupted}");
    assert_eq!(interrupted["error"]["code"], "ENGINE_DIED");
    assert!(interrupted["error"]["message"].as_str().unwrap().contains("SIGKILL"));
    let partial = interrupted["content"].as_str().unwrap().to_string();
    assert!(!partial.is_empty(), "the partial answer was lost");

    let status = invoke(&webview, "model_status", json!({})).unwrap();
    assert_eq!(status["model"], Value::Null, "the model died with the engine");
    assert_eq!(status["engine"]["running"], false);
    assert!(status["engine"]["last_death"].as_str().unwrap().contains("SIGKILL"));

    let reloaded = invoke(&webview, "restart_engine", json!({"onProgress": "__CHANNEL__:3"})).unwrap();
    assert_eq!(reloaded["path"], model["path"], "the restart reloads the last model");
    assert_ne!(state.engine.pid(), Some(old_pid));

    let settings = json!({"temperature": 0.0, "top_k": null, "top_p": null, "min_p": null, "repeat_penalty": null, "seed": 1, "max_tokens": 16});
    invoke(&webview, "update_conversation", json!({"id": conv_id, "systemPrompt": "", "sampling": settings, "template": {"kind": "model"}})).unwrap();
    let answer =
        invoke(&webview, "send_message", json!({"conversationId": conv_id, "text": "What is the capital of France?", "onEvent": "__CHANNEL__:4"}))
            .unwrap();
    assert_eq!(answer["status"], "complete", "{answer}");
    assert!(answer["stats"]["gen_tokens"].as_u64().unwrap() > 0);

    let messages = invoke(&webview, "get_messages", json!({"conversationId": conv_id})).unwrap();
    let statuses: Vec<&str> = messages.as_array().unwrap().iter().map(|m| m["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["complete", "interrupted", "complete", "complete"]);
    assert_eq!(messages[1]["content"].as_str().unwrap(), partial);

    // An engine that dies while idle is noticed, and the next message brings the model back.
    let idle_pid = state.engine.pid().unwrap();
    unsafe { libc::kill(idle_pid as i32, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while invoke(&webview, "model_status", json!({})).unwrap()["engine"]["running"] == true {
        assert!(Instant::now() < deadline, "the idle engine's death went unnoticed");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(invoke(&webview, "model_status", json!({})).unwrap()["model"], Value::Null);
    let answer = invoke(&webview, "send_message", json!({"conversationId": conv_id, "text": "And of Italy?", "onEvent": "__CHANNEL__:5"})).unwrap();
    assert_eq!(answer["status"], "complete", "{answer}");
    assert_ne!(state.engine.pid(), Some(idle_pid));
    tauri::async_runtime::block_on(state.engine.shutdown());
}

#[test]
fn commands_report_errors_as_code_and_message() {
    let home = tempfile::tempdir().unwrap();
    let (_app, webview) = app(home.path());

    let err = invoke(&webview, "rename_conversation", json!({"id": 999, "title": "x"})).unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND", "{err}");
    let err = invoke(&webview, "load_model", json!({"path": "/etc/hostname", "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap_err();
    assert_eq!(err["code"], "INVALID_MODEL", "{err}");
    let conv = invoke(&webview, "create_conversation", json!({})).unwrap();
    let err = invoke(&webview, "send_message", json!({"conversationId": conv["id"], "text": "hi", "onEvent": "__CHANNEL__:2"})).unwrap_err();
    assert_eq!(err["code"], "NO_MODEL", "{err}");
    // UI preferences go to the database; junk is refused.
    assert_eq!(invoke(&webview, "ui_preference", json!({"key": "warn_limits"})).unwrap(), Value::Null);
    invoke(&webview, "set_ui_preference", json!({"key": "warn_limits", "value": "{\"memory\":80}"})).unwrap();
    assert_eq!(invoke(&webview, "ui_preference", json!({"key": "warn_limits"})).unwrap(), json!("{\"memory\":80}"));
    let err = invoke(&webview, "set_ui_preference", json!({"key": "warn_limits", "value": "{oops"})).unwrap_err();
    assert_eq!(err["code"], "BAD_REQUEST");
    // Nothing was stored for a message that could not be sent; the UI keeps the draft.
    assert_eq!(invoke(&webview, "get_messages", json!({"conversationId": conv["id"]})).unwrap(), json!([]));
}
