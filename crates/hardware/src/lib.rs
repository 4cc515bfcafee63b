//! Hardware snapshots. Each source has its own module and degrades quietly: a missing or
//! unreadable file makes that value `None` (JSON `null`), never an error or a made-up number.
//! Every reader takes its roots (`/sys`, `/proc`) from [`Roots`], so a machine can be replayed
//! from a copied tree (tests, bug reports). sysinfo cannot read a replayed tree, hence our own
//! small readers for `/proc`.

mod amdgpu;
pub mod apple;
mod cpu;
mod host;
mod hwmon;
mod memory;
mod nvidia;
mod powercap;
mod sysfs;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

pub use host::{read as host_settings, FirmwarePackage, HostSettings};
pub use memory::read as system_memory;
pub use nvidia::{NvidiaDevice, NvidiaReading, NvidiaSource, NvmlSource};

/// This machine's physical cores (SMT siblings once), where `/proc/cpuinfo` says.
pub fn physical_cores() -> Option<u32> {
    cpu::physical_cores(&Roots::default())
}

/// Where `/sys` and `/proc` are.
#[derive(Debug, Clone)]
pub struct Roots {
    pub sysfs: PathBuf,
    pub proc: PathBuf,
}

impl Default for Roots {
    fn default() -> Self {
        Roots { sysfs: "/sys".into(), proc: "/proc".into() }
    }
}

#[derive(Debug, Clone, Serialize, TS, PartialEq)]
pub struct MemorySnapshot {
    #[ts(type = "number | null")]
    pub total_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub available_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub used_bytes: Option<u64>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, TS, PartialEq)]
pub struct CpuSnapshot {
    pub name: Option<String>,
    pub cores: Option<u32>,
    pub usage_percent: Option<f64>,
    pub temperature_c: Option<f64>,
    /// Package power from RAPL energy counters, where readable.
    pub power_w: Option<f64>,
    pub source: String,
}

#[derive(Debug, Clone, Copy, Serialize, TS, PartialEq, Eq)]
pub enum MemoryKind {
    /// A discrete card's own VRAM only (NVML on a discrete NVIDIA GPU).
    #[serde(rename = "dedicated")]
    Dedicated,
    /// One pool shared with the CPU (Strix Halo's carve-out + GTT, DGX Spark's GB10).
    #[serde(rename = "unified")]
    Unified,
    /// A discrete card's VRAM plus system RAM it can map (amdgpu GTT).
    #[serde(rename = "dedicated+shared")]
    DedicatedAndShared,
}

#[derive(Debug, Clone, Serialize, TS, PartialEq)]
pub struct GpuSnapshot {
    pub name: String,
    pub vendor: String,
    pub memory_kind: MemoryKind,
    #[ts(type = "number | null")]
    pub dedicated_total_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub shared_total_bytes: Option<u64>,
    /// What llama.cpp can put on this GPU: VRAM plus GTT on amdgpu, the system pool on unified NVIDIA.
    #[ts(type = "number | null")]
    pub addressable_total_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub used_bytes: Option<u64>,
    pub utilization_percent: Option<f64>,
    pub temperature_c: Option<f64>,
    pub power_w: Option<f64>,
    pub clock_mhz: Option<u32>,
    /// The power cap in force and the GPU's default, where the driver says both (discrete amdgpu
    /// hwmon, NVML; amdgpu shows none for Strix Halo, whose limits are the platform profile's).
    pub power_cap: Option<PowerCap>,
    /// Where the numbers come from, and anything the user should know about them.
    pub source: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS, PartialEq)]
pub struct PowerCap {
    pub limit_w: f64,
    pub default_w: f64,
    /// The sysfs file that sets it (amdgpu's hwmon `power1_cap`, microwatts); none for NVIDIA.
    pub path: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS, PartialEq)]
pub struct SensorReading {
    pub label: String,
    /// `cpu`, `gpu`, `memory`, `storage` or `other`.
    pub kind: String,
    pub temperature_c: f64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, TS, PartialEq)]
pub struct HardwareSnapshot {
    pub memory: MemorySnapshot,
    pub cpu: CpuSnapshot,
    pub gpus: Vec<GpuSnapshot>,
    pub sensors: Vec<SensorReading>,
}

