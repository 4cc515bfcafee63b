//! The live hardware monitor: one background thread samples the machine once a second and hands
//! each sample, with the engine process's own memory apart, to a sink until a newer watch starts
//! or the sink stops accepting.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hearth_hardware::{HardwareSnapshot, Probe};
use hearth_protocol::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

use crate::{Core, CoreError, Result};

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

impl Core {
    /// Starts sampling; `on_sample` returns false when its receiver is gone.
    pub fn watch_hardware(&self, mut on_sample: impl FnMut(MonitorSample) -> bool + Send + 'static) -> Result<()> {
        let my_id = self.hardware_watch.fetch_add(1, Ordering::SeqCst) + 1;
        let current = self.hardware_watch.clone();
        let engine = self.engine.clone();
        std::thread::Builder::new()
            .name("hardware-monitor".into())
            .spawn(move || {
                let mut probe = Probe::system();
                let mut first = true;
                while current.load(Ordering::SeqCst) == my_id {
                    // The first sample measures load over a short warm-up; later ones over the interval.
                    let snapshot = probe.snapshot(if first { Duration::from_millis(200) } else { Duration::ZERO });
                    first = false;
                    let state = engine.state();
                    let engine_rss_bytes = state.pid.filter(|_| state.running).and_then(rss_bytes);
                    if !on_sample(MonitorSample { snapshot, engine_rss_bytes }) {
                        return;
                    }
                    std::thread::sleep(INTERVAL);
                }
            })
            .map_err(|e| CoreError::new(ErrorCode::Internal, format!("the hardware monitor could not start: {e}")))?;
        Ok(())
    }
}
