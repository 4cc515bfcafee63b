//! CPU package power from RAPL energy counters (`/sys/class/powercap/intel-rapl:N`, used by both
//! Intel and AMD). The counter is in microjoules and wraps at `max_energy_range_uj`.

use std::time::Instant;

use crate::{sysfs, Roots};

#[derive(Debug, Clone)]
pub struct EnergySample {
    at: Instant,
    microjoules: u64,
    range: Option<u64>,
}

pub fn read_energy(roots: &Roots) -> Option<EnergySample> {
    let zones = sysfs::entries(&roots.sysfs.join("class/powercap"), "intel-rapl:");
    // Package zones are `intel-rapl:N`; sub-zones (`intel-rapl:N:M`) are parts of them.
    let mut total = 0u64;
    let mut range = None;
    let mut found = false;
    for zone in zones.iter().filter(|z| z.file_name().is_some_and(|n| n.to_string_lossy().matches(':').count() == 1)) {
        if let Some(uj) = sysfs::number::<u64>(&zone.join("energy_uj")) {
            total += uj;
            found = true;
            range = sysfs::number::<u64>(&zone.join("max_energy_range_uj")).or(range);
        }
    }
    found.then(|| EnergySample { at: Instant::now(), microjoules: total, range })
}

pub fn power_w(a: &EnergySample, b: &EnergySample) -> Option<f64> {
    let secs = (b.at - a.at).as_secs_f64();
    if secs <= 0.0 {
        return None;
    }
    let delta = if b.microjoules >= a.microjoules { b.microjoules - a.microjoules } else { b.microjoules + b.range? - a.microjoules };
    // A static replayed tree gives 0 J: that is "no measurement", not 0 W.
    (delta > 0).then(|| delta as f64 / 1e6 / secs)
}
