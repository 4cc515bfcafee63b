//! Issue 17 through the app's commands: a 3 GB text file added to a conversation is refused with
//! the limit named while the app's memory stays flat. Its own test binary, so that no other test
//! shares the process whose peak memory is measured.

mod common;

use common::{app, invoke};
use serde_json::json;

/// Issue 17: a 3 GB text file added to a conversation is refused with the limit named, beside a
/// good file that is added; the app reads none of it (its peak resident memory, reset before,
/// grows by less than the file's first megabytes would take) and stays up.
#[test]
fn a_3_gb_text_file_is_refused_and_the_apps_memory_stays_flat() {
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("server.log");
    std::fs::write(&big, "2026-12-02 08:00:00 started\n").unwrap();
    std::fs::OpenOptions::new().write(true).open(&big).unwrap().set_len(3_000_000_000).unwrap();
    let good = home.path().join("notes.txt");
    std::fs::write(&good, "The fan spins at 1200 RPM when idle.").unwrap();
    let (_app, webview) = app(home.path());
    let conv_id = invoke(&webview, "create_conversation", json!({})).unwrap()["id"].as_i64().unwrap();

    let peak_kib = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")).unwrap().trim().trim_end_matches(" kB").parse::<u64>().unwrap()
    };
    let rss_kib = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches(" kB").parse::<u64>().unwrap()
    };
    // Writing 5 to clear_refs resets the peak to the present resident size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = rss_kib();
    let outcomes =
        invoke(&webview, "add_documents", json!({"conversationId": conv_id, "paths": [big, good], "onProgress": "__CHANNEL__:1"})).unwrap();
    let grown_mib = peak_kib().saturating_sub(before) as f64 / 1024.0;
    let outcomes = outcomes.as_array().unwrap();
    assert_eq!(outcomes[0]["error"]["code"], "DOCUMENT_UNSUPPORTED", "{outcomes:?}");
    let message = outcomes[0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("server.log is 2.8 GiB") && message.contains("up to 32 MiB"), "{message}");
    assert_eq!(outcomes[1]["document"]["pages"], 1, "the good file beside it is added: {outcomes:?}");
    assert!(grown_mib < 48.0, "the app's peak memory grew by {grown_mib:.0} MiB");
    let docs = invoke(&webview, "conversation_documents", json!({"conversationId": conv_id})).unwrap();
    assert_eq!(docs.as_array().unwrap().len(), 1);
}
