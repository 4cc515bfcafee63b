//! A benchmark's result, as `hearth bench --json` prints it, the store keeps it and the UI plots it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One `hearth bench` run: llama-bench's measures (`-p`, `-n`, depth) through Hearth's own
/// generation path, plus load time, time to first token, memory and energy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct BenchReport {
    pub model: String,
    pub model_path: String,
    pub quant: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    #[ts(type = "number")]
    pub parameters: u64,
    /// Where the layers ran: `cpu`, or the GPU backend's devices (e.g. `CUDA0`).
    pub backend: String,
    pub threads: u32,
    pub n_prompt: u32,
    pub n_gen: u32,
    pub depth: u32,
    pub reps: u32,
    pub load_ms: f64,
    pub ttft_prompt: u32,
    pub ttft_ms: Option<f64>,
    pub pp_tps: Option<f64>,
    pub pp_tps_stdev: Option<f64>,
    pub tg_tps: Option<f64>,
    pub tg_tps_stdev: Option<f64>,
    #[ts(type = "number | null")]
    pub peak_rss_bytes: Option<u64>,
    /// Average power while generating (CPU package + GPUs), where measurable.
    pub power_w: Option<f64>,
    pub joules_per_token: Option<f64>,
}
