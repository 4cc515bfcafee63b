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

#[tokio::test(flavor = "multi_thread")]
async fn a_document_longer_than_the_context_is_summarized_in_sections() {
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
    let mut load = engine.request(|id| Request::Load { id, path: demo_model(), settings }).await.unwrap();
    loop {
        match load.next().await {
            Some(Event::Loaded { .. }) => break,
            Some(Event::Error { error, .. }) => panic!("{error:?}"),
            Some(_) => {}
            None => panic!("the engine stopped while loading"),
        }
    }

    let mut progress = Vec::new();
    let mut streamed = String::new();
    let message = run_turn(
        &store,
        &engine,
        conv.id,
        TurnAction::Summarize { document_id: doc.id },
        TurnModel { name: Some("SmolLM2"), context_length: 1024, query_embedding: None },
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
    let messages = store.lock().messages(conv.id).unwrap();
    assert_eq!(messages[0].content, "Summarize history.pdf");
}
