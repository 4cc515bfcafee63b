//! Work that runs llama.cpp outside the engine (quantizing, benchmarking) runs as a `hearth`
//! child process speaking JSON lines on stdout: any number of progress lines, then
//! `{"event":"done","report":…}` or `{"event":"error","error":{code,message}}`. A crash there
//! costs only that job; a cancel kills the child.

use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;

use hearth_protocol::{ErrorCode, ErrorPayload};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::oneshot;

use crate::state::engine_executable;
use crate::AppError;

pub type CancelSlot = Mutex<Option<oneshot::Sender<()>>>;

/// Runs `hearth ARGS…` with the app's home (so what it keeps lands in the app's database);
/// every line that is not the verdict goes to `on_line`. `what` names the job in messages;
/// `failed` is the code of its failures.
pub async fn run(
    args: &[&str],
    home: &Path,
    cancel: &CancelSlot,
    what: &str,
    failed: ErrorCode,
    on_line: impl FnMut(&Value),
) -> Result<Value, AppError> {
    run_with_env(args, &[], home, cancel, what, failed, on_line).await
}

/// `run` with environment variables for the child (secrets stay off its command line, which
/// every user of the machine can read).
#[allow(clippy::too_many_arguments)]
pub async fn run_with_env(
    args: &[&str],
    env: &[(&str, &str)],
    home: &Path,
    cancel: &CancelSlot,
    what: &str,
    failed: ErrorCode,
    mut on_line: impl FnMut(&Value),
) -> Result<Value, AppError> {
    let mut child = tokio::process::Command::new(engine_executable())
        .args(args)
        .envs(env.iter().copied())
        .env("HEARTH_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| AppError::Reported(ErrorPayload::new(ErrorCode::EngineUnavailable, format!("{what} could not start: {e}"))))?;
    let (cancel_tx, mut cancel_rx) = oneshot::channel::<()>();
    *cancel.lock().unwrap() = Some(cancel_tx);
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let result = loop {
        tokio::select! {
            _ = &mut cancel_rx => {
                let _ = child.kill().await;
                break Err(AppError::Reported(ErrorPayload::new(failed, format!("{what} was cancelled"))));
            }
            line = lines.next_line() => match line {
                Ok(Some(text)) => {
                    let Ok(v) = serde_json::from_str::<Value>(&text) else { continue }; // not a protocol line
                    match v["event"].as_str() {
                        Some("done") => break Ok(v["report"].clone()),
                        Some("error") => {
                            let error = serde_json::from_value::<ErrorPayload>(v["error"].clone())
                                .unwrap_or_else(|_| ErrorPayload::new(failed, v["error"].to_string()));
                            break Err(AppError::Reported(error));
                        }
                        _ => on_line(&v),
                    }
                }
                _ => {
                    // The child ended without a verdict: it crashed (llama.cpp abort, out of memory).
                    let status = child.wait().await.ok();
                    break Err(AppError::Reported(ErrorPayload::new(
                        failed,
                        format!("{what} stopped unexpectedly ({})", status.map_or_else(|| "unknown".into(), |s| s.to_string())),
                    )));
                }
            }
        }
    };
    cancel.lock().unwrap().take();
    result
}
