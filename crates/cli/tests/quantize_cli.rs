//! `hearth quantize` with llama.cpp's quantizer on the real test model: the consent an
//! already-quantized source needs, progress, a valid result that loads and answers, the
//! advisor's size estimate against the real result, and clear errors that leave nothing behind.

mod common;

use hearth_protocol::jobs::{read_line, JobLine, QuantizeEvent, QuantizeJob};
use std::path::Path;
use std::process::Command;

use common::{demo_model, hearth};
use hearth_advisor::{Catalog, ModelShape};

fn quantize(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(hearth()).arg("quantize").args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn copy_demo(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("SmolLM2-135M-Instruct.Q4_1.gguf");
    std::fs::copy(demo_model(), &src).unwrap();
    src
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn an_already_quantized_source_needs_consent_and_nothing_is_written_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let src = copy_demo(dir.path());
    let (ok, stdout, _) = quantize(&[src.to_str().unwrap(), "--type", "Q4_K_M", "--json"]);
    assert!(!ok);
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "error");
    assert_eq!(last["error"]["code"], "REQUANTIZE_NEEDS_CONSENT");
    assert!(last["error"]["message"].as_str().unwrap().contains("already quantized"), "{last}");
    assert_eq!(names(dir.path()), vec!["SmolLM2-135M-Instruct.Q4_1.gguf"]);
}

#[test]
fn a_q4_k_m_is_made_reports_progress_loads_and_matches_the_advisor_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let src = copy_demo(dir.path());
    let (ok, stdout, stderr) = quantize(&[src.to_str().unwrap(), "--type", "Q4_K_M", "--allow-requantize", "--json"]);
    assert!(ok, "{stderr}");
    let events: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Read back with the types the app reads them with.
    let typed: Vec<_> = stdout.lines().map(|l| read_line::<QuantizeJob>(l).expect(l)).collect();
    let fractions: Vec<f32> = typed
        .iter()
        .filter_map(|l| match l {
            JobLine::Progress { progress: QuantizeEvent::Progress { fraction } } => Some(*fraction),
            _ => None,
        })
        .collect();
    assert!(!fractions.is_empty() && fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    assert_eq!(*fractions.last().unwrap(), 1.0);
    let started = dir.path().join("SmolLM2-135M-Instruct-Q4_K_M.gguf").display().to_string();
    assert!(matches!(&typed[0], JobLine::Progress { progress: QuantizeEvent::Started { output, .. } } if *output == started), "{:?}", typed[0]);
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done");
    assert!(done["report"]["warning"].as_str().unwrap().contains("Q4_1"));
    let out = dir.path().join("SmolLM2-135M-Instruct-Q4_K_M.gguf");
    assert_eq!(done["report"]["output"], out.to_str().unwrap());
    assert_eq!(names(dir.path()), vec!["SmolLM2-135M-Instruct-Q4_K_M.gguf", "SmolLM2-135M-Instruct.Q4_1.gguf"]);

    // The result is what it says, and the advisor predicted its size (row-size fallbacks included).
    let made = ModelShape::from_gguf_file(&out).unwrap();
    assert_eq!(made.file_quant.as_deref(), Some("Q4_K_M"));
    let real = made.weights_bytes(None).unwrap();
    let estimate = ModelShape::from_gguf_file(&src).unwrap().weights_bytes(Some(Catalog::builtin().quant("Q4_K_M").unwrap())).unwrap();
    assert!((estimate / real - 1.0).abs() < 0.05, "estimate {estimate} vs real {real}");

    // It loads and answers.
    let chat = Command::new(hearth())
        .args(["chat", out.to_str().unwrap(), "--prompt", "What is the capital of France?", "--temp", "0", "--max-tokens", "12", "--json"])
        .output()
        .unwrap();
    assert!(chat.status.success(), "{}", String::from_utf8_lossy(&chat.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&chat.stdout).unwrap();
    assert!(answer["gen_tokens"].as_u64().unwrap() > 0 && !answer["text"].as_str().unwrap().trim().is_empty());
}

#[test]
fn an_iq4_xs_can_be_made_for_tests() {
    let dir = tempfile::tempdir().unwrap();
    let src = copy_demo(dir.path());
    let out = dir.path().join("demo-IQ4_XS.gguf");
    let (ok, _, stderr) = quantize(&[src.to_str().unwrap(), "--type", "IQ4_XS", "--allow-requantize", "--output", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let made = ModelShape::from_gguf_file(&out).unwrap();
    assert_eq!(made.file_quant.as_deref(), Some("IQ4_XS"));
    let estimate = ModelShape::from_gguf_file(&src).unwrap().weights_bytes(Some(Catalog::builtin().quant("IQ4_XS").unwrap())).unwrap();
    let real = made.weights_bytes(None).unwrap();
    assert!((estimate / real - 1.0).abs() < 0.05, "estimate {estimate} vs real {real}");
}

#[test]
fn bad_requests_get_clear_errors_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let src = copy_demo(dir.path());
    let truncated = dir.path().join("truncated.gguf");
    std::fs::write(&truncated, &std::fs::read(&src).unwrap()[..5_000_000]).unwrap();
    let taken = dir.path().join("taken.gguf");
    std::fs::write(&taken, b"mine").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![src.display().to_string(), "--type".into(), "Q9_K".into(), "--allow-requantize".into()],
            "unknown quant type 'Q9_K'; llama.cpp makes F32, F16, Q4_0",
        ),
        // The CLI names its flag (it said "Allow requantizing", the app's checkbox).
        (vec![src.display().to_string(), "--type".into(), "Q8_0".into()], "Add --allow-requantize to go on anyway."),
        (vec![truncated.display().to_string(), "--type".into(), "Q8_0".into()], "is not a usable GGUF model"),
        (
            vec![
                src.display().to_string(),
                "--type".into(),
                "Q8_0".into(),
                "--allow-requantize".into(),
                "--output".into(),
                taken.display().to_string(),
            ],
            "already exists",
        ),
        (
            vec![
                src.display().to_string(),
                "--type".into(),
                "Q8_0".into(),
                "--allow-requantize".into(),
                "--output".into(),
                "/nonexistent-dir/x.gguf".into(),
            ],
            "quantizing failed",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, _, stderr) = quantize(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: expected '{expected}' in: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(std::fs::read(&taken).unwrap(), b"mine");
    assert_eq!(names(dir.path()), vec!["SmolLM2-135M-Instruct.Q4_1.gguf", "taken.gguf", "truncated.gguf"]);
}

/// A disk too small for the result (a 20 MiB tmpfs in a private mount namespace): refused before
/// anything is written, with the sizes.
#[test]
fn a_disk_without_room_for_the_result_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let src = copy_demo(dir.path());
    let small = dir.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=20m tmpfs {small} && {hearth} quantize {src} --type Q8_0 --allow-requantize --output {small}/x.gguf; echo \"rc=$?\"; ls -A {small}",
        small = small.display(),
        hearth = hearth().display(),
        src = src.display()
    );
    let out = Command::new("unshare").args(["-rm", "sh", "-c", &script]).output().expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.starts_with("rc=1"), "stdout: {stdout} stderr: {stderr}");
    assert!(stderr.contains("needs about") && stderr.contains("MiB is free"), "{stderr}");
    assert_eq!(stdout.trim(), "rc=1", "something was written to the full disk: {stdout}");
}
