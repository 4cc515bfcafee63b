//! A refusal before loading when a model cannot fit, and a warning when it barely does. mmap
//! lets llama.cpp "load" a model larger than memory and then thrash, and a failed allocation may
//! abort: we check first and say why. What goes to the GPU (its layers, their KV cache, the
//! output layer) is compared with what the GPU can address — VRAM, plus on amdgpu the GTT
//! (system RAM it maps, capped by ttm's `pages_limit`), or on unified memory (DGX Spark's GB10)
//! the system pool — and what stays on the CPU (the embeddings, CPU layers, experts kept there
//! by `--n-cpu-moe`) with RAM. On a Strix Halo the carve-out is not in MemTotal: a 96 GB
//! carve-out leaves about 31 GB of MemTotal, yet the model fits in the carve-out.

use std::path::Path;

use hearth_advisor::{kv_cache_bytes, ModelShape, UBATCH};
use hearth_gguf::GgufFile;
use hearth_hardware::{GpuSnapshot, MemoryKind, Roots};
use hearth_protocol::KvCacheType;

/// Above this share of a pool a load is a tight fit: it loads, with a warning.
const TIGHT: f64 = 0.9;

/// Bytes the KV cache will take at `n_ctx`, by the advisor's formula (sliding-window layers and
/// MLA included); 0 for a file too odd to have a shape, which llama.cpp then judges itself.
pub fn kv_bytes(gguf: &GgufFile, path: &Path, n_ctx: u32, kv_type: KvCacheType) -> u64 {
    ModelShape::from_gguf(gguf, path).map_or(0, |shape| kv_cache_bytes(&shape, n_ctx, UBATCH, kv_type) as u64)
}

/// "64.0 GiB", or "97.6 MiB" under a GiB.
pub fn size_text(bytes: u64) -> String {
    if bytes < 1 << 30 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    }
}

/// Where a load puts its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    pub gpu_bytes: u64,
    pub cpu_bytes: u64,
}

/// What the load asks for, as llama.cpp places it: the last `gpu_layers` layers on the GPU (one
/// more than the layer count also puts the output layer there; `None` is all), the embeddings
/// always on the CPU, the experts of layers `0..n_cpu_moe` on the CPU, and each layer's share of
/// the KV cache where the layer is.
pub fn split(gguf: &GgufFile, kv_bytes: u64, gpu: bool, gpu_layers: Option<u32>, n_cpu_moe: u32) -> Split {
    let layers = gguf.arch_u64("block_count").unwrap_or(0) as u32;
    let offloaded = if gpu { gpu_layers.unwrap_or(layers + 1).min(layers + 1) } else { 0 };
    let first_gpu_layer = layers - offloaded.min(layers);
    let output_on_gpu = offloaded > layers;
    let mut s = Split::default();
    for t in &gguf.tensors {
        let layer: Option<u32> = t.name.strip_prefix("blk.").and_then(|r| r.split('.').next()).and_then(|n| n.parse().ok());
        let on_gpu = match layer {
            Some(i) if i < n_cpu_moe && t.name.contains("_exps") => false,
            Some(i) => i >= first_gpu_layer,
            None => output_on_gpu && t.name.starts_with("output"),
        };
        if on_gpu {
            s.gpu_bytes += t.bytes;
        } else {
            s.cpu_bytes += t.bytes;
        }
    }
    let kv_on_gpu = if layers == 0 { 0 } else { kv_bytes * u64::from(offloaded.min(layers)) / u64::from(layers) };
    s.gpu_bytes += kv_on_gpu;
    s.cpu_bytes += kv_bytes - kv_on_gpu;
    s
}

/// The memory a load can use.
#[derive(Debug, Clone, PartialEq)]
pub struct Pools {
    pub ram_total: u64,
    pub ram_available: u64,
    /// The GPUs the layers may go to, as the machine reports them (empty: unknown).
    pub gpus: Vec<GpuSnapshot>,
}

impl Pools {
    /// This machine's, from `/proc`, sysfs and NVML under `roots`.
    pub fn read(roots: &Roots) -> Option<Pools> {
        let m = hearth_hardware::system_memory(roots);
        let gpus = hearth_hardware::gpu_snapshots(roots);
        Some(Pools { ram_total: m.total_bytes?, ram_available: m.available_bytes?, gpus })
    }
}

