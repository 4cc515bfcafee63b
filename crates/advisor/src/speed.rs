//! Predicted speed. Generation reads the active weights (and the KV cache up to the depth, at the
//! attention kernels' own share of the bandwidth) once per token, so it is bounded by memory
//! bandwidth times the backend's efficiency, plus a
//! fixed cost per layer; prompt processing is bounded by matrix throughput, plus attention over
//! the context already read, which grows with the depth (and, on some backends, gets less
//! efficient as it grows).

use serde::Serialize;

use hearth_protocol::KvCacheType;

use crate::memory::{kv_cells, UBATCH};
use crate::{AdvisorError, Backend, Fit, HardwareKind, HardwareSpec, ModelShape, Placement, QuantSpec, TensorClass};

#[derive(Debug, Clone, Copy, Default, Serialize, ts_rs::TS)]
pub struct Predicted {
    /// Prompt processing at the requested depth, tokens/s.
    pub pp_tps: f64,
    /// Prompt processing with an empty context, tokens/s.
    pub pp_tps_start: f64,
    /// Seconds to read the requested depth's worth of prompt into an empty context (a document
    /// of that many tokens), attention's growth included.
    pub prefill_seconds: f64,
    /// Generation at the requested depth, tokens/s.
    pub tg_tps: f64,
    /// Generation with an empty context, tokens/s.
    pub tg_tps_start: f64,
    /// The bands around `tg_tps` and `pp_tps` that published runs of one model on one machine
    /// span (builds, drivers, stacks): "about 42 tok/s (40-44)".
    pub tg_low: f64,
    pub tg_high: f64,
    pub pp_low: f64,
    pub pp_high: f64,
}

/// PCIe 4.0 x16 in practice: weights held by the CPU are streamed to the GPU for each prompt batch.
const PCIE_BYTES_PER_S: f64 = 25e9;

#[allow(clippy::too_many_arguments)]
pub fn predict(
    shape: &ModelShape,
    quant: Option<&QuantSpec>,
    hw: &HardwareSpec,
    backend: &Backend,
    placement: &Placement,
    ctx: u32,
    depth: u32,
    kv_type: KvCacheType,
) -> Result<Predicted, AdvisorError> {
    if placement.fit == Fit::No {
        return Ok(Predicted::default());
    }
    let active = shape.active_weight_bytes(quant)?;
    // Bytes of active weights the CPU side reads per token.
    let cpu_active = if placement.n_cpu_moe > 0 {
        shape.group_bytes(TensorClass::Experts, quant)? * shape.expert_share() * placement.n_cpu_moe as f64 / shape.layers as f64
    } else if placement.fit == Fit::Cpu {
        active
    } else {
        active * (shape.layers - placement.gpu_layers) as f64 / shape.layers as f64
    };
    let gpu_active = active - cpu_active;
    let constants = backend.generation_constants(hw.kind);
    let (gpu_bw, cpu_bw) = if hw.kind == HardwareKind::Cpu || placement.fit == Fit::Cpu {
        (0.0, hw.bandwidth_gbs * 1e9 * constants.bandwidth_efficiency)
    } else {
        (hw.bandwidth_gbs * 1e9 * constants.bandwidth_efficiency, hw.host_bandwidth_gbs * 1e9 * constants.host_efficiency)
    };
    // The attention kernels read the cache at their own share of the bandwidth (`kv_read_efficiency`).
    let gpu_kv_bw = gpu_bw * constants.kv_read_efficiency / constants.bandwidth_efficiency;
    let per_cell = shape.kv_values_per_token * kv_type.bytes_per_value();
    let (_, swa_cells) = kv_cells(shape, ctx, UBATCH);
    let kv_read = |depth: f64| per_cell * (shape.full_layers as f64 * depth + shape.swa_layers as f64 * depth.min(swa_cells));
    let experts_per_layer = if shape.is_moe() { shape.experts_used as f64 } else { 0.0 };
    let overhead = shape.layers as f64 * (constants.layer_overhead_us + experts_per_layer * constants.expert_overhead_us) * 1e-6;
    let seconds = |depth: f64| {
        let kv = kv_read(depth);
        let gpu_share = if active > 0.0 { gpu_active / active } else { 0.0 };
        let on = |bytes: f64, bw: f64| if bytes > 0.0 { bytes / bw } else { 0.0 };
        on(gpu_active, gpu_bw) + on(kv * gpu_share, gpu_kv_bw) + on(cpu_active + kv * (1.0 - gpu_share), cpu_bw) + overhead
    };
    // This machine's own benchmark results, where the spec carries them, correct the physics.
    let tg_scale = hw.tg_calibration.unwrap_or(1.0);
    let pp_scale = hw.pp_calibration.unwrap_or(1.0);
    let tg_start = tg_scale / seconds(0.0);
    let tg = tg_scale / seconds(depth.min(ctx) as f64);

    let flops_per_token = 2.0 * shape.params_active();
    let moe = if shape.is_moe() { backend.moe_compute_factor } else { 1.0 };
    let mut pp_seconds = flops_per_token / (hw.matmul_tflops * 1e12 * backend.compute_efficiency * moe);
    if placement.fit == Fit::Partial && hw.kind == HardwareKind::Discrete {
        // llama.cpp copies CPU-held weights to the GPU for each 512-token batch.
        pp_seconds += placement.cpu_bytes / PCIE_BYTES_PER_S / 512.0;
    }
    let depth = depth.min(ctx) as f64;
    let at = |d: f64| (pp_seconds + attention_seconds(shape, hw, backend, d)) / pp_scale;
    // The prompt read from empty to `depth`: the per-token cost integrated (midpoints).
    const STEPS: usize = 64;
    let step = depth / STEPS as f64;
    let prefill_seconds = (0..STEPS).map(|i| at((i as f64 + 0.5) * step) * step).sum();
    let pp = 1.0 / at(depth);
    Ok(Predicted {
        pp_tps: pp,
        pp_tps_start: 1.0 / at(0.0),
        prefill_seconds,
        tg_tps: tg,
        tg_tps_start: tg_start,
        tg_low: tg * (1.0 - backend.tg_spread),
        tg_high: tg * (1.0 + backend.tg_spread),
        pp_low: pp * (1.0 - backend.pp_spread),
        pp_high: pp * (1.0 + backend.pp_spread),
    })
}

/// FLOPs attention spends per prompt token at `depth`: QKᵀ and the weighted sum of values, two
/// FLOPs per multiply-add each, over every key in reach (all of them in full-attention layers,
/// the window in sliding-window ones).
pub fn attention_flops(shape: &ModelShape, depth: f64) -> f64 {
    let keys = shape.full_layers as f64 * depth + shape.swa_layers as f64 * depth.min(shape.swa_window as f64);
    4.0 * shape.heads as f64 * shape.head_dim * keys
}

/// Seconds attention adds to each prompt token at `depth` on `backend`, beyond what it costs
/// near depth 0 (which the matrix fit already holds).
pub fn attention_seconds(shape: &ModelShape, hw: &HardwareSpec, backend: &Backend, depth: f64) -> f64 {
    let sustained = hw.matmul_tflops * 1e12 * backend.attention_efficiency;
    if sustained <= 0.0 {
        return 0.0;
    }
    let slowdown = if backend.attention_half_depth > 0.0 { 1.0 + depth / backend.attention_half_depth } else { 1.0 };
    attention_flops(shape, depth) * slowdown / sustained
}
