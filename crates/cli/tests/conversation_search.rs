//! Issue 20: `hearth conversations --search TEXT [--json]` over the messages' full-text index:
//! any case in any script (the old LIKE folded ASCII only), best match first, each hit naming
//! its conversation and message; a database from before the index gets it filled on opening.

mod common;

use std::process::Command;

use common::hearth;
use hearth_protocol::Role;
use hearth_store::{MessageStatus, Store};

fn search(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(hearth()).env("HEARTH_HOME", home).arg("conversations").args(args).output().unwrap()
}

#[test]
fn search_finds_cyrillic_in_any_case_and_names_the_message() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(&home.path().join("hearth.db")).unwrap();
    let ru = store.create_conversation("Поездка").unwrap();
    store.add_message(ru.id, Role::User, "Привет! Сколько памяти нужно?", MessageStatus::Complete, None).unwrap();
    let answer = store.add_message(ru.id, Role::Assistant, "Привет. Около 64 ГБ, привет.", MessageStatus::Complete, None).unwrap();
    let other = store.create_conversation("Other").unwrap();
    store.add_message(other.id, Role::User, "hello", MessageStatus::Complete, None).unwrap();
    drop(store);

    let out = search(home.path(), &["--search", "ПРИВЕТ", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0]["message_id"], answer.id, "the answer with the word three times first: {hits:?}");
    assert_eq!(hits[0]["conversation_title"], "Поездка");
    assert_eq!(hits[0]["role"], "assistant");
    assert!(hits[0]["snippet"].as_str().unwrap().contains("Привет. Около 64 ГБ"), "plain snippet: {hits:?}");

    let out = search(home.path(), &["--search", "памят"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Поездка") && text.contains("[памяти]"), "a prefix, the match marked: {text}");

    let out = search(home.path(), &["--search", "nothing-like-this"]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("no message matches"));
}

/// `hearth conversations --export ID`: the conversation as the app's Export writes it; an
/// unknown ID is an error naming it.
#[test]
fn a_conversation_is_exported_as_markdown() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(&home.path().join("hearth.db")).unwrap();
    let c = store.create_conversation("Поездка").unwrap();
    store.add_message(c.id, Role::User, "Сколько памяти нужно?", MessageStatus::Complete, None).unwrap();
    store.add_message(c.id, Role::Assistant, "Около **64 ГБ**.", MessageStatus::Complete, Some("gpt-oss-120b")).unwrap();
    drop(store);

    let out = search(home.path(), &["--export", &c.id.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "# Поездка\n\n## User\n\nСколько памяти нужно?\n\n## Assistant (gpt-oss-120b)\n\nОколо **64 ГБ**.\n"
    );
    let out = search(home.path(), &["--export", "999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("999"), "{}", String::from_utf8_lossy(&out.stderr));
}
