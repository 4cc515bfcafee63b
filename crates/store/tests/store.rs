//! The store against a real SQLite file.

use hearth_protocol::{ModelSettings, Role, SamplingSettings};
use hearth_store::{MessageStatus, Store};

fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hearth.db")).unwrap();
    (dir, store)
}

#[test]
fn conversations_survive_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.db");
    let id = {
        let s = Store::open(&path).unwrap();
        let c = s.create_conversation("Trip").unwrap();
        s.add_message(c.id, Role::User, "hello", MessageStatus::Complete, None).unwrap();
        s.set_system_prompt(c.id, "be brief").unwrap();
        c.id
    };
    let s = Store::open(&path).unwrap();
    let msgs = s.messages(id).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].content, "hello");
    assert_eq!(s.conversation(id).unwrap().system_prompt, "be brief");
    let journal: String = rusqlite::Connection::open(&path).unwrap().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(journal, "wal");
}

#[test]
fn rename_search_and_delete() {
    let (_d, s) = fresh();
    let a = s.create_conversation("Alpha").unwrap();
    let b = s.create_conversation("Beta").unwrap();
    s.add_message(b.id, Role::User, "what is 100% of a_b?", MessageStatus::Complete, None).unwrap();
    s.rename_conversation(a.id, "Gamma").unwrap();
    assert_eq!(s.search_conversations("gam").unwrap()[0].id, a.id);
    assert_eq!(s.search_conversations("100%").unwrap().len(), 1, "% is matched literally");
    assert_eq!(s.search_conversations("a_b").unwrap()[0].id, b.id);
    assert!(s.search_conversations("0 %").unwrap().is_empty());
    s.delete_conversation(b.id).unwrap();
    assert!(s.messages(b.id).unwrap().is_empty(), "messages go with their conversation");
    assert!(s.conversation(b.id).is_err());
}

#[test]
fn interrupted_streams_are_marked_on_recovery() {
    let (_d, s) = fresh();
    let c = s.create_conversation("x").unwrap();
    let m = s.add_message(c.id, Role::Assistant, "", MessageStatus::Streaming, Some("m")).unwrap();
    s.save_partial(m.id, "partial answ", "").unwrap();
    assert_eq!(s.recover_interrupted().unwrap(), 1);
    let m = s.message(m.id).unwrap();
    assert_eq!(m.status, MessageStatus::Interrupted);
    assert_eq!(m.content, "partial answ");
}

#[test]
fn history_has_the_system_prompt_first_and_skips_empty_failures() {
    let (_d, s) = fresh();
    let c = s.create_conversation("x").unwrap();
    s.set_system_prompt(c.id, "sys").unwrap();
    let u = s.add_message(c.id, Role::User, "q", MessageStatus::Complete, None).unwrap();
    s.add_message(c.id, Role::Assistant, "", MessageStatus::Failed, None).unwrap();
    let h = s.chat_history(c.id).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].role, Role::System);
    s.add_message(c.id, Role::Assistant, "a", MessageStatus::Complete, None).unwrap();
    assert_eq!(s.delete_messages_after(c.id, u.id).unwrap(), 2);
}

#[test]
fn settings_are_remembered_per_model_and_per_conversation() {
    let (_d, s) = fresh();
    let ms = ModelSettings { context_length: Some(2048), ..Default::default() };
    s.set_model_settings("/m/a.gguf", &ms).unwrap();
    assert_eq!(s.model_settings("/m/a.gguf").unwrap(), Some(ms));
    assert_eq!(s.model_settings("/m/b.gguf").unwrap(), None);
    let c = s.create_conversation("x").unwrap();
    let sampling = SamplingSettings { temperature: Some(0.0), seed: Some(42), ..Default::default() };
    assert_eq!(s.set_sampling(c.id, &sampling).unwrap().sampling, sampling);
}

/// Issue 20: conversation search folds case in every script (SQLite's LIKE folded ASCII only:
/// "Привет" did not find "привет"), matches word prefixes, ranks by BM25 and says which message
/// matched.
#[test]
fn search_folds_case_for_cyrillic_and_finds_the_message() {
    let (_d, s) = fresh();
    let ru = s.create_conversation("Поездка").unwrap();
    let en = s.create_conversation("Trip").unwrap();
    s.add_message(ru.id, Role::User, "Привет! Сколько памяти нужно для gpt-oss-120b?", MessageStatus::Complete, None).unwrap();
    let answer = s.add_message(ru.id, Role::Assistant, "Около 64 ГБ. привет привет.", MessageStatus::Complete, None).unwrap();
    s.add_message(en.id, Role::User, "hello there", MessageStatus::Complete, None).unwrap();
    let hits = s.search_messages("ПРИВЕТ", 10).unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].message_id, answer.id, "the message with the word twice ranks first: {hits:?}");
    assert_eq!(hits[0].conversation_title, "Поездка");
    assert!(hits[0].snippet.contains("\u{2}привет\u{3}"), "{:?}", hits[0].snippet);
    assert_eq!(s.search_messages("памят", 10).unwrap().len(), 1, "a word prefix matches");
    assert_eq!(s.search_conversations("привет").unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), [ru.id]);
    assert_eq!(s.search_conversations("поезд").unwrap()[0].id, ru.id, "titles fold case too");
    // The index follows edits and deletions.
    s.edit_message(answer.id, "Около 64 ГБ.").unwrap();
    assert_eq!(s.search_messages("привет", 10).unwrap().len(), 1);
    s.delete_conversation(ru.id).unwrap();
    assert!(s.search_messages("привет", 10).unwrap().is_empty());
}

