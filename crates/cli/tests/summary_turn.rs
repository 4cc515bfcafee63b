//! "Summarize this document" on a document longer than the context: the turn summarizes it in
//! sections (map), reports each, then streams one summary of the summaries (reduce). The real
//! engine process with the demo model at a 1024-token context; the real `hearth extract` child.

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use common::{demo_model, hearth};
use hearth_conversation::{run_turn, TurnAction, TurnEvent, TurnModel};
use hearth_documents::fixture::text_pdf;
use hearth_documents::{index_file, Extractor, TokenCounter};
use hearth_engine_client::EngineClient;
use hearth_protocol::{Event, ModelSettings, Request, SamplingSettings};
use hearth_store::{MessageStatus, Store};

/// A conversation with a 24-page PDF (longer than the 1024-token context) attached, and the
/// engine with the demo model at that context.
async fn summarizable() -> (tempfile::TempDir, hearth_conversation::SharedStore, EngineClient, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("history.pdf");
    let pages: Vec<String> = (1..=24)
        .map(|i| format!("Year {}. The town of Alder built {} new houses.\nThe river flooded {} times and the mill ground {} tons of grain.\nThe school had {} pupils and two teachers.", 1900 + i, i * 3, i % 4, 100 + i * 7, 40 + i))
        .collect();
    std::fs::write(&pdf, text_pdf(&pages)).unwrap();

    let store = Store::open(&dir.path().join("hearth.sqlite")).unwrap();
    let conv = store.create_conversation("New chat").unwrap();
    let greedy = SamplingSettings { temperature: Some(0.0), max_tokens: Some(48), seed: Some(1), ..Default::default() };
    store.set_sampling(conv.id, &greedy).unwrap();
    let never = AtomicBool::new(false);
    let doc = index_file(|| &store, &pdf, &Extractor::new(hearth(), &["extract"]), &TokenCounter::Estimate, &never, |_| {}).unwrap();
    assert!(doc.tokens > 1024, "the document ({} tokens) must be longer than the context", doc.tokens);
    store.attach_document(conv.id, doc.id).unwrap();
    let store = Arc::new(parking_lot::Mutex::new(store));

    let engine = EngineClient::new(hearth());
    let settings = ModelSettings { context_length: Some(1024), ..Default::default() };
    let mut load = engine.request(|id| Request::Load { id, path: demo_model(), settings, prompt_cache: None }).await.unwrap();
    loop {
        match load.next().await {
            Some(Event::Loaded { .. }) => break,
            Some(Event::Error { error, .. }) => panic!("{error:?}"),
            Some(_) => {}
            None => panic!("the engine stopped while loading"),
        }
    }

    (dir, store, engine, conv.id, doc.id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_longer_than_the_context_is_summarized_in_sections() {
    let (_dir, store, engine, conv_id, doc_id) = summarizable().await;
    let mut progress = Vec::new();
    let mut streamed = String::new();
    let message = run_turn(
        &store,
        &engine,
        conv_id,
        TurnAction::Summarize { document_id: doc_id },
        TurnModel { name: Some("SmolLM2"), context_length: 1024, query_embedding: None, stop: None, ..Default::default() },
        |ev| match ev {
            TurnEvent::SummaryProgress { section, sections } => progress.push((section, sections)),
            TurnEvent::Token { text, .. } => streamed.push_str(&text),
            _ => {}
        },
    )
    .await
    .unwrap();
    engine.shutdown().await;

    let sections = progress[0].1;
    assert!(sections >= 3, "{progress:?}");
    let expected: Vec<(u32, u32)> = (0..=sections).map(|i| (i, sections)).collect();
    assert_eq!(progress, expected, "one progress event per section, then the combining step");
    assert_eq!(message.status, MessageStatus::Complete, "{message:?}");
    assert!(!message.content.trim().is_empty());
    assert_eq!(message.content, streamed, "the reduce step is the streamed answer");
    let messages = store.lock().messages(conv_id).unwrap();
    assert_eq!(messages[0].content, "Summarize history.pdf");
}

/// Issue 17: Stop while the sections are being summarized ends the turn there (a section being
/// written is cancelled), not after every section and the combining step.
#[tokio::test(flavor = "multi_thread")]
async fn a_summary_stops_while_its_sections_are_read() {
    let (_dir, store, engine, conv_id, doc_id) = summarizable().await;
    let stop = AtomicBool::new(false);
    let mut progress = Vec::new();
    let message = run_turn(
        &store,
        &engine,
        conv_id,
        TurnAction::Summarize { document_id: doc_id },
        TurnModel { name: Some("SmolLM2"), context_length: 1024, query_embedding: None, stop: Some(&stop), ..Default::default() },
        |ev| {
            if let TurnEvent::SummaryProgress { section, sections } = ev {
                progress.push((section, sections));
                if section == 1 {
                    stop.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(message.status, MessageStatus::Stopped, "{message:?}");
    assert_eq!(progress.len(), 2, "it went on after Stop: {progress:?}");
    // The engine is free at once for the next request.
    let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(4), ..Default::default() };
    let messages = vec![hearth_protocol::ChatMessage::new(hearth_protocol::Role::User, "Hi")];
    let mut next = engine
        .request(|id| Request::Generate { id, messages, sampling, template: hearth_protocol::TemplateChoice::Model, keep_state_as: None })
        .await
        .unwrap();
    while let Some(ev) = next.next().await {
        if let Event::Done { .. } = ev {
            break;
        }
    }
    engine.shutdown().await;
}
