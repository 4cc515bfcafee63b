//! A hostile GGUF (issue 17): a 56-byte header in a sparse 200 GB file claiming as many tensors as
//! its size allows. It aborted `hearth inspect` and `hearth models list` (SIGABRT, a terabyte
//! allocation); now every command that reads it says why in one line and exits normally.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use common::hearth;

/// The bomb in `dir`: a valid start, then counts sized by the file's length.
fn bomb(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("bomb.gguf");
    hearth_gguf::write_gguf_bomb(&path, 200 << 30).unwrap();
    path
}

fn run(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    // With RUST_BACKTRACE set, as on a developer's machine: still no backtrace for the user.
    let out = Command::new(hearth()).env("HEARTH_HOME", home).env("RUST_BACKTRACE", "1").args(args).output().unwrap();
    assert_eq!(out.status.signal(), None, "hearth {args:?} died of a signal: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("stack backtrace") && !stderr.contains("panicked"), "{stderr}");
    out
}

#[test]
fn a_gguf_bomb_is_refused_by_every_command_that_reads_it_and_crashes_none() {
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    let bomb = bomb(&models);
    let bomb = bomb.to_str().unwrap();

    let out = run(home.path(), &["inspect", bomb]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("damaged") && stderr.lines().count() == 1, "one readable line: {stderr}");

    // The library lists it, with what is wrong with it.
    let out = run(home.path(), &["models", "list", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert!(rows[0]["problem"].as_str().is_some_and(|p| p.contains("damaged")), "{rows}");

    let out = run(home.path(), &["advise", "--model", bomb, "--hardware", "strix-halo-395-128gb", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(home.path(), &["chat", bomb, "--prompt", "hi"]);
    assert_eq!(out.status.code(), Some(1));
}
