//! Documents through the app's commands (Tauri's mock runtime, the real `hearth extract` child,
//! the real engine with the demo model): add to a conversation, a bad file reported beside a good
//! one, an answer that cites a page with its passage, the page read back, the documents still
//! there after the app restarts (and not read again), the conversation exported as Markdown,
//! and removal.

mod common;

use common::{app, demo_model, invoke};
use hearth_documents::fixture::{shapes_only_pdf, text_pdf};
use serde_json::json;

#[test]
fn documents_on_a_conversation_answer_with_citations_and_persist() {
    let home = tempfile::tempdir().unwrap();
    let manual = home.path().join("manual.pdf");
    let pages = [
        "Hearth user guide.\nThis guide explains the settings of the app.",
        "Chapter 2: Cooling.\nThe fan spins at 1200 RPM when idle.",
        "Chapter 3: Power.\nThe power supply is rated at 240 watts.",
    ]
    .map(String::from);
    std::fs::write(&manual, text_pdf(&pages)).unwrap();
    let scan = home.path().join("scan.pdf");
    std::fs::write(&scan, shapes_only_pdf(2)).unwrap();

    let conv_id;
    {
        let (_app, webview) = app(home.path());
        invoke(&webview, "load_model", json!({"path": demo_model(), "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap();
        let conv = invoke(&webview, "create_conversation", json!({})).unwrap();
        conv_id = conv["id"].as_i64().unwrap();
        let greedy = json!({"temperature": 0.0, "top_k": null, "top_p": null, "min_p": null, "repeat_penalty": null, "seed": 1, "max_tokens": 48});
        invoke(&webview, "update_conversation", json!({"id": conv_id, "systemPrompt": "", "sampling": greedy, "template": {"kind": "model"}}))
            .unwrap();

        let outcomes =
            invoke(&webview, "add_documents", json!({"conversationId": conv_id, "paths": [manual, scan], "onProgress": "__CHANNEL__:2"})).unwrap();
        let outcomes = outcomes.as_array().unwrap();
        assert_eq!(outcomes[0]["document"]["pages"], 3, "{outcomes:?}");
        assert_eq!(outcomes[1]["error"]["code"], "DOCUMENT_NO_TEXT", "{outcomes:?}");
        let docs = invoke(&webview, "conversation_documents", json!({"conversationId": conv_id})).unwrap();
        assert_eq!(docs.as_array().unwrap().len(), 1, "the scan was not attached");

        let answer = invoke(
            &webview,
            "send_message",
            json!({"conversationId": conv_id, "text": "What is the power supply rated at?", "onEvent": "__CHANNEL__:3"}),
        )
        .unwrap();
        assert_eq!(answer["status"], "complete", "{answer}");
        let citations = answer["citations"].as_array().unwrap();
        assert!(!citations.is_empty(), "no citation for {}", answer["content"]);
        assert_eq!(citations[0]["page"], 3, "{answer}");
        assert!(citations[0]["text"].as_str().unwrap().contains("240 watts"));
        // The stored question is what the user typed, not the prompt built from the documents.
        let messages = invoke(&webview, "get_messages", json!({"conversationId": conv_id})).unwrap();
        assert_eq!(messages[0]["content"], "What is the power supply rated at?");

        let doc_id = docs[0]["id"].as_i64().unwrap();
        let page = invoke(&webview, "document_page", json!({"documentId": doc_id, "page": 3})).unwrap();
        assert!(page.as_str().unwrap().contains("rated at 240 watts"));
    }

    // A new app process on the same home: the document is still on the conversation, with its
    // citations kept on the answer.
    let (_app, webview) = app(home.path());
    let docs = invoke(&webview, "conversation_documents", json!({"conversationId": conv_id})).unwrap();
    assert_eq!(docs[0]["name"], "manual.pdf");
    let messages = invoke(&webview, "get_messages", json!({"conversationId": conv_id})).unwrap();
    assert_eq!(messages[1]["citations"][0]["page"], 3);
    // Exported as Markdown: the question, the answer under its model, its sources.
    let exported = home.path().join("export.md");
    invoke(&webview, "export_conversation", json!({"id": conv_id, "path": exported})).unwrap();
    let markdown = std::fs::read_to_string(&exported).unwrap();
    let answer_text = messages[1]["content"].as_str().unwrap().trim_end();
    assert!(markdown.contains("## User\n\nWhat is the power supply rated at?\n\n## Assistant ("), "{markdown}");
    assert!(markdown.contains(answer_text), "{markdown}");
    assert!(markdown.contains("*Sources: manual.pdf p. 3*"), "{markdown}");
    let unwritable = invoke(&webview, "export_conversation", json!({"id": conv_id, "path": home.path().join("no/such/dir/x.md")})).unwrap_err();
    assert_eq!(unwritable["code"], "IO", "{unwritable}");
    // Adding the same file again finds it by content instead of reading it.
    let again = invoke(&webview, "add_documents", json!({"conversationId": conv_id, "paths": [manual], "onProgress": "__CHANNEL__:4"})).unwrap();
    assert_eq!(again[0]["document"]["id"], docs[0]["id"]);

    invoke(&webview, "remove_document", json!({"conversationId": conv_id, "documentId": docs[0]["id"]})).unwrap();
    let docs = invoke(&webview, "conversation_documents", json!({"conversationId": conv_id})).unwrap();
    assert!(docs.as_array().unwrap().is_empty());
}

/// With an embedding model chosen in Settings (the demo model stands in for one), chunks are
/// embedded by a `hearth embed` child when a document is added, the question's embedding joins
/// retrieval, and a broken embedding model is a clear error that stores nothing.
#[test]
fn an_embedding_model_from_settings_joins_retrieval() {
    let home = tempfile::tempdir().unwrap();
    let manual = home.path().join("manual.pdf");
    let pages = ["The fan spins at 1200 RPM when idle.", "The power supply is rated at 240 watts."].map(String::from);
    std::fs::write(&manual, text_pdf(&pages)).unwrap();
    let (_app, webview) = app(home.path());
    invoke(&webview, "load_model", json!({"path": demo_model(), "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap();
    let conv = invoke(&webview, "create_conversation", json!({})).unwrap();
    let conv_id = conv["id"].as_i64().unwrap();
    let greedy = json!({"temperature": 0.0, "top_k": null, "top_p": null, "min_p": null, "repeat_penalty": null, "seed": 1, "max_tokens": 24});
    invoke(&webview, "update_conversation", json!({"id": conv_id, "systemPrompt": "", "sampling": greedy, "template": {"kind": "model"}})).unwrap();
    let pref = serde_json::to_string(&demo_model()).unwrap();
    invoke(&webview, "set_ui_preference", json!({"key": "embedding_model", "value": pref})).unwrap();

    let outcomes = invoke(&webview, "add_documents", json!({"conversationId": conv_id, "paths": [manual], "onProgress": "__CHANNEL__:2"})).unwrap();
    assert_eq!(outcomes[0]["error"], serde_json::Value::Null, "{outcomes}");
    let doc_id = outcomes[0]["document"]["id"].as_i64().unwrap();
    let store = hearth_store::Store::open(&hearth_store::HearthHome::at(home.path()).database()).unwrap();
    let key = demo_model().file_name().unwrap().to_string_lossy().into_owned();
    assert!(store.chunks_without_embedding(&[doc_id], &key).unwrap().is_empty(), "chunks were not embedded when added");

    let answer = invoke(
        &webview,
        "send_message",
        json!({"conversationId": conv_id, "text": "What is the power supply rated at?", "onEvent": "__CHANNEL__:3"}),
    )
    .unwrap();
    assert_eq!(answer["status"], "complete", "{answer}");

    invoke(&webview, "set_ui_preference", json!({"key": "embedding_model", "value": "\"/nonexistent/embed.gguf\""})).unwrap();
    let err = invoke(&webview, "send_message", json!({"conversationId": conv_id, "text": "And the fan?", "onEvent": "__CHANNEL__:4"})).unwrap_err();
    // The embedding child's own code (its model file is missing), not a catch-all.
    assert_eq!(err["code"], "MODEL_NOT_FOUND", "{err}");
    assert!(err["message"].as_str().unwrap().contains("embedding model"), "{err}");
    let messages = invoke(&webview, "get_messages", json!({"conversationId": conv_id})).unwrap();
    assert_eq!(messages.as_array().unwrap().len(), 2, "nothing was stored for the failed question");
}
