//! `hearth chat` and `hearth inspect` with the real demo model.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use common::{demo_model, hearth, sparse_gguf};

fn chat_json(model: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(hearth())
        .arg("chat")
        .arg(model)
        .args(["--prompt", "Name three colors of the rainbow.", "--temp", "0", "--seed", "7", "--max-tokens", "24", "--json"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn greedy_generation_with_a_fixed_seed_is_deterministic_and_fills_stats() {
    let model = demo_model();
    let a = chat_json(&model, &[]);
    let b = chat_json(&model, &[]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let ja: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let jb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(ja["text"], jb["text"], "greedy output differs between runs");
    assert!(!ja["text"].as_str().unwrap().trim().is_empty());
    for key in ["load_ms", "ttft_ms", "prompt_tokens", "gen_tokens", "pp_tps", "tg_tps"] {
        assert!(ja[key].as_f64().unwrap() > 0.0, "{key} is not filled: {ja}");
    }
    assert!(ja["gen_tokens"].as_u64().unwrap() <= 24);
}

fn assert_clean_failure(out: &std::process::Output, expect: &str) {
    assert_eq!(out.status.signal(), None, "killed by a signal: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(expect), "expected {expect:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_truncated_gguf_is_rejected_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.gguf");
    let bytes = std::fs::read(demo_model()).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_clean_failure(&chat_json(&cut, &[]), "truncated");
    let inspect = Command::new(hearth()).arg("inspect").arg(&cut).output().unwrap();
    assert_clean_failure(&inspect, "truncated");
}

/// Regression: `hearth chat /tmp` said "tmp is not a usable GGUF model: the file is truncated:
/// magic: Is a directory", and a named pipe would have blocked the reader for ever.
#[test]
fn a_folder_or_a_pipe_given_as_the_model_is_named_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    assert_clean_failure(&chat_json(dir.path(), &[]), "is a folder, not a model file");
    let pipe = dir.path().join("pipe.gguf");
    assert!(Command::new("mkfifo").arg(&pipe).status().unwrap().success());
    assert_clean_failure(&chat_json(&pipe, &[]), "is a special file (a pipe or a device), not a model file");
    let inspect = Command::new(hearth()).arg("inspect").arg(&pipe).output().unwrap();
    assert_clean_failure(&inspect, "is a special file (a pipe or a device), not a model file");
}

/// Regression: a wrong `--template` said "(ffi error -1)" and not which names there are.
#[test]
fn an_unknown_builtin_template_is_refused_with_the_names_llama_cpp_has() {
    let out = chat_json(&demo_model(), &["--template", "nosuch"]);
    assert_clean_failure(&out, "llama.cpp has no built-in template \"nosuch\"; it has ");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chatml") && err.contains("llama3") && !err.contains("ffi error"), "{err}");
}

/// Regression: a context under 64 tokens was raised to 64 without a word (`dry-run --ctx 0`
/// reported "at 0 tokens").
#[test]
fn a_context_under_64_tokens_is_refused_by_every_command_that_loads() {
    let commands: [&[&str]; 4] =
        [&["chat", "model.gguf", "--prompt", "hi"], &["ask", "doc.pdf", "a question"], &["serve", "model.gguf"], &["dry-run", "model.gguf"]];
    for args in commands {
        let out = Command::new(hearth()).args(args).args(["--ctx", "10"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("invalid value '10' for '--ctx <CTX>': 10 is not in 64.."), "{args:?}: {err}");
    }
}

#[test]
fn random_bytes_are_rejected_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.gguf");
    let mut x: u32 = 12345;
    let bytes: Vec<u8> = (0..1_000_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect();
    std::fs::write(&junk, bytes).unwrap();
    assert_clean_failure(&chat_json(&junk, &[]), "not a GGUF");
}

#[test]
fn a_model_larger_than_memory_is_refused_before_loading() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.gguf");
    sparse_gguf(&huge, 1 << 38); // 1 TiB of F32 weights, sparse on disk
    assert_clean_failure(&chat_json(&huge, &[]), "of memory");
}

#[test]
fn inspect_reports_the_demo_models_facts() {
    let out = Command::new(hearth()).arg("inspect").arg(demo_model()).arg("--json").output().unwrap();
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // SmolLM2-135M: llama architecture, 30 layers, 9 heads, 3 KV heads, 8192 context
    // (HuggingFaceTB/SmolLM2-135M-Instruct config.json).
    assert_eq!(j["architecture"], "llama");
    assert_eq!(j["file_type"], "Q4_1");
    assert_eq!(j["layers"], 30);
    assert_eq!(j["heads"], 9);
    assert_eq!(j["kv_heads"], 3);
    assert_eq!(j["context_length"], 8192);
    assert_eq!(j["chat_template_present"], true);
    let share: f64 = j["quant_types"].as_array().unwrap().iter().map(|q| q["share"].as_f64().unwrap()).sum();
    assert!((share - 1.0).abs() < 1e-9);
}
