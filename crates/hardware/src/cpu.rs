//! CPU name, cores and load from `/proc/cpuinfo` and `/proc/stat`.

use crate::{sysfs, Roots};

#[derive(Debug, Clone, PartialEq)]
pub struct CpuTimes {
    busy: u64,
    total: u64,
}

pub fn name(roots: &Roots) -> Option<String> {
    let text = sysfs::text(&roots.proc.join("cpuinfo"))?;
    text.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty())
}

pub fn logical_cores(roots: &Roots) -> Option<u32> {
    let text = sysfs::text(&roots.proc.join("cpuinfo"))?;
    let n = text.lines().filter(|l| l.starts_with("processor")).count() as u32;
    (n > 0).then_some(n)
}

/// Physical cores: distinct (`physical id`, `core id`) pairs in `/proc/cpuinfo`, so that SMT
/// siblings count once. `None` where the file does not say (e.g. on Arm, which lists no core ids).
pub fn physical_cores(roots: &Roots) -> Option<u32> {
    physical_cores_in(&sysfs::text(&roots.proc.join("cpuinfo"))?)
}

fn physical_cores_in(cpuinfo: &str) -> Option<u32> {
    let mut cores = std::collections::HashSet::new();
    for block in cpuinfo.split("\n\n") {
        let field = |name: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == name).then(|| v.trim().to_string())
            })
        };
        if let Some(core) = field("core id") {
            cores.insert((field("physical id").unwrap_or_default(), core));
        }
    }
    (!cores.is_empty()).then_some(cores.len() as u32)
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

#[cfg(test)]
mod tests {
    use super::physical_cores_in;

    fn cpuinfo(cpus: &[(u32, u32)]) -> String {
        cpus.iter()
            .enumerate()
            .map(|(i, (package, core))| format!("processor\t: {i}\nphysical id\t: {package}\ncore id\t\t: {core}\n"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn smt_siblings_count_once_and_packages_apart() {
        assert_eq!(physical_cores_in(&cpuinfo(&[(0, 0), (0, 1)])), Some(2));
        assert_eq!(physical_cores_in(&cpuinfo(&[(0, 0), (0, 1), (0, 0), (0, 1)])), Some(2));
        assert_eq!(physical_cores_in(&cpuinfo(&[(0, 0), (0, 1), (1, 0), (1, 1)])), Some(4));
    }

    #[test]
    fn without_core_ids_nothing_is_claimed() {
        assert_eq!(physical_cores_in("processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n"), None);
        assert_eq!(physical_cores_in(""), None);
    }
}
