//! Where the model goes on a machine: all on the GPU, in unified memory, split (MoE experts of
//! some layers, or whole layers, kept by the CPU), all on the CPU, or nowhere.

use serde::{Deserialize, Serialize};

use crate::{AdvisorError, HardwareKind, HardwareSpec, MemoryEstimate, ModelShape, QuantSpec, TensorClass, GIB};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Everything in a discrete GPU's VRAM.
    Gpu,
    /// Everything in the GPU-addressable part of a unified pool.
    Unified,
    /// Split between GPU and CPU memory.
    Partial,
    /// A machine without a GPU: everything in RAM.
    Cpu,
    /// Does not fit at all.
    No,
}

#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct Placement {
    pub fit: Fit,
    /// Layers on the GPU (all of them when the model fits).
    pub gpu_layers: u32,
    /// Layers whose routed experts stay in CPU memory (`--n-cpu-moe`).
    pub n_cpu_moe: u32,
    pub gpu_bytes: f64,
    pub cpu_bytes: f64,
    /// What the GPU can hold for models, and what system RAM can, on this machine.
    pub gpu_pool_bytes: f64,
    pub ram_pool_bytes: f64,
}

/// System RAM left to the OS and other programs (an assumption: a desktop session's usual share).
const OS_RESERVE_GIB: f64 = 4.0;
/// VRAM a discrete card keeps for the display and the driver (an assumption, not measured here).
const VRAM_RESERVE_GIB: f64 = 0.5;

pub fn gpu_pool_bytes(hw: &HardwareSpec) -> f64 {
    match hw.kind {
        HardwareKind::Discrete => (hw.gpu_memory_gib - VRAM_RESERVE_GIB).max(0.0) * GIB,
        HardwareKind::Unified => hw.gpu_memory_gib.min(hw.ram_gib - OS_RESERVE_GIB).max(0.0) * GIB,
        HardwareKind::Cpu => 0.0,
    }
}

pub fn ram_pool_bytes(hw: &HardwareSpec) -> f64 {
    (hw.ram_gib - OS_RESERVE_GIB).max(0.0) * GIB
}

pub fn place(shape: &ModelShape, quant: Option<&QuantSpec>, mem: &MemoryEstimate, hw: &HardwareSpec) -> Result<Placement, AdvisorError> {
    let gpu_pool = gpu_pool_bytes(hw);
    let ram_pool = ram_pool_bytes(hw);
    let total = mem.total_bytes;
    let all = |fit, gpu: f64, cpu: f64, layers| Placement {
        fit,
        gpu_layers: layers,
        n_cpu_moe: 0,
        gpu_bytes: gpu,
        cpu_bytes: cpu,
        gpu_pool_bytes: gpu_pool,
        ram_pool_bytes: ram_pool,
    };
    let nowhere = all(Fit::No, 0.0, 0.0, 0);
    if hw.kind == HardwareKind::Cpu || gpu_pool <= 0.0 {
        return Ok(if total <= ram_pool { all(Fit::Cpu, 0.0, total, 0) } else { nowhere });
    }
    if total <= gpu_pool {
        let fit = if hw.kind == HardwareKind::Unified { Fit::Unified } else { Fit::Gpu };
        return Ok(all(fit, total, 0.0, shape.layers));
    }
    // On a unified machine the CPU's share comes out of the same pool.
    let cpu_room = |cpu_bytes: f64| match hw.kind {
        HardwareKind::Unified => total <= ram_pool,
        _ => cpu_bytes <= ram_pool,
    };
    let excess = total - gpu_pool;

    // MoE: keep the experts of the first k layers in CPU memory (llama.cpp's --n-cpu-moe).
    let experts = shape.group_bytes(TensorClass::Experts, quant)?;
    let moe_layers = if shape.is_moe() { experts_layer_count(shape) } else { 0 };
    if moe_layers > 0 {
        let per_layer = experts / moe_layers as f64;
        let k = (excess / per_layer).ceil() as u32;
        if k <= moe_layers && cpu_room(k as f64 * per_layer) {
            let cpu = k as f64 * per_layer;
            return Ok(Placement { n_cpu_moe: k, ..all(Fit::Partial, total - cpu, cpu, shape.layers) });
        }
    }
    // Whole layers: what stays on the GPU besides the layers, then as many layers as fit.
    let fixed = mem.compute_bytes + mem.overhead_bytes + shape.group_bytes(TensorClass::Output, quant)?;
    let per_layer = (shape.group_bytes(TensorClass::Layer, quant)? + experts + mem.kv_bytes) / shape.layers as f64;
    let gpu_layers = (((gpu_pool - fixed) / per_layer).floor().max(0.0) as u32).min(shape.layers);
    let cpu = (shape.layers - gpu_layers) as f64 * per_layer + shape.group_bytes(TensorClass::TokenEmbd, quant)?;
    if gpu_layers == 0 {
        return Ok(if total <= ram_pool { all(Fit::Partial, 0.0, total, 0) } else { nowhere });
    }
    if !cpu_room(cpu) {
        return Ok(nowhere);
    }
    Ok(all(Fit::Partial, total - cpu, cpu, gpu_layers))
}

/// Layers that have routed experts (all of them but a few dense ones in DeepSeek).
fn experts_layer_count(shape: &ModelShape) -> u32 {
    // The catalog and GGUF shapes both put every layer's experts in one group; DeepSeek's first
    // three layers are dense, which the per-layer size below absorbs.
    shape.layers
}
