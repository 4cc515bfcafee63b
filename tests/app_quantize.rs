//! Quantizing from the app (Tauri IPC on the mock runtime, the real `hearth quantize` child):
//! consent for an already-quantized source, a finished quant with progress, and a cancel that
//! leaves no half-written file.

mod common;

use std::time::{Duration, Instant};

use common::{app, demo_model, invoke};
use hearth_app::state::AppState;
use serde_json::json;
use tauri::Manager;

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn quantize_from_the_app_asks_consent_finishes_and_cancels_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let (app, webview) = app(home.path());
    let models = tempfile::tempdir().unwrap();
    let src = models.path().join("SmolLM2-135M-Instruct.Q4_1.gguf");
    std::fs::copy(demo_model(), &src).unwrap();

    let err =
        invoke(&webview, "quantize_model", json!({"path": src, "quant": "Q8_0", "allowRequantize": false, "onEvent": "__CHANNEL__:1"})).unwrap_err();
    assert_eq!(err["code"], "REQUANTIZE_NEEDS_CONSENT", "{err}");

    let done =
        invoke(&webview, "quantize_model", json!({"path": src, "quant": "Q8_0", "allowRequantize": true, "onEvent": "__CHANNEL__:2"})).unwrap();
    assert_eq!(done["output"], models.path().join("SmolLM2-135M-Instruct-Q8_0.gguf").to_str().unwrap());
    assert!(done["size_bytes"].as_u64().unwrap() > 100_000_000, "{done}");
    assert_eq!(done["source_type"], "Q4_1");

    // IQ4_XS takes long enough here to cancel it midway.
    let running = {
        let webview = webview.clone();
        let src = src.clone();
        std::thread::spawn(move || {
            invoke(&webview, "quantize_model", json!({"path": src, "quant": "IQ4_XS", "allowRequantize": true, "onEvent": "__CHANNEL__:3"}))
        })
    };
    let state = app.state::<AppState>();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !state.quantize_running() {
        assert!(Instant::now() < deadline, "the quantization never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it write part of its file.
    let part = models.path().join("SmolLM2-135M-Instruct-IQ4_XS.gguf.part");
    while !part.exists() {
        assert!(Instant::now() < deadline, "no partial file appeared");
        std::thread::sleep(Duration::from_millis(50));
    }
    invoke(&webview, "cancel_quantize", json!({})).unwrap();
    let err = running.join().unwrap().unwrap_err();
    // A cancel is CANCELLED (it arrived as QUANTIZE_FAILED before: the UI could not tell them apart).
    assert_eq!(err["code"], "CANCELLED", "{err}");
    assert_eq!(files(models.path()), vec!["SmolLM2-135M-Instruct-Q8_0.gguf", "SmolLM2-135M-Instruct.Q4_1.gguf"]);
}
