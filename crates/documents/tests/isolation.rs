//! The parent side of isolated extraction against children that misbehave the ways a PDF reader
//! can: hang on a page, die on a page (a signal, as an abort or a stack overflow would), die
//! before opening, print noise. A stand-in child (a shell script speaking the JSON-lines
//! protocol) makes each case exact; the real child (`hearth extract`) is tested in the CLI's
//! tests.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use hearth_documents::{DocumentError, Extractor};

/// A child that serves 4 pages, behaving as `on_page_2` says on page 2 (args: FILE --first-page N).
fn child(dir: &Path, on_page_2: &str) -> PathBuf {
    let script = format!(
        "#!/bin/sh\nfirst=$3\necho 'some library printing to stdout'\necho '{{\"type\":\"opened\",\"kind\":\"pdf\",\"pages\":4}}'\n\
         n=$first\nwhile [ $n -le 4 ]; do\n  if [ $n = 2 ]; then {on_page_2}; fi\n  \
         echo \"{{\\\"type\\\":\\\"page\\\",\\\"number\\\":$n,\\\"text\\\":\\\"text of page $n\\\",\\\"readable\\\":true}}\"\n  n=$((n+1))\ndone\n"
    );
    let path = dir.join("child.sh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn extractor(program: PathBuf) -> Extractor {
    let mut e = Extractor::new(program, &[]);
    e.page_timeout = Duration::from_millis(700);
    e
}

fn run(e: &Extractor) -> Result<Vec<(u32, String, bool)>, DocumentError> {
    let never = AtomicBool::new(false);
    let mut pages = Vec::new();
    let (_, count) = e.extract(Path::new("/any.pdf"), &never, |_, _, p| {
        pages.push((p.number, p.text, p.readable));
        Ok(())
    })?;
    assert_eq!(count as usize, pages.len());
    Ok(pages)
}

fn expect_page_2_lost(pages: Vec<(u32, String, bool)>) {
    let readable: Vec<bool> = pages.iter().map(|p| p.2).collect();
    assert_eq!(readable, [true, false, true, true], "{pages:?}");
    assert_eq!(pages[3].1, "text of page 4");
}

#[test]
fn a_child_that_hangs_on_a_page_costs_that_page_only() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    expect_page_2_lost(run(&extractor(child(dir.path(), "sleep 30"))).unwrap());
    assert!(started.elapsed() < Duration::from_secs(10), "the hang was not cut short");
}

#[test]
fn a_child_killed_by_a_signal_on_a_page_costs_that_page_only() {
    let dir = tempfile::tempdir().unwrap();
    expect_page_2_lost(run(&extractor(child(dir.path(), "kill -SEGV $$"))).unwrap());
}

#[test]
fn a_child_that_dies_on_every_page_gives_the_document_up() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("dies.sh");
    std::fs::write(&script, "#!/bin/sh\necho '{\"type\":\"opened\",\"kind\":\"pdf\",\"pages\":50}'\nkill -ABRT $$\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = run(&extractor(script)).unwrap_err();
    assert!(matches!(err, DocumentError::Reader { .. }), "{err}");
}

#[test]
fn a_child_that_dies_before_opening_is_a_damaged_document() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("dies.sh");
    std::fs::write(&script, "#!/bin/sh\nkill -SEGV $$\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = run(&extractor(script)).unwrap_err();
    assert!(matches!(err, DocumentError::Damaged { .. }), "{err}");
}

#[test]
fn cancelling_stops_the_child() {
    let dir = tempfile::tempdir().unwrap();
    let e = extractor(child(dir.path(), "sleep 30"));
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let err = e
        .extract(Path::new("/any.pdf"), &cancel, |_, _, p| {
            if p.number == 1 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, DocumentError::Cancelled(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_missing_reader_is_a_clear_error() {
    let err = run(&extractor(PathBuf::from("/nonexistent/hearth"))).unwrap_err();
    assert!(err.to_string().contains("cannot start"), "{err}");
}

/// Issue 17: a page whose line has no end (a 70 MB text page, a child gone wrong) is cut at
/// `limits::MAX_LINE_BYTES` and costs that page, instead of growing the parent without bound.
#[test]
fn a_line_longer_than_the_cap_costs_that_page_only() {
    let dir = tempfile::tempdir().unwrap();
    expect_page_2_lost(run(&extractor(child(dir.path(), "head -c 70000000 /dev/zero"))).unwrap());
}

/// Issue 17: the child runs under an address-space limit (8 GiB): a reader that asks for 9 GiB
/// is refused it and costs that page (without the limit the allocation succeeds, lazily, and the
/// page would be read).
#[test]
fn a_child_over_its_memory_limit_costs_that_page_only() {
    let dir = tempfile::tempdir().unwrap();
    expect_page_2_lost(run(&extractor(child(dir.path(), "python3 -c 'bytearray(9 << 30)' 2>/dev/null || exit 3"))).unwrap());
}
