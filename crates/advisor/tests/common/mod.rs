//! What the advisor's judging tests share.
#![allow(dead_code)] // each test crate uses some of these

/// The `p` quantile (0..=1) of `xs`, nearest rank.
pub fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() as f64 * p).ceil() as usize).clamp(1, xs.len()) - 1]
}

use hearth_advisor::{
    estimate_memory, place, predict, Catalog, Fit, HardwareSpec, KvCacheType, MemoryParams, ModelShape, Predicted, TensorClass, GIB, UBATCH,
};

/// A prediction of generation turned into the speed of a `pp N -ub 1` run: N steps of one token
/// each, in which llama.cpp computes no output layer (no logits asked for), so the bytes of the
/// output layer are not read.
pub fn one_token_batch_speed(c: &Catalog, tg_tps: f64, shape: &ModelShape, quant: &str, hw: &HardwareSpec, backend: &str) -> f64 {
    let output = shape.group_bytes(TensorClass::Output, Some(c.quant(quant).unwrap())).unwrap();
    let constants = c.backend(backend).unwrap().generation_constants(hw.kind);
    let gpu_bytes_per_s = hw.bandwidth_gbs * 1e9 * constants.bandwidth_efficiency;
    1.0 / (1.0 / tg_tps - output / gpu_bytes_per_s)
}

/// Where a run put the model when it chose for itself rather than as the advisor would: the
/// routed experts of `n_cpu_moe` layers in host memory (`--n-cpu-moe`), or `gpu_layers` layers on
/// the card (`-ngl`) and the rest on the CPU.
#[derive(Clone, Copy)]
pub enum RunPlacement {
    ExpertsOnHost(u32),
    LayersOnGpu(u32),
}

/// The prediction for a run placed as `run`.
#[allow(clippy::too_many_arguments)]
pub fn predicted_as_placed(
    c: &Catalog,
    shape: &ModelShape,
    quant: &str,
    hw: &HardwareSpec,
    backend: &str,
    ctx: u32,
    depth: u32,
    run: RunPlacement,
) -> Predicted {
    let quant = c.quant(quant).unwrap();
    let backend = c.backend(backend).unwrap();
    let params = MemoryParams { ctx, kv_type: KvCacheType::F16, ubatch: UBATCH, flash_attention: true, overhead_bytes: backend.overhead_gib * GIB };
    let memory = estimate_memory(shape, Some(quant), &params).unwrap();
    let mut placement = place(shape, Some(quant), &memory, hw).unwrap();
    let (gpu_layers, n_cpu_moe, on_host) = match run {
        RunPlacement::ExpertsOnHost(k) => {
            (shape.layers, k, shape.group_bytes(TensorClass::Experts, Some(quant)).unwrap() * k as f64 / shape.layers as f64)
        }
        RunPlacement::LayersOnGpu(n) => (n, 0, memory.total_bytes * (shape.layers - n.min(shape.layers)) as f64 / shape.layers as f64),
    };
    placement.fit = Fit::Partial;
    placement.gpu_layers = gpu_layers;
    placement.n_cpu_moe = n_cpu_moe;
    placement.cpu_bytes = on_host;
    placement.gpu_bytes = memory.total_bytes - on_host;
    predict(shape, Some(quant), hw, backend, &placement, ctx, depth, KvCacheType::F16).unwrap()
}

/// How a published run placed the model, from its row's `n_cpu_moe` / `gpu_layers`.
pub fn run_placement(n_cpu_moe: Option<u32>, gpu_layers: Option<u32>) -> Option<RunPlacement> {
    match (n_cpu_moe, gpu_layers) {
        (Some(k), _) => Some(RunPlacement::ExpertsOnHost(k)),
        (None, Some(n)) => Some(RunPlacement::LayersOnGpu(n)),
        (None, None) => None,
    }
}
