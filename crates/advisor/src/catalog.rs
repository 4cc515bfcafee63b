//! The catalogs (models, machines, quant formats, backend constants, calibration results): data
//! files in `catalog/`, compiled in, each row with its source.

use std::sync::OnceLock;

use hearth_protocol::Phrase;
use serde::{Deserialize, Serialize};

use crate::AdvisorError;

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelSpec {
    pub id: String,
    pub name: String,
    /// Billions of parameters.
    pub params_total: f64,
    /// Billions active per token (MoE); the total for dense models.
    pub params_active: Option<f64>,
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    pub kv_heads: u32,
    pub head_dim: u32,
    pub vocab: u32,
    pub tied_embeddings: bool,
    pub experts: Option<u32>,
    pub experts_used: Option<u32>,
    pub expert_ffn: Option<u32>,
    pub experts_layers: Option<u32>,
    pub swa_layers: Option<u32>,
    pub swa_window: Option<u32>,
    pub mla_kv_dim: Option<u32>,
    pub native_ctx: u32,
    pub native_expert_type: Option<String>,
    pub source: String,
    /// A Hugging Face repo of GGUF files of this model, for the first-run recommendations.
    #[serde(default)]
    pub gguf_repo: Option<String>,
    /// Where that repo id is named (a document of the llama.cpp version Hearth vendors).
    #[serde(default)]
    pub gguf_repo_source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum HardwareKind {
    /// A GPU with its own VRAM, in a host with system RAM.
    Discrete,
    /// CPU and GPU share one memory pool.
    Unified,
    /// No GPU is used.
    Cpu,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct HardwareSpec {
    pub id: String,
    pub name: String,
    pub kind: HardwareKind,
    pub ram_gib: f64,
    pub gpu_memory_gib: f64,
    pub bandwidth_gbs: f64,
    pub host_bandwidth_gbs: f64,
    pub matmul_tflops: f64,
    pub backend: String,
    /// Every backend llama.cpp runs well on this machine, where there is a choice (Strix Halo:
    /// Vulkan and ROCm); the advisor then picks one per use.
    #[serde(default)]
    pub backends: Vec<String>,
    pub power_w: Option<f64>,
    pub price_usd: Option<f64>,
    pub source: String,
    pub note: Option<String>,
    /// `name` and `note` for the UI to say in the user's language, where the advisor wrote them
    /// (this machine); catalog machines have their names and notes as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name_phrase: Option<Phrase>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<Phrase>>")]
    pub note_phrases: Vec<Phrase>,
    /// Measured / predicted generation speed on this machine (its own benchmark runs), applied
    /// to every prediction for it; absent for catalog machines.
    #[serde(default)]
    pub tg_calibration: Option<f64>,
    /// The same for prompt processing.
    #[serde(default)]
    pub pp_calibration: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct QuantSpec {
    pub id: String,
    pub body_bpw: f64,
    pub embd_type: String,
    pub output_type: String,
    pub kld: Option<f64>,
    #[serde(default)]
    pub kld_imatrix: bool,
    pub dppl: Option<f64>,
    #[serde(default)]
    pub native_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Backend {
    pub id: String,
    pub bandwidth_efficiency: f64,
    pub layer_overhead_us: f64,
    pub compute_efficiency: f64,
    pub moe_compute_factor: f64,
    pub overhead_gib: f64,
    pub fit: String,
    /// Attention over the context while reading a prompt (flash attention on): the share of
    /// `matmul_tflops` it sustains near depth 0, and the depth at which that share has halved
    /// (0: it does not fall). Fitted on `catalog/depth.toml`.
    pub attention_efficiency: f64,
    #[serde(default)]
    pub attention_half_depth: f64,
    pub attention_fit: String,
    /// Generation at depth: the share of the bandwidth at which the attention kernels read the
    /// KV cache for one token, where it differs from the weights' share (`bandwidth_efficiency`,
    /// which it defaults to). Fitted on published runs at depth (`calibration.toml`).
    #[serde(default)]
    #[ts(optional)]
    pub kv_read_efficiency: Option<f64>,
    #[serde(default)]
    #[ts(optional)]
    pub kv_read_fit: Option<String>,
    /// Half-widths (relative) of the bands `predicted` carries for generation and prompt speed:
    /// how far apart published runs of one model on one machine land (`spread.toml`).
    pub tg_spread: f64,
    pub pp_spread: f64,
    pub spread_fit: String,
    /// Generation on a discrete card (its own memory over GDDR), where the constants differ from
    /// the unified machines the backend's row was fitted on (`[backend.discrete]`).
    #[serde(default)]
    #[ts(optional)]
    pub discrete: Option<DiscreteGeneration>,
}

/// The generation constants of a backend on a discrete card.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct DiscreteGeneration {
    pub bandwidth_efficiency: f64,
    pub layer_overhead_us: f64,
    /// Added per layer for each expert a token is routed to (routing and the expert kernels'
    /// own cost, beyond the bytes they read).
    pub expert_overhead_us: f64,
    pub fit: String,
    /// The share of the host's bandwidth at which the CPU reads the weights it holds beside the
    /// card during generation (routed experts with `--n-cpu-moe`, or whole layers): the kernels on
    /// the CPU and each offloaded layer's hand-over between the card and the host, per byte.
    /// Fitted on expert offload (`host_fit`); whole layers, with one hand-over, run faster per byte.
    pub host_efficiency: f64,
    pub host_fit: String,
}

/// The host's share of its bandwidth for weights the CPU holds beside a GPU, where no published
/// run calibrates it (unified machines): the CPU backend's own assumption.
pub const UNCALIBRATED_HOST_EFFICIENCY: f64 = 0.6;

/// The constants generation uses: `bandwidth_efficiency`, per-layer and per-expert costs (µs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenerationConstants {
    pub bandwidth_efficiency: f64,
    /// The share of the bandwidth the KV cache is read at (attention at depth).
    pub kv_read_efficiency: f64,
    pub layer_overhead_us: f64,
    pub expert_overhead_us: f64,
    /// The share of the host's bandwidth for weights the CPU holds beside the GPU.
    pub host_efficiency: f64,
}

impl Backend {
    /// The generation constants on `kind` of machine: the discrete ones where the backend has
    /// them and the machine is a discrete card, its own otherwise.
    pub fn generation_constants(&self, kind: HardwareKind) -> GenerationConstants {
        match (&self.discrete, kind) {
            // No published run at depth on a discrete card separates the two shares.
            (Some(d), HardwareKind::Discrete) => GenerationConstants {
                bandwidth_efficiency: d.bandwidth_efficiency,
                kv_read_efficiency: d.bandwidth_efficiency,
                layer_overhead_us: d.layer_overhead_us,
                expert_overhead_us: d.expert_overhead_us,
                host_efficiency: d.host_efficiency,
            },
            _ => GenerationConstants {
                bandwidth_efficiency: self.bandwidth_efficiency,
                kv_read_efficiency: self.kv_read_efficiency.unwrap_or(self.bandwidth_efficiency),
                layer_overhead_us: self.layer_overhead_us,
                expert_overhead_us: 0.0,
                host_efficiency: UNCALIBRATED_HOST_EFFICIENCY,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibrationRow {
    pub hardware: String,
    pub backend: String,
    pub model: String,
    pub quant: String,
    /// Prompt processing (pp512 / pp2048), where the run published it.
    #[serde(default)]
    pub pp_tps: Option<f64>,
    pub tg_tps: f64,
    /// The depth the generation run started at (llama-bench `tg N @ dD`, or the middle of a
    /// one-token-batch `pp N` run, which is generation over N tokens).
    #[serde(default)]
    pub depth: u32,
    /// A `pp N -ub 1` run: N one-token steps, which compute no output layer.
    #[serde(default)]
    pub one_token_batches: bool,
    /// The run kept the routed experts of this many layers in host memory (`--n-cpu-moe`).
    #[serde(default)]
    pub n_cpu_moe: Option<u32>,
    /// The run put this many layers on the GPU (`-ngl`) and the rest on the CPU.
    #[serde(default)]
    pub gpu_layers: Option<u32>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub models: Vec<ModelSpec>,
    pub hardware: Vec<HardwareSpec>,
    pub quants: Vec<QuantSpec>,
    pub backends: Vec<Backend>,
    pub calibration: Vec<CalibrationRow>,
    /// Host tuning checks' fixed text (`tuning.toml`).
    pub tuning: Vec<crate::tuning::TuningFact>,
    /// Known problems of a backend with a model family (`problems.toml`).
    pub problems: Vec<BackendProblem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct BackendProblem {
    pub backend: String,
    /// The GGUF architecture (`general.architecture`) it concerns.
    pub architecture: String,
    /// The machine it was seen on, where it is specific to one.
    #[serde(default)]
    pub hardware: Option<String>,
    pub what: String,
    pub source: String,
}

#[derive(Deserialize)]
struct Problems {
    problem: Vec<BackendProblem>,
}

#[derive(Deserialize)]
struct Models {
    model: Vec<ModelSpec>,
}
#[derive(Deserialize)]
struct Machines {
    hardware: Vec<HardwareSpec>,
}
#[derive(Deserialize)]
struct Quants {
    quant: Vec<QuantSpec>,
}
#[derive(Deserialize)]
struct Backends {
    backend: Vec<Backend>,
}
#[derive(Deserialize)]
struct Tuning {
    check: Vec<crate::tuning::TuningFact>,
}
#[derive(Deserialize)]
struct Calibration {
    row: Vec<CalibrationRow>,
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, AdvisorError> {
    toml::from_str(text).map_err(|e| AdvisorError::Catalog(format!("{name}: {e}")))
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::load().expect("the built-in catalog parses (tested)"))
    }

    fn load() -> Result<Catalog, AdvisorError> {
        Ok(Catalog {
            models: parse::<Models>("models.toml", include_str!("../catalog/models.toml"))?.model,
            hardware: parse::<Machines>("hardware.toml", include_str!("../catalog/hardware.toml"))?.hardware,
            quants: parse::<Quants>("quants.toml", include_str!("../catalog/quants.toml"))?.quant,
            backends: parse::<Backends>("backends.toml", include_str!("../catalog/backends.toml"))?.backend,
            calibration: parse::<Calibration>("calibration.toml", include_str!("../catalog/calibration.toml"))?.row,
            tuning: parse::<Tuning>("tuning.toml", include_str!("../catalog/tuning.toml"))?.check,
            problems: parse::<Problems>("problems.toml", include_str!("../catalog/problems.toml"))?.problem,
        })
    }

    pub fn model(&self, id: &str) -> Result<&ModelSpec, AdvisorError> {
        self.models.iter().find(|m| m.id.eq_ignore_ascii_case(id)).ok_or_else(|| AdvisorError::UnknownModel(id.into()))
    }
    pub fn machine(&self, id: &str) -> Result<&HardwareSpec, AdvisorError> {
        self.hardware.iter().find(|h| h.id.eq_ignore_ascii_case(id)).ok_or_else(|| AdvisorError::UnknownHardware(id.into()))
    }
    pub fn quant(&self, id: &str) -> Result<&QuantSpec, AdvisorError> {
        self.quants.iter().find(|q| q.id.eq_ignore_ascii_case(id)).ok_or_else(|| AdvisorError::UnknownQuant(id.into()))
    }
    pub fn backend(&self, id: &str) -> Result<&Backend, AdvisorError> {
        self.backends.iter().find(|b| b.id.eq_ignore_ascii_case(id)).ok_or_else(|| AdvisorError::UnknownBackend(id.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_parses_and_has_what_the_issue_names() {
        let c = Catalog::load().unwrap();
        for id in [
            "gpt-oss-120b",
            "gpt-oss-20b",
            "llama-2-7b",
            "llama-3.1-8b",
            "llama-3.3-70b",
            "qwen2.5-7b",
            "qwen3-30b-a3b",
            "qwen3-235b-a22b",
            "gemma-3-4b",
            "gemma-3-27b",
            "mistral-small-24b",
            "deepseek-v3",
        ] {
            assert!(!c.model(id).unwrap().source.is_empty(), "{id} has no source");
        }
        for id in [
            "strix-halo-395-128gb",
            "dgx-spark",
            "rtx-5090",
            "rtx-4090",
            "rtx-3090",
            "rtx-pro-6000",
            "rtx-2080-i9-10900x",
            "m4-max-128gb",
            "m3-ultra-512gb",
            "ddr5-6400-desktop",
        ] {
            let h = c.machine(id).unwrap();
            assert!(!h.source.is_empty(), "{id} has no source");
            c.backend(&h.backend).unwrap();
        }
        for row in &c.calibration {
            c.model(&row.model).unwrap();
            c.machine(&row.hardware).unwrap();
            c.quant(&row.quant).unwrap();
        }
    }
}
