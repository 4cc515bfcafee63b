//! System RAM from `/proc/meminfo`.

use crate::{sysfs, MemorySnapshot, Roots};

pub fn read(roots: &Roots) -> MemorySnapshot {
    let path = roots.proc.join("meminfo");
    let text = sysfs::text(&path).unwrap_or_default();
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        kib.checked_mul(1024)
    };
    let total = field("MemTotal:");
    let available = field("MemAvailable:");
    MemorySnapshot {
        total_bytes: total,
        available_bytes: available,
        used_bytes: match (total, available) {
            (Some(t), Some(a)) if a <= t => Some(t - a),
            _ => None,
        },
        source: "/proc/meminfo".into(),
    }
}
