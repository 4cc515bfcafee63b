//! Issue 15, item 1: a split GGUF (the demo model cut in three shards by gguf-py's writer) is
//! one model everywhere: `inspect`, the advisor on a local file, the library, the load and its
//! answer; a set with a shard missing or foreign is refused naming the shard.

mod common;

use std::process::Command;

use common::{demo_model, hearth, split_demo_model};

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(hearth()).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = run(args);
    assert!(ok, "hearth {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn total_size(files: &[std::path::PathBuf]) -> u64 {
    files.iter().map(|f| std::fs::metadata(f).unwrap().len()).sum()
}

#[test]
fn inspect_describes_every_shard() {
    let (first, shards) = split_demo_model();
    let whole = json(&["inspect", demo_model().to_str().unwrap(), "--json"]);
    let split = json(&["inspect", first.to_str().unwrap(), "--json"]);
    assert_eq!(split["shards"], 3);
    assert_eq!(split["parameters"], whole["parameters"]);
    assert_eq!(split["tensor_count"], whole["tensor_count"]);
    assert_eq!(split["quant_types"], whole["quant_types"]);
    assert_eq!(split["file_size_bytes"].as_u64().unwrap(), total_size(&shards));
    // The first shard alone holds about half the weights: summing it alone was the bug.
    assert!(std::fs::metadata(&first).unwrap().len() < total_size(&shards) * 2 / 3);
}

#[test]
fn the_advisor_sizes_a_split_file_on_all_its_weights() {
    let (first, _) = split_demo_model();
    let args = |m: &str| json(&["advise", "--model", m, "--hardware", "ddr5-6400-desktop", "--ctx", "2048", "--json"]);
    let whole = args(demo_model().to_str().unwrap());
    let split = args(first.to_str().unwrap());
    assert_eq!(split["memory"]["weights_bytes"], whole["memory"]["weights_bytes"]);
    assert_eq!(split["memory"]["kv_bytes"], whole["memory"]["kv_bytes"]);
    assert_eq!(split["fits"], whole["fits"]);
}

#[test]
fn the_library_lists_a_split_model_once_with_its_total_size() {
    let (_, shards) = split_demo_model();
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    for s in &shards {
        std::fs::copy(s, models.join(s.file_name().unwrap())).unwrap();
    }
    let out = Command::new(hearth()).args(["models", "list", "--json"]).env("HEARTH_HOME", home.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["name"], "SmolLM2-135M-Instruct.Q4_1");
    assert_eq!(rows[0]["size_bytes"].as_u64().unwrap(), total_size(&shards));
    assert_eq!(rows[0]["files"].as_array().unwrap().len(), 3);
    assert_eq!(rows[0]["parameters"], json(&["inspect", demo_model().to_str().unwrap(), "--json"])["parameters"]);
    assert!(rows[0]["problem"].is_null(), "{rows:?}");

    // With a shard gone the row stays, naming the missing shard.
    std::fs::remove_file(models.join(shards[2].file_name().unwrap())).unwrap();
    let out = Command::new(hearth()).args(["models", "list", "--json"]).env("HEARTH_HOME", home.path()).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problem = rows[0]["problem"].as_str().unwrap();
    assert!(problem.contains("shard 3 of 3 (SmolLM2-135M-Instruct.Q4_1-00003-of-00003.gguf) is missing"), "{problem}");
}

#[test]
fn a_split_model_answers_exactly_as_the_whole_file() {
    let (first, _) = split_demo_model();
    let answer = |m: &str| {
        json(&["chat", m, "--prompt", "Name three colours of the rainbow.", "--temp", "0", "--seed", "1", "--max-tokens", "32", "--json"])["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let whole = answer(demo_model().to_str().unwrap());
    assert!(!whole.trim().is_empty());
    assert_eq!(answer(first.to_str().unwrap()), whole);
}

#[test]
fn a_set_with_a_shard_missing_or_foreign_is_refused_naming_the_shard() {
    let (_, shards) = split_demo_model();
    let dir = tempfile::tempdir().unwrap();
    let copy = |i: usize, as_: usize| {
        std::fs::copy(&shards[i], dir.path().join(shards[as_].file_name().unwrap())).unwrap();
    };
    copy(0, 0);
    copy(1, 1);
    let first = dir.path().join(shards[0].file_name().unwrap());
    let first = first.to_str().unwrap();
    for cmd in [vec!["inspect", first], vec!["chat", first, "--prompt", "hi", "--max-tokens", "1"]] {
        let (ok, _, stderr) = run(&cmd);
        assert!(!ok);
        assert!(stderr.contains("shard 3 of 3 (SmolLM2-135M-Instruct.Q4_1-00003-of-00003.gguf) is missing"), "{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    }
    // Shard 2's bytes under shard 3's name: tagged as another shard.
    copy(1, 2);
    let (ok, _, stderr) = run(&["inspect", first]);
    assert!(!ok);
    assert!(stderr.contains("shard 3 of 3 (SmolLM2-135M-Instruct.Q4_1-00003-of-00003.gguf) belongs to another model"), "{stderr}");
    // A later shard opened on its own points at the first.
    let (ok, _, stderr) = run(&["inspect", dir.path().join(shards[1].file_name().unwrap()).to_str().unwrap()]);
    assert!(!ok && stderr.contains("is shard 2 of 3 of a split model; open its first shard"), "{stderr}");
}
