//! The first run (Tauri's mock runtime): with no model in Hearth's directory, the app offers the
//! demo model it ships with and downloads the advisor recommends for this machine (catalog models
//! with a sourced GGUF repo that fit and run at a usable speed, the biggest first); choosing the
//! demo puts a copy in the models directory that then loads.

mod common;

use common::{app, demo_model, invoke};
use serde_json::json;

#[test]
fn with_no_model_the_demo_and_recommendations_are_offered() {
    // What scripts/run-app.sh sets: where the demo model that comes with the app is.
    std::env::set_var("HEARTH_DEMO_MODEL", demo_model());
    let home = tempfile::tempdir().unwrap();
    let (_app, webview) = app(home.path());
    let info = invoke(&webview, "app_info", json!({})).unwrap();
    assert_eq!(info["model_files"], json!([]), "a first run: no model yet");

    let offer = invoke(&webview, "first_run_offer", json!({})).unwrap();
    assert_eq!(offer["demo"]["path"], demo_model().display().to_string());
    assert_eq!(offer["demo"]["size_bytes"], std::fs::metadata(demo_model()).unwrap().len());
    // Where models will run, from the engine's own words (issue 16): this build has no GPU backend.
    assert_eq!(offer["device"], "the CPU: no GPU was found by this build's backends", "{offer}");
    // And as phrases the window says in its language (it showed the English inside Russian).
    assert_eq!(offer["device_phrase"]["key"], "said.device.cpuNoGpu", "{offer}");
    assert_eq!(offer["machine_phrase"]["key"], "said.advisor.thisMachine", "{offer}");
    assert_eq!(offer["machine_phrase"]["text"], offer["machine"], "{offer}");
    let recs = offer["recommendations"].as_array().unwrap();
    assert!(!recs.is_empty() && recs.len() <= 3, "{offer}");
    let catalog_repos = ["ggml-org/gpt-oss-120b-GGUF", "ggml-org/gpt-oss-20b-GGUF", "ggml-org/gemma-3-4b-it-GGUF", "ggml-org/gemma-3-27b-it-GGUF"];
    for r in recs {
        assert!(catalog_repos.contains(&r["repo"].as_str().unwrap()), "{r}");
        assert_ne!(r["fits"], "no");
        assert!(r["predicted_tg_tps"].as_f64().unwrap() >= 5.0, "{r}");
        assert!(r["source"].as_str().unwrap().starts_with("llama.cpp b11434 "), "every repo id has its source: {r}");
    }

    let path = invoke(&webview, "use_demo_model", json!({})).unwrap();
    let path = path.as_str().unwrap();
    assert!(path.starts_with(home.path().join("models").to_str().unwrap()), "{path}");
    assert_eq!(std::fs::metadata(path).unwrap().len(), std::fs::metadata(demo_model()).unwrap().len());
    let info = invoke(&webview, "app_info", json!({})).unwrap();
    assert_eq!(info["model_files"], json!([path]));
    let model = invoke(&webview, "load_model", json!({"path": path, "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap();
    assert!(model["name"].as_str().unwrap().contains("135M"));
    // A second time is harmless (the copy is there).
    assert_eq!(invoke(&webview, "use_demo_model", json!({})).unwrap(), json!(path));
}
