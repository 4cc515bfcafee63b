//! The CLI uses the settings the app saved for a model file (issue 14: `hearth chat`,
//! `ask`, `serve` and `bench` ignored them), and a flag wins over its saved value.

mod common;

use std::process::Command;

use common::{demo_model, hearth};
use hearth_core::Core;
use hearth_engine_client::EngineClient;
use hearth_protocol::ModelSettings;
use hearth_store::HearthHome;

fn chat(home: &std::path::Path, model: &std::path::Path, flags: &[&str]) -> serde_json::Value {
    let out = Command::new(hearth())
        .env("HEARTH_HOME", home)
        .arg("chat")
        .arg(model)
        .args(["--prompt", "Hi", "--max-tokens", "2", "--temp", "0", "--json"])
        .args(flags)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn hearth_chat_uses_the_settings_the_app_saved_and_a_flag_wins() {
    let home = tempfile::tempdir().unwrap();
    // The model in the home's models directory, saved by its absolute path as the app saves it.
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    let model = models.join("demo.gguf");
    std::fs::copy(demo_model(), &model).unwrap();
    let core = Core::new(HearthHome::at(home.path()), EngineClient::new(hearth())).unwrap();
    let saved = ModelSettings { context_length: Some(512), threads: Some(1), ..Default::default() };
    core.save_model_settings(&model.display().to_string(), &saved).unwrap();
    drop(core);

    let with_saved = chat(home.path(), &model, &[]);
    assert_eq!(with_saved["threads"], 1, "{with_saved}");
    let kv_saved = with_saved["allocated"]["kv_bytes"].as_u64().unwrap();

    // A relative path to the same file finds the same settings.
    let relative = Command::new(hearth())
        .current_dir(&models)
        .env("HEARTH_HOME", home.path())
        .args(["chat", "demo.gguf", "--prompt", "Hi", "--max-tokens", "2", "--temp", "0", "--json"])
        .output()
        .unwrap();
    let relative: serde_json::Value = serde_json::from_slice(&relative.stdout).unwrap();
    assert_eq!(relative["threads"], 1, "{relative}");

    let flagged = chat(home.path(), &model, &["--ctx", "1024", "--threads", "2"]);
    assert_eq!(flagged["threads"], 2, "{flagged}");
    let kv_flagged = flagged["allocated"]["kv_bytes"].as_u64().unwrap();
    assert_eq!(kv_flagged, kv_saved * 2, "--ctx 1024 holds twice the KV cache of the saved 512");
}
