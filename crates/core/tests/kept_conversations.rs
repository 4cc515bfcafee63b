//! Conversations that resume instantly (issue 21), through the app's own use cases: a
//! conversation with a document read whole keeps its state after each answer; after the app
//! (core and engine) restarts, the follow-up question restores it from disk instead of reading
//! the document again; Settings' usage counts it; deleting the conversation deletes its state,
//! and clearing deletes every one.

mod common;

use common::{demo_model, rt};
use hearth_conversation::TurnAction;
use hearth_core::{engine_executable, Core};
use hearth_engine_client::EngineClient;
use hearth_protocol::{ReusedFrom, SamplingSettings, TemplateChoice};
use hearth_store::{HearthHome, MessageStatus};

fn core(home: &std::path::Path) -> Core {
    Core::new(HearthHome::at(home), EngineClient::new(engine_executable())).unwrap()
}

fn notebook(dir: &std::path::Path) -> String {
    let words = ["river", "mill", "grain", "stone", "water", "wheel", "village", "harvest", "winter", "market", "bread", "oven"];
    let text: Vec<&str> = (0..1200).map(|i| words[(i * 7 + i / 5) % words.len()]).collect();
    let path = dir.join("notebook.txt");
    std::fs::write(&path, format!("The miller's notebook.\n\n{}", text.join(" "))).unwrap();
    path.display().to_string()
}

#[test]
fn a_conversation_with_a_document_resumes_after_a_restart_and_its_state_goes_with_it() {
    let home = tempfile::tempdir().unwrap();
    let rt = rt();
    let demo = demo_model().display().to_string();
    let greedy = SamplingSettings { temperature: Some(0.0), max_tokens: Some(8), ..Default::default() };

    let conv = rt.block_on(async {
        let core = core(home.path());
        core.load_model(&demo, None, |_| {}).await.unwrap();
        let conv = core.create_conversation().unwrap();
        core.update_conversation(conv.id, "", &greedy, &TemplateChoice::Model).unwrap();
        let added = core.add_documents(conv.id, vec![notebook(home.path())], |_| {}).await.unwrap();
        assert!(added[0].error.is_none(), "{added:?}");
        let first = core.turn(conv.id, TurnAction::Send { text: "What is the notebook about?".into() }, |_| {}).await.unwrap();
        assert_eq!(first.status, MessageStatus::Complete, "{first:?}");
        let stats = first.stats.unwrap();
        assert!(stats.prompt_tokens > 1000, "the document was not read whole: {stats:?}");
        // A second question in the same session reads only itself.
        let second = core.turn(conv.id, TurnAction::Send { text: "Which word comes first?".into() }, |_| {}).await.unwrap();
        let stats = second.stats.unwrap();
        assert!(stats.cached_tokens > 1000, "the document was read again: {stats:?}");
        core.shutdown().await;
        conv
    });

    rt.block_on(async {
        let core = core(home.path());
        let usage = core.prompt_cache_usage().unwrap();
        assert_eq!(usage.states, 1, "{usage:?}");
        assert!(usage.used_bytes > 0 && usage.budget_is_default && usage.budget_bytes > usage.used_bytes, "{usage:?}");

        core.load_model(&demo, None, |_| {}).await.unwrap();
        let third = core.turn(conv.id, TurnAction::Send { text: "And the last word?".into() }, |_| {}).await.unwrap();
        let stats = third.stats.unwrap();
        assert_eq!(stats.reused_from, ReusedFrom::Disk, "{stats:?}");
        assert!(stats.cached_tokens > 1000 && stats.prompt_evaluated < 100, "{stats:?}");

        // Another conversation, then the first one deleted: only the other's state is left.
        let other = core.create_conversation().unwrap();
        core.update_conversation(other.id, "", &greedy, &TemplateChoice::Model).unwrap();
        core.turn(other.id, TurnAction::Send { text: "Hello!".into() }, |_| {}).await.unwrap();
        core.delete_conversation(conv.id).await.unwrap();
        // The engine writes the other's state on its own thread; give it a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let tags = loop {
            let tags: Vec<String> = hearth_prompt_cache::list(&home.path().join("prompt-cache")).into_iter().map(|f| f.tag).collect();
            if tags.iter().any(|t| t == &format!("conversation-{}", other.id)) || std::time::Instant::now() > deadline {
                break tags;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert_eq!(tags, [format!("conversation-{}", other.id)]);

        // A budget of nothing keeps nothing; clearing deletes what is there.
        let usage = core.set_prompt_cache_budget(Some(0)).await.unwrap();
        assert_eq!((usage.states, usage.budget_is_default), (0, false), "{usage:?}");
        core.set_prompt_cache_budget(None).await.unwrap();
        core.turn(other.id, TurnAction::Send { text: "Again!".into() }, |_| {}).await.unwrap();
        core.shutdown().await;
        assert_eq!(core.prompt_cache_usage().unwrap().states, 1);
        assert_eq!(core.clear_prompt_cache().unwrap().states, 0);
    });
}