/// What the check says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Fits,
    /// It loads, but with little to spare: the message says where.
    Tight(String),
    Refused(String),
}

/// The GPU side's capacity: (what it can address, the part of that which is system RAM, a
/// description of it).
fn gpu_capacity(gpus: &[GpuSnapshot], ram_available: u64) -> Option<(u64, u64, String)> {
    let mut total = 0;
    let mut from_ram = 0;
    let mut parts = Vec::new();
    for g in gpus {
        let mut addressable = g.addressable_total_bytes?;
        // GB10-style unified memory (NVML: memory "not supported"): the GPU allocates from the
        // system pool, so what is available now is what it can take.
        if g.vendor == "nvidia" && g.memory_kind == MemoryKind::Unified {
            addressable = addressable.min(ram_available);
        }
        total += addressable;
        match g.memory_kind {
            // amdgpu: VRAM (the carve-out on an APU) plus GTT, which is system RAM.
            _ if g.vendor == "amd" => {
                let vram = g.dedicated_total_bytes.unwrap_or(0);
                from_ram += addressable.saturating_sub(vram);
                parts.push(format!("{}: VRAM {} + GTT {}", g.name, size_text(vram), size_text(addressable.saturating_sub(vram))));
            }
            // GB10-style unified memory: the GPU's pool is system RAM.
            MemoryKind::Unified => {
                from_ram += addressable;
                parts.push(format!("{}: {} of unified memory available", g.name, size_text(addressable)));
            }
            _ => parts.push(format!("{}: {} of VRAM", g.name, size_text(addressable))),
        }
    }
    (total > 0).then(|| (total, from_ram, parts.join("; ")))
}

/// Judges `need` against `pools`.
pub fn judge(need: Split, pools: &Pools) -> Verdict {
    let mut tight = Vec::new();
    // GPU memory that is really system RAM (GTT, unified) counts against RAM too.
    let mut ram_need = need.cpu_bytes;
    if need.gpu_bytes > 0 {
        if let Some((capacity, from_ram, description)) = gpu_capacity(&pools.gpus, pools.ram_available) {
            if need.gpu_bytes > capacity {
                return Verdict::Refused(format!(
                    "the layers on the GPU need about {} but the GPU can address {} ({description}); {}",
                    size_text(need.gpu_bytes),
                    size_text(capacity),
                    gpu_fix(&pools.gpus, need.gpu_bytes, pools.ram_total)
                ));
            }
            if need.gpu_bytes as f64 > TIGHT * capacity as f64 {
                tight.push(format!("the GPU's {} of {}", size_text(need.gpu_bytes), size_text(capacity)));
            }
            let dedicated = capacity - from_ram;
            ram_need += need.gpu_bytes.saturating_sub(dedicated);
        }
    }
    if ram_need > pools.ram_total {
        return Verdict::Refused(format!(
            "the model needs about {} of memory ({} on the CPU{}) but this machine has {} of RAM in all; \
             choose a smaller quant or a shorter context",
            size_text(ram_need),
            size_text(need.cpu_bytes),
            if ram_need > need.cpu_bytes {
                format!(", {} of GPU memory that is system RAM", size_text(ram_need - need.cpu_bytes))
            } else {
                String::new()
            },
            size_text(pools.ram_total)
        ));
    }
    // Without a GPU, what is free now decides (with one, the weights may live in VRAM).
    if need.gpu_bytes == 0 && need.cpu_bytes > pools.ram_available {
        return Verdict::Refused(format!(
            "the model needs about {} but only {} of memory is available now; close other programs, choose a smaller \
             quant or a shorter context",
            size_text(need.cpu_bytes),
            size_text(pools.ram_available)
        ));
    }
    if ram_need as f64 > TIGHT * pools.ram_total as f64 {
        tight.push(format!("system memory's {} of {}", size_text(ram_need), size_text(pools.ram_total)));
    }
    if tight.is_empty() {
        Verdict::Fits
    } else {
        Verdict::Tight(format!("a tight fit: {} in use once loaded; other programs may be pushed to swap", tight.join(" and ")))
    }
}

