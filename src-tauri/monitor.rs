//! The live hardware monitor: one background thread samples the machine once a second and
//! streams the samples to the UI over a channel, with the engine process's own memory apart.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hearth_hardware::{HardwareSnapshot, Probe};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;

use crate::state::AppState;
use crate::AppError;

const INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Serialize, TS)]
pub struct MonitorSample {
    pub snapshot: HardwareSnapshot,
    /// Resident memory of the engine process (the model's weights that are paged in, its KV cache).
    #[ts(type = "number | null")]
    pub engine_rss_bytes: Option<u64>,
}

fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Streams a sample every second until a newer watch starts or the window is gone.
#[tauri::command]
pub async fn watch_hardware<R: Runtime>(app: AppHandle<R>, on_sample: Channel<MonitorSample>) -> Result<(), AppError> {
    let my_id = app.state::<AppState>().hardware_watch.fetch_add(1, Ordering::SeqCst) + 1;
    std::thread::Builder::new()
        .name("hardware-monitor".into())
        .spawn(move || {
            let mut probe = Probe::system();
            let mut first = true;
            loop {
                let state = app.state::<AppState>();
                if state.hardware_watch.load(Ordering::SeqCst) != my_id {
                    return;
                }
                // The first sample measures load over a short warm-up; later ones over the interval.
                let snapshot = probe.snapshot(if first { Duration::from_millis(200) } else { Duration::ZERO });
                first = false;
                let engine = state.engine.state();
                let engine_rss_bytes = engine.pid.filter(|_| engine.running).and_then(rss_bytes);
                if on_sample.send(MonitorSample { snapshot, engine_rss_bytes }).is_err() {
                    return;
                }
                std::thread::sleep(INTERVAL);
            }
        })
        .map_err(|e| AppError::Invalid(format!("the hardware monitor could not start: {e}")))?;
    Ok(())
}