/// Issue 20: a database from before the search index (schema 5) gets its messages indexed when
/// it is opened.
#[test]
fn messages_from_before_the_index_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.db");
    let s = Store::open(&path).unwrap();
    let c = s.create_conversation("old").unwrap();
    drop(s);
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(
            "DROP TRIGGER messages_fts_ai; DROP TRIGGER messages_fts_ad; DROP TRIGGER messages_fts_au; DROP TABLE messages_fts;
             ALTER TABLE messages DROP COLUMN tool_calls_json; ALTER TABLE messages DROP COLUMN tool_json;
             ALTER TABLE conversations DROP COLUMN tools_json;
             PRAGMA user_version = 5;",
        )
        .unwrap();
        raw.execute(
            "INSERT INTO messages (conversation_id, role, content, status, created_at) VALUES (?1, 'user', 'Старое сообщение', 'complete', 0)",
            [c.id],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.search_messages("СТАРОЕ", 5).unwrap().len(), 1);
}

/// Issue 20: documents searched in Russian. An inflected question finds its chunk through the
/// Russian stemmer; a database from before it (schema 6, Porter on the raw text) has its chunks
/// indexed again when opened; a removed document leaves the index.
#[test]
fn russian_chunks_are_found_by_other_inflections_old_ones_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.db");
    let s = Store::open(&path).unwrap();
    drop(s);
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(
            "DROP TRIGGER chunks_ai; DROP TRIGGER chunks_ad; DROP TABLE chunks_fts;
             CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61');
             CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text); END;
             CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
             INSERT INTO documents (id, sha256, name, path, kind, pages, tokens, created_at) VALUES (1, 'aa', 'guide.pdf', '/g.pdf', 'pdf', 1, 9, 0);
             INSERT INTO chunks (document_id, page, start, tokens, text) VALUES (1, 1, 0, 9, 'Движущая сила — дружественное сотрудничество добровольцев.');
             ALTER TABLE messages DROP COLUMN tool_calls_json; ALTER TABLE messages DROP COLUMN tool_json;
             ALTER TABLE conversations DROP COLUMN tools_json;
             PRAGMA user_version = 6;",
        )
        .unwrap();
        let before: i64 = raw.query_row("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH '\"сотрудничестве\"'", [], |r| r.get(0)).unwrap();
        assert_eq!(before, 0, "schema 6 matched words only as written");
    }
    let s = Store::open(&path).unwrap();
    let hits = s.search_chunks("Что сказано о дружественном сотрудничестве?", &[1], 5).unwrap();
    assert_eq!(hits.len(), 1, "the old chunk was indexed again with its stems");
    // Detached from its last conversation, the document goes, its chunks' index rows with it.
    let c = s.create_conversation("docs").unwrap();
    s.attach_document(c.id, 1).unwrap();
    s.detach_document(c.id, 1).unwrap();
    assert!(s.search_chunks("сотрудничество", &[1], 5).unwrap().is_empty());
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = raw.query_row("SELECT count(*) FROM chunks_fts", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "no index row outlives its chunk");
}

/// Issue 19: an answer's tool calls, the `tool` message answering each, and a conversation's
/// tools are kept across reopening, and the model sees the calls and their results paired.
#[test]
fn tool_calls_and_their_results_are_kept_and_paired_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.db");
    let s = Store::open(&path).unwrap();
    let c = s.create_conversation("tools").unwrap();
    let tools = hearth_store::ConversationTools {
        servers: vec!["files".into()],
        off: vec!["files/write_file".into()],
        required: true,
        documents: Some(false),
    };
    s.set_conversation_tools(c.id, &tools).unwrap();
    s.add_message(c.id, Role::User, "What is in todo.txt?", MessageStatus::Complete, None).unwrap();
    let a = s.add_message(c.id, Role::Assistant, "", MessageStatus::Complete, Some("m")).unwrap();
    let call = hearth_protocol::ToolCall { name: "read_text_file".into(), arguments: r#"{"path":"todo.txt"}"#.into(), id: Some("call_1".into()) };
    s.set_tool_calls(a.id, std::slice::from_ref(&call)).unwrap();
    let result = hearth_store::ToolResult {
        call_id: "call_1".into(),
        name: call.name.clone(),
        arguments: call.arguments.clone(),
        server: "files".into(),
        outcome: hearth_store::ToolOutcome::Ran,
    };
    s.add_tool_result(c.id, &result, "buy flour").unwrap();
    drop(s);

    let s = Store::open(&path).unwrap();
    assert_eq!(s.conversation(c.id).unwrap().tools, tools);
    let messages = s.messages(c.id).unwrap();
    assert_eq!(messages[1].tool_calls, std::slice::from_ref(&call));
    assert_eq!(messages[2].tool_result.as_ref(), Some(&result));
    let history = s.chat_history(c.id).unwrap();
    assert_eq!(history[1].tool_calls, [call]);
    assert_eq!((history[2].role, history[2].tool_call_id.as_deref(), history[2].content.as_str()), (Role::Tool, Some("call_1"), "buy flour"));
}
