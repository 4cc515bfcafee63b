//! Work that runs llama.cpp outside the engine (quantizing, benchmarking, embedding, a dry run)
//! runs as a `hearth` child process speaking the typed job protocol
//! ([`hearth_protocol::jobs`]): progress lines, then a report or an error. A crash there costs
//! only that job and is reported with the last lines the child wrote to stderr; a cancel kills
//! the child and is `CANCELLED`.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use hearth_protocol::jobs::{read_line, Job, JobLine};
use hearth_protocol::ErrorCode;
use parking_lot::Mutex;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::oneshot;

use crate::{engine_executable, CoreError, Result};

/// Stops the job now running in it, if any.
#[derive(Default)]
pub struct CancelSlot(pub(crate) Mutex<Option<oneshot::Sender<()>>>);

impl CancelSlot {
    /// Cancels the running job; nothing when none runs.
    pub fn cancel(&self) {
        if let Some(tx) = self.0.lock().take() {
            let _ = tx.send(());
        }
    }

    /// A job runs in this slot.
    pub fn is_armed(&self) -> bool {
        self.0.lock().is_some()
    }

    fn arm(&self) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        *self.0.lock() = Some(tx);
        rx
    }

    fn disarm(&self) {
        self.0.lock().take();
    }
}

/// Lines of stderr kept to explain a crash.
const STDERR_TAIL: usize = 12;

/// The child's stderr as it goes, its last lines kept.
fn collect_tail(stderr: impl AsyncRead + Unpin + Send + 'static) -> Arc<Mutex<VecDeque<String>>> {
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    let kept = tail.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut t = kept.lock();
            t.push_back(line);
            while t.len() > STDERR_TAIL {
                t.pop_front();
            }
        }
    });
    tail
}

/// A job child that prints nothing (no progress, no verdict) for this long is stopped.
pub const JOB_SILENCE_LIMIT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Runs `hearth ARGS…` (with `HEARTH_HOME` = `home`, so what it keeps lands in the same database
/// and environment `env`, which keeps secrets off its command line) as job `J`. `failed` is the
/// code of a child that dies without a verdict.
pub async fn run_job<J: Job>(
    args: &[String],
    env: &[(String, String)],
    home: &Path,
    cancel: &CancelSlot,
    failed: ErrorCode,
    on_progress: impl FnMut(J::Progress),
) -> Result<J::Report> {
    run_job_within::<J>(args, env, home, cancel, failed, JOB_SILENCE_LIMIT, on_progress).await
}

/// [`run_job`] with the silence limit given (tests use seconds).
#[allow(clippy::too_many_arguments)]
pub async fn run_job_within<J: Job>(
    args: &[String],
    env: &[(String, String)],
    home: &Path,
    cancel: &CancelSlot,
    failed: ErrorCode,
    silence_limit: std::time::Duration,
    mut on_progress: impl FnMut(J::Progress),
) -> Result<J::Report> {
    let mut child = tokio::process::Command::new(engine_executable())
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("HEARTH_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CoreError::new(ErrorCode::EngineUnavailable, format!("{} could not start: {e}", J::WHAT)))?;
    let tail = collect_tail(child.stderr.take().expect("piped"));
    let mut cancelled = cancel.arm();
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let result = loop {
        tokio::select! {
            _ = &mut cancelled => {
                let _ = child.kill().await;
                break Err(CoreError::new(ErrorCode::Cancelled, format!("{} was cancelled", J::WHAT)));
            }
            // Every step reports progress well within this (a 120B expert tensor takes about a
            // minute to quantize); a child silent for longer is stuck, not working.
            _ = tokio::time::sleep(silence_limit) => {
                let _ = child.kill().await;
                break Err(CoreError::new(failed, format!("{} made no progress for {} and was stopped", J::WHAT, match silence_limit.as_secs() {
                    s if s >= 60 => format!("{} minutes", s / 60),
                    s => format!("{s} s"),
                })));
            }
            line = lines.next_line() => match line {
                Ok(Some(text)) => match read_line::<J>(&text) {
                    Some(JobLine::Progress { progress }) => on_progress(progress),
                    Some(JobLine::Done { report }) => break Ok(report),
                    Some(JobLine::Error { error }) => break Err(CoreError::Reported(error)),
                    None => {} // not a protocol line
                },
                _ => {
                    // The child ended without a verdict: it crashed (llama.cpp abort, out of memory).
                    let status = child.wait().await.ok().map_or_else(|| "unknown".into(), |s| s.to_string());
                    // Give the stderr reader the child's last words.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    let tail: Vec<String> = tail.lock().iter().cloned().collect();
                    let said = if tail.is_empty() { String::new() } else { format!("; it said:\n{}", tail.join("\n")) };
                    break Err(CoreError::new(failed, format!("{} stopped unexpectedly ({status}){said}", J::WHAT)));
                }
            }
        }
    };
    cancel.disarm();
    result
}
