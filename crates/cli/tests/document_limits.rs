//! Issue 17: a 3 GB text file given to `hearth ask` is refused at once with the limit named, and
//! neither `hearth` nor its reader child reads it (their peak memory stays small). Its own test
//! binary, so that `getrusage(RUSAGE_CHILDREN)` sees only this test's children.

mod common;

use std::process::Command;
use std::time::Instant;

use common::hearth;

#[test]
fn a_3_gb_text_file_is_refused_at_once_without_being_read() {
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("server.log");
    std::fs::write(&big, "2026-12-02 08:00:00 started\n").unwrap();
    // Sparse: 3 GB on no disk, as far as a reader can tell a 3 GB log.
    std::fs::OpenOptions::new().write(true).open(&big).unwrap().set_len(3_000_000_000).unwrap();

    let started = Instant::now();
    let out = Command::new(hearth())
        .args(["ask", big.to_str().unwrap(), "when did it start?", "--retrieve-only", "--json"])
        .env("HEARTH_HOME", home.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("server.log is 2.8 GiB") && stderr.contains("text files up to 32 MiB"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line, no backtrace: {stderr}");
    // Hashing 3 GB alone takes seconds; refusing takes a file's length.
    assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");

    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    let peak_mib = usage.ru_maxrss as f64 / 1024.0;
    assert!(peak_mib < 200.0, "hearth peaked at {peak_mib:.0} MiB refusing a file it should not read");
}
