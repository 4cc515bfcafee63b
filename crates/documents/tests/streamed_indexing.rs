//! Issue 17: a document goes into the store page by page as its pages arrive (the parent never
//! holds it whole), and a reading that is cancelled or fails leaves nothing behind. A stand-in
//! child speaking the extraction protocol makes the timing exact.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hearth_documents::{index_file, DocumentError, Extractor, TokenCounter};
use hearth_store::Store;

/// A child serving `pages` pages of text; `after_page_2` runs after each page from page 2 on.
fn child(dir: &Path, pages: u32, after_page_2: &str) -> Extractor {
    let script = format!(
        "#!/bin/sh\necho '{{\"type\":\"opened\",\"kind\":\"text\",\"pages\":{pages}}}'\nn=$3\nwhile [ $n -le {pages} ]; do\n  \
         echo \"{{\\\"type\\\":\\\"page\\\",\\\"number\\\":$n,\\\"text\\\":\\\"words on page $n\\\",\\\"readable\\\":true}}\"\n  \
         if [ $n -ge 2 ]; then {after_page_2}; fi\n  n=$((n+1))\ndone\n"
    );
    let path = dir.join("child.sh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut e = Extractor::new(path, &[]);
    e.page_timeout = Duration::from_millis(700);
    e.max_restarts = 1;
    e
}

fn document_file(dir: &Path) -> PathBuf {
    let path = dir.join("notes.txt");
    std::fs::write(&path, "any content: the stand-in child serves the pages").unwrap();
    path
}

/// The first document of a new store has row id 1.
const FIRST: i64 = 1;

#[test]
fn pages_are_in_the_store_while_the_rest_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hearth.db")).unwrap();
    let file = document_file(dir.path());
    let never = AtomicBool::new(false);
    let mut stored_while_reading = Vec::new();
    let doc = index_file(
        || &store,
        &file,
        &child(dir.path(), 4, "true"),
        &TokenCounter::Estimate,
        &never,
        |p| {
            if p.stage == "reading" && p.page == 2 {
                stored_while_reading = (1..=4).map(|n| store.document_page(FIRST, n).is_ok()).collect();
            }
        },
    )
    .unwrap();
    assert_eq!(stored_while_reading, [true, true, false, false], "pages 1 and 2 written before 3 and 4 were read");
    assert_eq!((doc.id, doc.pages), (FIRST, 4));
    assert_eq!(store.document_page(doc.id, 4).unwrap(), "words on page 4");
    assert_eq!(store.search_chunks("words", &[doc.id], 10).unwrap().len(), 4);
    assert!(store.document_by_sha256(&doc.sha256).unwrap().is_some());
}

#[test]
fn a_cancelled_reading_leaves_nothing_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hearth.db")).unwrap();
    let file = document_file(dir.path());
    let cancel = AtomicBool::new(false);
    let err = index_file(
        || &store,
        &file,
        &child(dir.path(), 4, "sleep 5"),
        &TokenCounter::Estimate,
        &cancel,
        |p| {
            if p.page == 2 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
    )
    .unwrap_err();
    assert!(matches!(err, DocumentError::Cancelled(_)), "{err}");
    assert!(store.document(FIRST).is_err(), "the pages written before the cancel were taken out");
    assert!(store.search_chunks("words", &[FIRST], 10).unwrap().is_empty());
    // The same file read again is a whole document.
    let never = AtomicBool::new(false);
    let doc = index_file(|| &store, &file, &child(dir.path(), 4, "true"), &TokenCounter::Estimate, &never, |_| {}).unwrap();
    assert_eq!(doc.pages, 4);
}

#[test]
fn a_failed_reading_leaves_nothing_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hearth.db")).unwrap();
    let file = document_file(dir.path());
    let never = AtomicBool::new(false);
    // Dies after its first page from page 2 on, on every start: more pages lost than restarts allowed.
    let err = index_file(|| &store, &file, &child(dir.path(), 6, "kill -SEGV $$"), &TokenCounter::Estimate, &never, |_| {}).unwrap_err();
    assert!(matches!(err, DocumentError::Reader { .. }), "{err}");
    assert!(store.document(FIRST).is_err(), "the pages written before the failure were taken out");
}
