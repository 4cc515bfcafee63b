//! `hearth dry-run MODEL.gguf [--ctx N] [--kv TYPE] [--gpu-layers N] [--json]`: what llama.cpp
//! would allocate for the model (weights, KV cache, compute buffers), without allocating it.
//! The app runs it as a child process to show llama.cpp's figures beside the advisor's.

use std::path::{Path, PathBuf};

use clap::Args;
use hearth_engine::Engine;
use hearth_protocol::jobs::{write_line, DryRunJob, JobLine};
use hearth_protocol::{AllocatedMemory, ErrorCode, ErrorPayload, FlashAttention, KvCacheType, ModelSettings};

/// The engine's own code where the failure is the engine's (a bad file, no memory).
fn error_payload(e: &anyhow::Error) -> ErrorPayload {
    match e.downcast_ref::<hearth_engine::EngineError>() {
        Some(engine) => engine.payload(),
        None => ErrorPayload::new(ErrorCode::LoadFailed, e.to_string()),
    }
}

#[derive(Args)]
pub struct DryRunArgs {
    model: PathBuf,
    #[arg(long, value_parser = crate::placement_args::context_length(), default_value_t = 4096)]
    ctx: u32,
    /// f16, q8_0 or q4_0.
    #[arg(long, default_value = "f16")]
    kv: String,
    #[arg(long = "gpu-layers")]
    gpu_layers: Option<u32>,
    #[arg(long)]
    json: bool,
    /// The job protocol for a parent process (the app): one `done` line with the figures, or one
    /// `error` line with its code.
    #[arg(long)]
    events: bool,
}

/// llama.cpp's simulated allocation, with flash attention on (as the advisor assumes).
pub fn measure(model: &Path, ctx: u32, kv: KvCacheType, gpu_layers: Option<u32>) -> anyhow::Result<AllocatedMemory> {
    let settings =
        ModelSettings { context_length: Some(ctx), kv_cache_type: kv, gpu_layers, flash_attention: FlashAttention::On, ..Default::default() };
    Ok(Engine::dry_run(model, &settings)?)
}

pub fn run(a: DryRunArgs) -> anyhow::Result<()> {
    let kv: KvCacheType = serde_json::from_value(serde_json::Value::String(a.kv.clone()))
        .map_err(|_| anyhow::anyhow!("--kv must be f16, q8_0 or q4_0, not {}", a.kv))?;
    if a.events {
        let line = match measure(&a.model, a.ctx, kv, a.gpu_layers) {
            Ok(report) => JobLine::Done { report },
            Err(e) => JobLine::Error { error: error_payload(&e) },
        };
        let failed = matches!(line, JobLine::Error { .. });
        write_line::<DryRunJob>(&line);
        if failed {
            std::process::exit(1);
        }
        return Ok(());
    }
    let m = measure(&a.model, a.ctx, kv, a.gpu_layers)?;
    if a.json {
        println!("{}", serde_json::to_string(&m)?);
    } else {
        let mib = |b: u64| b as f64 / 1048576.0;
        println!(
            "weights {:.1} MiB, KV cache {:.1} MiB, compute {:.1} MiB: {:.1} MiB at {} tokens",
            mib(m.weights_bytes),
            mib(m.kv_bytes),
            mib(m.compute_bytes),
            mib(m.weights_bytes + m.kv_bytes + m.compute_bytes),
            a.ctx
        );
    }
    Ok(())
}
