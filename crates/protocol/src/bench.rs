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
    /// Speculative decoding measured beside plain decoding (`hearth bench --draft`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub speculative: Option<SpeculativeBench>,
}

/// A greedy answer that quotes a passage of its prompt, generated plainly and with drafts:
/// random tokens (what the other runs use) give drafts nothing to find.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SpeculativeBench {
    pub kind: crate::DraftKind,
    /// The draft model's file, for `model` drafts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub draft_model: Option<String>,
    /// Generation speed of the answer, tokens/s (mean over the repetitions).
    pub plain_tg_tps: f64,
    pub draft_tg_tps: f64,
    /// Draft tokens checked and kept, over all repetitions.
    pub proposed: u32,
    pub accepted: u32,
    /// Both ways wrote the same text in every repetition.
    pub same_text: bool,
}
