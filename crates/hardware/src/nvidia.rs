//! NVIDIA GPUs through NVML, loaded at run time: no library means no NVIDIA GPU, not an error.
//! On unified-memory parts (GB10 in DGX Spark) NVML reports framebuffer memory as not supported;
//! the system pool is then the GPU's memory, and the snapshot says so.

use nvml_wrapper::enum_wrappers::device::{Clock, TemperatureSensor};
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::Nvml;

use crate::{GpuSnapshot, MemoryKind, MemorySnapshot, PowerCap};

#[derive(Debug, Clone, PartialEq)]
pub enum NvidiaMemory {
    Dedicated {
        total: u64,
        used: u64,
    },
    /// NVML answered "not supported" (unified memory).
    NotSupported,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NvidiaDevice {
    pub name: String,
    pub memory: NvidiaMemory,
    pub utilization_percent: Option<f64>,
    pub temperature_c: Option<f64>,
    pub power_w: Option<f64>,
    pub clock_mhz: Option<u32>,
    /// NVML's enforced power limit and the card's default, watts.
    pub power_limit_w: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NvidiaReading {
    /// libnvidia-ml is not installed: there are no NVIDIA GPUs to show.
    NoLibrary,
    Failed(String),
    Devices(Vec<NvidiaDevice>),
}

/// Where NVIDIA readings come from: NVML, or a fake in tests.
pub trait NvidiaSource: Send {
    fn read(&self) -> NvidiaReading;
}

pub struct NvmlSource {
    nvml: Result<Nvml, String>,
}

impl NvmlSource {
    pub fn load() -> NvmlSource {
        NvmlSource { nvml: Nvml::init().map_err(|e| e.to_string()) }
    }
}

impl NvidiaSource for NvmlSource {
    fn read(&self) -> NvidiaReading {
        let nvml = match &self.nvml {
            Ok(n) => n,
            Err(_) => return NvidiaReading::NoLibrary,
        };
        let count = match nvml.device_count() {
            Ok(c) => c,
            Err(e) => return NvidiaReading::Failed(e.to_string()),
        };
        let mut devices = Vec::new();
        for i in 0..count {
            let Ok(d) = nvml.device_by_index(i) else { continue };
            devices.push(NvidiaDevice {
                name: d.name().unwrap_or_else(|_| format!("NVIDIA GPU {i}")),
                memory: match d.memory_info() {
                    Ok(m) => NvidiaMemory::Dedicated { total: m.total, used: m.used },
                    Err(NvmlError::NotSupported) => NvidiaMemory::NotSupported,
                    Err(_) => NvidiaMemory::Unknown,
                },
                utilization_percent: d.utilization_rates().ok().map(|u| u.gpu as f64),
                temperature_c: d.temperature(TemperatureSensor::Gpu).ok().map(|t| t as f64),
                power_w: d.power_usage().ok().map(|mw| mw as f64 / 1000.0),
                clock_mhz: d.clock_info(Clock::Graphics).ok(),
                power_limit_w: match (d.enforced_power_limit(), d.power_management_limit_default()) {
                    (Ok(limit), Ok(default)) => Some((limit as f64 / 1000.0, default as f64 / 1000.0)),
                    _ => None,
                },
            });
        }
        NvidiaReading::Devices(devices)
    }
}

/// NVIDIA devices as snapshots; unified ones take the system pool from `system`.
pub fn snapshots(source: &dyn NvidiaSource, system: &MemorySnapshot) -> Vec<GpuSnapshot> {
    let NvidiaReading::Devices(devices) = source.read() else { return Vec::new() };
    devices
        .into_iter()
        .map(|d| {
            let (kind, dedicated, addressable, used, note) = match d.memory {
                NvidiaMemory::Dedicated { total, used } => (MemoryKind::Dedicated, Some(total), Some(total), Some(used), None),
                NvidiaMemory::NotSupported => (
                    MemoryKind::Unified,
                    None,
                    system.total_bytes,
                    system.used_bytes,
                    Some("NVML reports memory as not supported (unified memory, e.g. GB10 in DGX Spark): the GPU shares the system pool, shown here from /proc/meminfo.".to_string()),
                ),
                NvidiaMemory::Unknown => (MemoryKind::Dedicated, None, None, None, Some("NVML could not read this GPU's memory.".to_string())),
            };
            GpuSnapshot {
                name: d.name,
                vendor: "nvidia".into(),
                memory_kind: kind,
                dedicated_total_bytes: dedicated,
                shared_total_bytes: None,
                addressable_total_bytes: addressable,
                used_bytes: used,
                utilization_percent: d.utilization_percent,
                temperature_c: d.temperature_c,
                power_w: d.power_w,
                clock_mhz: d.clock_mhz,
                power_cap: d.power_limit_w.map(|(limit_w, default_w)| PowerCap { limit_w, default_w, path: None }),
                source: "NVML".into(),
                note,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(NvidiaReading);
    impl NvidiaSource for Fake {
        fn read(&self) -> NvidiaReading {
            self.0.clone()
        }
    }

    fn system() -> MemorySnapshot {
        MemorySnapshot { total_bytes: Some(128 << 30), available_bytes: Some(100 << 30), used_bytes: Some(28 << 30), source: "/proc/meminfo".into() }
    }

    fn device(memory: NvidiaMemory) -> NvidiaDevice {
        NvidiaDevice {
            name: "GPU".into(),
            memory,
            utilization_percent: Some(5.0),
            temperature_c: Some(40.0),
            power_w: Some(30.0),
            clock_mhz: Some(1500),
            power_limit_w: None,
        }
    }

    #[test]
    fn no_library_means_no_nvidia_gpus() {
        assert!(snapshots(&Fake(NvidiaReading::NoLibrary), &system()).is_empty());
        assert!(snapshots(&Fake(NvidiaReading::Failed("driver mismatch".into())), &system()).is_empty());
    }

    #[test]
    fn unsupported_memory_is_unified_and_uses_the_system_pool() {
        let gpus = snapshots(&Fake(NvidiaReading::Devices(vec![device(NvidiaMemory::NotSupported)])), &system());
        assert_eq!(gpus[0].memory_kind, MemoryKind::Unified);
        assert_eq!(gpus[0].addressable_total_bytes, Some(128 << 30));
        assert_eq!(gpus[0].used_bytes, Some(28 << 30));
        assert_eq!(gpus[0].dedicated_total_bytes, None);
        assert!(gpus[0].note.as_deref().unwrap().contains("not supported"));
    }

    #[test]
    fn a_discrete_card_reports_its_vram() {
        let gpus = snapshots(&Fake(NvidiaReading::Devices(vec![device(NvidiaMemory::Dedicated { total: 80 << 30, used: 1 << 30 })])), &system());
        assert_eq!(gpus[0].memory_kind, MemoryKind::Dedicated);
        assert_eq!(gpus[0].addressable_total_bytes, Some(80 << 30));
        assert_eq!(gpus[0].power_w, Some(30.0));
    }
}
