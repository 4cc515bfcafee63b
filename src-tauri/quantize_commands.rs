//! Quantizing from the app: `hearth quantize --json` runs as a child process (see `cli_child`),
//! its lines become progress on a channel, and a cancel or a crash removes its half-written file.

use std::path::PathBuf;

use hearth_protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::cli_child;
use crate::state::AppState;
use crate::AppError;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuantizeEvent {
    /// Writing `output`; `warning` when the source was already quantized.
    Started { output: String, warning: Option<String> },
    Progress { fraction: f32 },
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QuantizeDone {
    pub output: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub seconds: f64,
    pub source_type: String,
    pub warning: Option<String>,
}

#[tauri::command]
pub async fn quantize_model(
    state: State<'_, AppState>,
    path: String,
    quant: String,
    allow_requantize: bool,
    on_event: Channel<QuantizeEvent>,
) -> Result<QuantizeDone, AppError> {
    let mut args = vec!["quantize", path.as_str(), "--type", quant.as_str(), "--json"];
    if allow_requantize {
        args.push("--allow-requantize");
    }
    let mut output: Option<PathBuf> = None;
    let result = cli_child::run(&args, state.home.root(), &state.quantize_cancel, "quantizing", ErrorCode::QuantizeFailed, |line| {
        match line["event"].as_str() {
            Some("started") => {
                let out = line["output"].as_str().unwrap_or_default().to_string();
                output = Some(PathBuf::from(&out));
                let warning = line["warning"].as_str().map(str::to_string);
                let _ = on_event.send(QuantizeEvent::Started { output: out, warning });
            }
            Some("progress") => {
                let _ = on_event.send(QuantizeEvent::Progress { fraction: line["fraction"].as_f64().unwrap_or(0.0) as f32 });
            }
            _ => {}
        }
    })
    .await;
    match result {
        Ok(report) => serde_json::from_value(report).map_err(|e| AppError::Invalid(format!("the quantizer's report was not understood: {e}"))),
        Err(e) => {
            // A run that did not finish leaves no half-written model behind.
            if let Some(out) = output {
                let _ = std::fs::remove_file(out.with_extension("gguf.part"));
            }
            Err(e)
        }
    }
}

#[tauri::command]
pub async fn cancel_quantize(state: State<'_, AppState>) -> Result<(), AppError> {
    if let Some(tx) = state.quantize_cancel.lock().unwrap().take() {
        let _ = tx.send(());
    }
    Ok(())
}

pub fn typescript_declarations() -> Vec<String> {
    vec![QuantizeEvent::decl(), QuantizeDone::decl()]
}