impl HardwareSnapshot {
    /// Names this machine for keeping results apart: CPU, GPUs, RAM (e.g. "AMD Ryzen AI Max+ 395
    /// · AMD Radeon 8060S · 128 GiB"). Stable across runs, readable in a list.
    pub fn machine_label(&self) -> String {
        let mut parts = vec![self.cpu.name.clone().unwrap_or_else(|| "unknown CPU".into())];
        parts.extend(self.gpus.iter().map(|g| g.name.clone()));
        if let Some(total) = self.memory.total_bytes {
            parts.push(format!("{:.0} GiB", total as f64 / (1u64 << 30) as f64));
        }
        parts.join(" · ")
    }
}

/// Takes snapshots; keeps the previous CPU and energy counters so that load and power are
/// measured over the interval between two snapshots.
pub struct Probe {
    roots: Roots,
    nvidia: Box<dyn NvidiaSource>,
    last_cpu: Option<cpu::CpuTimes>,
    last_energy: Option<powercap::EnergySample>,
}

impl Probe {
    /// The host settings of the machine this probe reads (see [`HostSettings`]).
    pub fn host_settings(&self) -> HostSettings {
        host::read(&self.roots)
    }

    pub fn new(roots: Roots, nvidia: Box<dyn NvidiaSource>) -> Probe {
        Probe { roots, nvidia, last_cpu: None, last_energy: None }
    }

    /// The real machine, NVIDIA through NVML when its library is present.
    pub fn system() -> Probe {
        Probe::new(Roots::default(), Box::new(NvmlSource::load()))
    }

    /// A snapshot whose load and power cover the time since the previous one (or `warmup` when
    /// this is the first).
    pub fn snapshot(&mut self, warmup: Duration) -> HardwareSnapshot {
        if self.last_cpu.is_none() {
            self.last_cpu = cpu::read_times(&self.roots);
            self.last_energy = powercap::read_energy(&self.roots);
            std::thread::sleep(warmup);
        }
        let times = cpu::read_times(&self.roots);
        let energy = powercap::read_energy(&self.roots);
        let usage = match (&self.last_cpu, &times) {
            (Some(a), Some(b)) => cpu::usage_percent(a, b),
            _ => None,
        };
        let power = match (&self.last_energy, &energy) {
            (Some(a), Some(b)) => powercap::power_w(a, b),
            _ => None,
        };
        self.last_cpu = times;
        self.last_energy = energy;

        let memory = memory::read(&self.roots);
        let sensors = hwmon::read_all(&self.roots);
        let mut gpus = amdgpu::read_all(&self.roots);
        gpus.extend(nvidia::snapshots(self.nvidia.as_ref(), &memory));
        // Apple silicon's Metal device (nothing off macOS).
        if let Some(metal) = apple::read() {
            gpus.push(apple::snapshot(&metal, &memory));
        }
        HardwareSnapshot {
            cpu: CpuSnapshot {
                name: cpu::name(&self.roots),
                cores: cpu::logical_cores(&self.roots),
                usage_percent: usage,
                temperature_c: hwmon::cpu_temperature(&sensors),
                power_w: power,
                source: "/proc/cpuinfo, /proc/stat (load), hwmon (temperature), powercap RAPL (power)".into(),
            },
            memory,
            gpus,
            sensors,
        }
    }
}

/// The GPUs of the machine under `roots` (amdgpu sysfs, NVML, Metal), without sampling load:
/// what the pre-load memory check compares a model with.
pub fn gpu_snapshots(roots: &Roots) -> Vec<GpuSnapshot> {
    let memory = memory::read(roots);
    let mut gpus = amdgpu::read_all(roots);
    // NVML belongs to the real machine; a replayed root has no NVIDIA GPU.
    if roots.sysfs == std::path::Path::new("/sys") {
        gpus.extend(nvidia::snapshots(&NvmlSource::load(), &memory));
        if let Some(metal) = apple::read() {
            gpus.push(apple::snapshot(&metal, &memory));
        }
    }
    gpus
}

pub fn typescript_declarations() -> Vec<String> {
    vec![
        MemorySnapshot::decl(),
        CpuSnapshot::decl(),
        MemoryKind::decl(),
        GpuSnapshot::decl(),
        PowerCap::decl(),
        SensorReading::decl(),
        HardwareSnapshot::decl(),
    ]
}
