//! Predicted speed. Generation reads the active weights (and the KV cache up to the depth)
//! once per token, so it is bounded by memory bandwidth times the backend's efficiency, plus a
//! fixed cost per layer; prompt processing is bounded by matrix throughput.

use serde::Serialize;

use hearth_protocol::KvCacheType;

use crate::memory::{kv_cells, UBATCH};
use crate::{AdvisorError, Backend, Fit, HardwareKind, HardwareSpec, ModelShape, Placement, QuantSpec, TensorClass};

#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct Predicted {
    /// Prompt processing, tokens/s.
    pub pp_tps: f64,
    /// Generation at the requested depth, tokens/s.
    pub tg_tps: f64,
    /// Generation with an empty context, tokens/s.
    pub tg_tps_start: f64,
}

/// PCIe 4.0 x16 in practice: weights held by the CPU are streamed to the GPU for each prompt batch.
const PCIE_BYTES_PER_S: f64 = 25e9;
/// The CPU backend's share of bandwidth when it works on offloaded weights.
const CPU_SIDE_EFFICIENCY: f64 = 0.6;

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
        return Ok(Predicted { pp_tps: 0.0, tg_tps: 0.0, tg_tps_start: 0.0 });
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
    let (gpu_bw, cpu_bw) = if hw.kind == HardwareKind::Cpu || placement.fit == Fit::Cpu {
        (0.0, hw.bandwidth_gbs * 1e9 * backend.bandwidth_efficiency)
    } else {
        (hw.bandwidth_gbs * 1e9 * backend.bandwidth_efficiency, hw.host_bandwidth_gbs * 1e9 * CPU_SIDE_EFFICIENCY)
    };
    let per_cell = shape.kv_values_per_token * kv_type.bytes_per_value();
    let (_, swa_cells) = kv_cells(shape, ctx, UBATCH);
    let kv_read = |depth: f64| per_cell * (shape.full_layers as f64 * depth + shape.swa_layers as f64 * depth.min(swa_cells));
    let overhead = shape.layers as f64 * backend.layer_overhead_us * 1e-6;
    let seconds = |depth: f64| {
        let kv = kv_read(depth);
        let gpu_share = if active > 0.0 { gpu_active / active } else { 0.0 };
        let on = |bytes: f64, bw: f64| if bytes > 0.0 { bytes / bw } else { 0.0 };
        on(gpu_active + kv * gpu_share, gpu_bw) + on(cpu_active + kv * (1.0 - gpu_share), cpu_bw) + overhead
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
    Ok(Predicted { pp_tps: pp_scale / pp_seconds, tg_tps: tg, tg_tps_start: tg_start })
}
