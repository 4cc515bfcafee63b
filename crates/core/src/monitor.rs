//! The live hardware monitor: one background thread samples the machine and hands each sample,
//! with the engine process's own memory apart, to a sink until a newer watch starts or the sink
//! stops accepting. The UI sets how often: every second while the Monitor is open, less often
//! for the strip alone, rarely while the window is hidden (the idle cost is mostly the web view
//! redrawing each sample).

use std::sync::atomic::Ordering;
use std::time::Duration;

use hearth_hardware::{HardwareSnapshot, Probe};
use hearth_protocol::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

use crate::{Core, CoreError, Result};

pub(crate) const DEFAULT_INTERVAL_MS: u64 = 1000;
/// How often a waiting monitor looks whether its interval was shortened (the Monitor opened).
const TICK: Duration = Duration::from_millis(250);

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
        let interval = self.hardware_interval_ms.clone();
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
                    let since = std::time::Instant::now();
                    while current.load(Ordering::SeqCst) == my_id && since.elapsed() < Duration::from_millis(interval.load(Ordering::Relaxed)) {
                        std::thread::sleep(TICK);
                    }
                }
            })
            .map_err(|e| CoreError::new(ErrorCode::Internal, format!("the hardware monitor could not start: {e}")))?;
        Ok(())
    }

    /// How often the monitor samples from now on, clamped to 0.5-60 s.
    pub fn set_monitor_interval(&self, ms: u64) {
        self.hardware_interval_ms.store(ms.clamp(500, 60_000), Ordering::Relaxed);
    }
}
