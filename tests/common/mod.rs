//! Shared by the app-level tests: the demo model, an app on Tauri's mock runtime over a real
//! engine binary, and IPC calls into it.
#![allow(dead_code)]

use std::path::PathBuf;

use hearth_app::state::{engine_executable, AppState};
use hearth_engine_client::EngineClient;
use hearth_store::HearthHome;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub fn demo_model() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(path.is_file(), "the demo model is missing at {}: run scripts/fetch-models.sh", path.display());
    path
}

/// The app with its home in `home`, and its main window.
pub fn app(home: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let engine = engine_executable();
    assert!(engine.is_file(), "the engine binary is missing at {}: cargo build -p hearth-cli", engine.display());
    let state = AppState::new(HearthHome::at(home), EngineClient::new(engine)).unwrap();
    let app = hearth_app::configure(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    (app, webview)
}

pub fn invoke(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}
