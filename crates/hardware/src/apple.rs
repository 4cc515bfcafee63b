//! Apple silicon: one unified memory pool, of which Metal lets a process keep at most its
//! "recommended maximum working set" resident on the GPU (`MTLDevice.recommendedMaxWorkingSetSize`,
//! below the machine's RAM; macOS's `iogpu.wired_limit_mb` sysctl raises it). That limit is what
//! llama.cpp's Metal backend can fill, so it is the GPU-addressable figure here. Metal reports no
//! utilization, temperature or power to an unprivileged process: those stay `null`.
//!
//! The reading itself is compiled on macOS only (it cannot run on the machines Hearth is tested
//! on; `cargo check --target aarch64-apple-darwin -p hearth-hardware` checks it builds); turning
//! its numbers into a snapshot is plain code, tested everywhere.

use crate::{GpuSnapshot, MemoryKind, MemorySnapshot};

/// What Metal says about the GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct MetalReading {
    pub name: String,
    pub unified_memory: bool,
    /// `recommendedMaxWorkingSetSize`.
    pub working_set_limit_bytes: u64,
    /// `currentAllocatedSize`: what this process has allocated on the device.
    pub allocated_bytes: u64,
}

pub fn snapshot(r: &MetalReading, system: &MemorySnapshot) -> GpuSnapshot {
    GpuSnapshot {
        name: r.name.clone(),
        vendor: "apple".into(),
        memory_kind: if r.unified_memory { MemoryKind::Unified } else { MemoryKind::Dedicated },
        dedicated_total_bytes: None,
        shared_total_bytes: system.total_bytes,
        addressable_total_bytes: Some(r.working_set_limit_bytes),
        // The pool is the system's: what is used of it is what the system uses.
        used_bytes: system.used_bytes,
        utilization_percent: None,
        temperature_c: None,
        power_w: None,
        power_cap: None,
        clock_mhz: None,
        source: "Metal (MTLDevice)".into(),
        note: Some(format!(
            "Unified memory: Metal lets the GPU keep up to {:.1} GiB resident (recommendedMaxWorkingSetSize) of the {:.1} GiB the machine has; `sudo sysctl iogpu.wired_limit_mb=N` raises the limit until the next restart.",
            r.working_set_limit_bytes as f64 / 1073741824.0,
            system.total_bytes.unwrap_or(0) as f64 / 1073741824.0
        )),
    }
}

/// The system's default Metal device, on macOS.
#[cfg(target_os = "macos")]
pub fn read() -> Option<MetalReading> {
    use objc2_metal::MTLDevice;
    let device = objc2_metal::MTLCreateSystemDefaultDevice()?;
    Some(MetalReading {
        name: device.name().to_string(),
        unified_memory: device.hasUnifiedMemory(),
        working_set_limit_bytes: device.recommendedMaxWorkingSetSize(),
        allocated_bytes: device.currentAllocatedSize() as u64,
    })
}

#[cfg(not(target_os = "macos"))]
pub fn read() -> Option<MetalReading> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_working_set_limit_is_the_addressable_pool() {
        let system =
            MemorySnapshot { total_bytes: Some(128 << 30), available_bytes: Some(100 << 30), used_bytes: Some(28 << 30), source: "sysinfo".into() };
        let r = MetalReading { name: "Apple M4 Max".into(), unified_memory: true, working_set_limit_bytes: 96 << 30, allocated_bytes: 0 };
        let g = snapshot(&r, &system);
        assert_eq!(g.memory_kind, MemoryKind::Unified);
        assert_eq!(g.addressable_total_bytes, Some(96 << 30));
        assert_eq!(g.shared_total_bytes, Some(128 << 30));
        assert_eq!(g.used_bytes, Some(28 << 30));
        assert_eq!((g.utilization_percent, g.temperature_c, g.power_w), (None, None, None), "never made up");
        assert!(g.note.unwrap().contains("96.0 GiB"));
    }

    #[test]
    fn off_macos_there_is_no_metal_device() {
        if !cfg!(target_os = "macos") {
            assert_eq!(read(), None);
        }
    }
}
