//! The flags that say where a model's layers go, shared by every command that loads a model for
//! the user (`chat`, `ask`, `serve`, `bench`).

use std::path::Path;

use clap::Args;
use hearth_core::settings::{launch_settings, SettingsOverrides};
use hearth_protocol::{FlashAttention, KvCacheType, ModelSettings};
use hearth_store::{HearthHome, Store};

/// `--ctx`: at least 64 tokens, as the engine and the advisor take it (a smaller value was
/// raised to 64 without a word, and `dry-run --ctx 0` reported "at 0 tokens").
pub fn context_length() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(i64::from(ModelSettings::MIN_CONTEXT)..)
}

#[derive(Args, Clone)]
pub struct PlacementArgs {
    /// Layers on the GPU (default: all of them).
    #[arg(long = "gpu-layers")]
    pub gpu_layers: Option<u32>,
    /// The devices the GPU layers go to, by llama.cpp's names (`hearth devices` lists them), e.g.
    /// `--device Vulkan0` or `--device CUDA0,CUDA1`; `--device CPU` keeps the model on the CPU.
    #[arg(long = "device", value_name = "NAME[,NAME]", value_delimiter = ',')]
    pub devices: Vec<String>,
    /// Keep the routed experts of the first N layers in CPU memory (MoE models larger than the GPU).
    #[arg(long = "n-cpu-moe", value_name = "N")]
    pub n_cpu_moe: Option<u32>,
    /// The KV cache type: f16, q8_0 or q4_0.
    #[arg(long = "kv", value_parser = parse_kv)]
    pub kv: Option<KvCacheType>,
    /// Flash attention: auto, on or off.
    #[arg(long = "flash-attn", value_parser = parse_flash)]
    pub flash_attn: Option<FlashAttention>,
    /// The logical batch for prompt processing.
    #[arg(long)]
    pub batch: Option<u32>,
    /// The physical batch (default min(batch, 512)).
    #[arg(long)]
    pub ubatch: Option<u32>,
    /// Read the whole file into memory instead of mapping it.
    #[arg(long = "no-mmap")]
    pub no_mmap: bool,
    /// Lock the weights in RAM (never swapped out).
    #[arg(long)]
    pub mlock: bool,
    /// Other machines' devices: the addresses of `hearth rpc-server`s (llama.cpp's RPC backend);
    /// the model's layers are split over them and this machine's GPU.
    #[arg(long = "rpc", value_name = "HOST:PORT[,HOST:PORT]", value_delimiter = ',')]
    pub rpc: Vec<String>,
}

fn parse_kv(s: &str) -> Result<KvCacheType, String> {
    serde_json::from_value(serde_json::Value::from(s.to_ascii_lowercase())).map_err(|_| format!("{s:?}: the KV cache type is f16, q8_0 or q4_0"))
}

fn parse_flash(s: &str) -> Result<FlashAttention, String> {
    serde_json::from_value(serde_json::Value::from(s.to_ascii_lowercase())).map_err(|_| format!("{s:?}: flash attention is auto, on or off"))
}

impl PlacementArgs {
    /// These flags with the context and thread flags of the command, as overrides.
    pub fn overrides(&self, context_length: Option<u32>, threads: Option<u32>) -> SettingsOverrides {
        SettingsOverrides {
            context_length,
            threads,
            gpu_layers: self.gpu_layers,
            devices: self.devices.clone(),
            n_cpu_moe: self.n_cpu_moe,
            kv_cache_type: self.kv,
            flash_attention: self.flash_attn,
            batch_size: self.batch,
            ubatch_size: self.ubatch,
            mmap: self.no_mmap.then_some(false),
            mlock: self.mlock.then_some(true),
            draft: None,
            draft_model: None,
            parallel: None,
            rpc: self.rpc.clone(),
        }
    }
}

/// The settings a command loads `model` with: those the app saved for the file (in
/// `$HEARTH_HOME`'s database, when there is one), each flag given winning over its saved value.
/// For one answer at a time (`chat`, `ask`, `bench`): a saved number of answers side by side
/// (the app's Server page) would only split the context.
pub fn launch_settings_for(model: &Path, flags: &SettingsOverrides) -> anyhow::Result<ModelSettings> {
    let mut settings = launch_settings_with_parallel(model, flags)?;
    settings.parallel = flags.parallel;
    Ok(settings)
}

/// As [`launch_settings_for`], keeping the saved number of answers side by side (`serve`).
pub fn launch_settings_with_parallel(model: &Path, flags: &SettingsOverrides) -> anyhow::Result<ModelSettings> {
    let database = HearthHome::from_env().database();
    if !database.is_file() {
        // Nothing saved yet: no database is made just to find that out.
        return Ok(flags.apply(ModelSettings::default()));
    }
    let store = Store::open(&database)?;
    Ok(launch_settings(&store, model, flags)?)
}

/// `--draft none|ngram|FILE`: how speculative decoding drafts, and the draft model's file.
#[derive(Clone, Debug)]
pub struct DraftArg {
    pub kind: hearth_protocol::DraftKind,
    pub model: Option<String>,
}

pub fn parse_draft(s: &str) -> Result<DraftArg, String> {
    match s.to_ascii_lowercase().as_str() {
        "none" => Ok(DraftArg { kind: hearth_protocol::DraftKind::None, model: None }),
        "ngram" => Ok(DraftArg { kind: hearth_protocol::DraftKind::Ngram, model: None }),
        _ => {
            let path = std::path::Path::new(s);
            if !path.is_file() {
                return Err(format!("{s:?} is not none, ngram or a draft model's GGUF file"));
            }
            let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            Ok(DraftArg { kind: hearth_protocol::DraftKind::Model, model: Some(path.display().to_string()) })
        }
    }
}
