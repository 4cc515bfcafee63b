//! CPU name, cores and load from `/proc/cpuinfo` and `/proc/stat`.

use crate::{sysfs, Roots};

#[derive(Debug, Clone, PartialEq)]
pub struct CpuTimes {
    busy: u64,
    total: u64,
}

pub fn name(roots: &Roots) -> Option<String> {
    let text = sysfs::text(&roots.proc.join("cpuinfo"))?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub fn logical_cores(roots: &Roots) -> Option<u32> {
    let text = sysfs::text(&roots.proc.join("cpuinfo"))?;
    let n = text.lines().filter(|l| l.starts_with("processor")).count() as u32;
    (n > 0).then_some(n)
}

pub fn read_times(roots: &Roots) -> Option<CpuTimes> {
    let text = sysfs::text(&roots.proc.join("stat"))?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if v.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal; guest times are already in user/nice.
    let idle = v[3] + v.get(4).copied().unwrap_or(0);
    let total: u64 = v.iter().take(8).sum();
    Some(CpuTimes { busy: total - idle, total })
}

pub fn usage_percent(a: &CpuTimes, b: &CpuTimes) -> Option<f64> {
    let total = b.total.checked_sub(a.total)?;
    let busy = b.busy.checked_sub(a.busy)?;
    (total > 0).then(|| (busy as f64 / total as f64 * 100.0).clamp(0.0, 100.0))
}
