//! Quantizing from the app: `hearth quantize --json` runs as a child process (llama.cpp stays out
//! of the app's process, and a crash there costs only the quantization), its JSON lines become
//! progress on a channel, and a cancel kills it and removes its half-written file.

use std::path::PathBuf;
use std::process::Stdio;

use hearth_protocol::{ErrorCode, ErrorPayload};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use tokio::io::{AsyncBufReadExt, BufReader};
use ts_rs::TS;

use crate::state::{engine_executable, AppState};
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

/// One line of `hearth quantize --json`.
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Line {
    Started { output: String, warning: Option<String> },
    Progress { fraction: f32 },
    Done { report: QuantizeDone },
    Error { error: ErrorPayload },
}

#[tauri::command]
pub async fn quantize_model(
    state: State<'_, AppState>,
    path: String,
    quant: String,
    allow_requantize: bool,
    on_event: Channel<QuantizeEvent>,
) -> Result<QuantizeDone, AppError> {
    let mut cmd = tokio::process::Command::new(engine_executable());
    cmd.args(["quantize", &path, "--type", &quant, "--json"]);
    if allow_requantize {
        cmd.arg("--allow-requantize");
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| AppError::Reported(ErrorPayload::new(ErrorCode::EngineUnavailable, format!("the quantizer could not start: {e}"))))?;
    let (cancel_tx, mut cancel_rx) = tokio::sync::oneshot::channel::<()>();
    *state.quantize_cancel.lock().unwrap() = Some(cancel_tx);
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut output: Option<PathBuf> = None;
    let result = loop {
        tokio::select! {
            _ = &mut cancel_rx => {
                let _ = child.kill().await;
                break Err(AppError::Reported(ErrorPayload::new(ErrorCode::QuantizeFailed, "quantizing was cancelled")));
            }
            line = lines.next_line() => match line {
                Ok(Some(text)) => match serde_json::from_str::<Line>(&text) {
                    Ok(Line::Started { output: out, warning }) => {
                        output = Some(PathBuf::from(&out));
                        let _ = on_event.send(QuantizeEvent::Started { output: out, warning });
                    }
                    Ok(Line::Progress { fraction }) => {
                        let _ = on_event.send(QuantizeEvent::Progress { fraction });
                    }
                    Ok(Line::Done { report }) => break Ok(report),
                    Ok(Line::Error { error }) => break Err(AppError::Reported(error)),
                    Err(_) => {} // not a protocol line
                },
                _ => {
                    // The quantizer ended without a verdict: it crashed (llama.cpp abort, out of memory).
                    let status = child.wait().await.ok();
                    break Err(AppError::Reported(ErrorPayload::new(
                        ErrorCode::QuantizeFailed,
                        format!("the quantizer stopped unexpectedly ({})", status.map_or_else(|| "unknown".into(), |s| s.to_string())),
                    )));
                }
            }
        }
    };
    state.quantize_cancel.lock().unwrap().take();
    if result.is_err() {
        // A run that did not finish leaves no half-written model behind.
        if let Some(out) = output {
            let _ = std::fs::remove_file(out.with_extension("gguf.part"));
        }
    }
    result
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