/// How to make room on the GPU: on an amdgpu APU, raise the GTT cap; else fewer GPU layers.
fn gpu_fix(gpus: &[GpuSnapshot], need: u64, ram_total: u64) -> String {
    let apu = gpus.iter().any(|g| g.vendor == "amd" && g.memory_kind == MemoryKind::Unified);
    let generic = "put fewer layers on the GPU (GPU layers, --gpu-layers) or keep the experts of some layers on the CPU (--n-cpu-moe)";
    if apu {
        let vram = gpus.iter().filter_map(|g| g.dedicated_total_bytes).sum::<u64>();
        let gtt = need.saturating_sub(vram).max(1 << 30).min(ram_total.saturating_sub(4 << 30)).div_ceil(1 << 30) << 30;
        format!(
            "raise the GTT limit to at least {} with the kernel parameters {} (then reboot; `hearth hardware --check-tuning` says how), or {generic}",
            size_text(gtt),
            hearth_advisor::gtt_kernel_parameters(gtt)
        )
    } else {
        generic.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn discrete(vram: u64) -> GpuSnapshot {
        GpuSnapshot {
            name: "RTX 4090".into(),
            vendor: "nvidia".into(),
            memory_kind: MemoryKind::Dedicated,
            dedicated_total_bytes: Some(vram),
            shared_total_bytes: None,
            addressable_total_bytes: Some(vram),
            used_bytes: None,
            utilization_percent: None,
            temperature_c: None,
            power_w: None,
            clock_mhz: None,
            power_cap: None,
            source: String::new(),
            note: None,
        }
    }

    #[test]
    fn unified_nvidia_memory_counts_what_is_available_now() {
        // A DGX Spark (GB10): NVML reports no memory of its own; the pool is the system's.
        let gb10 = GpuSnapshot {
            name: "NVIDIA GB10".into(),
            memory_kind: MemoryKind::Unified,
            dedicated_total_bytes: None,
            addressable_total_bytes: Some(119 * GIB),
            ..discrete(0)
        };
        let pools = Pools { ram_total: 119 * GIB, ram_available: 100 * GIB, gpus: vec![gb10] };
        let Verdict::Refused(why) = judge(Split { gpu_bytes: 110 * GIB, cpu_bytes: GIB }, &pools) else { panic!() };
        assert!(why.contains("NVIDIA GB10: 100.0 GiB of unified memory available"), "{why}");
        assert_eq!(judge(Split { gpu_bytes: 64 * GIB, cpu_bytes: GIB }, &pools), Verdict::Fits);
    }

    #[test]
    fn a_model_larger_than_memory_is_refused_with_numbers() {
        let pools = Pools { ram_total: 64 * GIB, ram_available: 60 * GIB, gpus: vec![] };
        let Verdict::Refused(why) = judge(Split { gpu_bytes: 0, cpu_bytes: 72 * GIB }, &pools) else { panic!() };
        assert!(why.contains("64.0 GiB"), "{why}");
    }

    #[test]
    fn available_memory_counts_only_without_gpu_offload() {
        let pools = Pools { ram_total: 64 * GIB, ram_available: 5 * GIB, gpus: vec![discrete(24 * GIB)] };
        assert!(matches!(judge(Split { gpu_bytes: 0, cpu_bytes: 10 * GIB }, &pools), Verdict::Refused(_)));
        assert_eq!(judge(Split { gpu_bytes: 10 * GIB, cpu_bytes: GIB }, &pools), Verdict::Fits);
    }

    #[test]
    fn a_discrete_gpu_refuses_more_than_its_vram_and_says_what_to_do() {
        let pools = Pools { ram_total: 128 * GIB, ram_available: 120 * GIB, gpus: vec![discrete(24 * GIB)] };
        let Verdict::Refused(why) = judge(Split { gpu_bytes: 60 * GIB, cpu_bytes: GIB }, &pools) else { panic!() };
        assert!(why.contains("RTX 4090: 24.0 GiB of VRAM") && why.contains("--n-cpu-moe"), "{why}");
        let Verdict::Tight(why) = judge(Split { gpu_bytes: 23 * GIB, cpu_bytes: GIB }, &pools) else { panic!() };
        assert!(why.contains("23.0 GiB of 24.0 GiB"), "{why}");
    }
}
