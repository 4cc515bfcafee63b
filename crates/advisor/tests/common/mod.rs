//! What the advisor's judging tests share.
#![allow(dead_code)] // each test crate uses some of these

/// The `p` quantile (0..=1) of `xs`, nearest rank.
pub fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() as f64 * p).ceil() as usize).clamp(1, xs.len()) - 1]
}

use hearth_advisor::{Catalog, HardwareSpec, ModelShape, TensorClass};

/// A prediction of generation turned into the speed of a `pp N -ub 1` run: N steps of one token
/// each, in which llama.cpp computes no output layer (no logits asked for), so the bytes of the
/// output layer are not read.
pub fn one_token_batch_speed(c: &Catalog, tg_tps: f64, shape: &ModelShape, quant: &str, hw: &HardwareSpec, backend: &str) -> f64 {
    let output = shape.group_bytes(TensorClass::Output, Some(c.quant(quant).unwrap())).unwrap();
    let constants = c.backend(backend).unwrap().generation_constants(hw.kind);
    let gpu_bytes_per_s = hw.bandwidth_gbs * 1e9 * constants.bandwidth_efficiency;
    1.0 / (1.0 / tg_tps - output / gpu_bytes_per_s)
}
