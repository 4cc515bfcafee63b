//! `hearth serve MODEL.gguf [--port 8080] [--host 127.0.0.1] [--api-key K] [--allow-remote]`:
//! the OpenAI-compatible API (crate `hearth-openai-api`) over an engine process with the model
//! loaded (with the settings the app saved for the file, each flag winning).
//! Loopback only unless `--allow-remote` is given with a non-loopback `--host`. Prints
//! `listening on http://ADDR` once it accepts connections (with `--port 0`, the port it got).

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use hearth_engine_client::EngineClient;

#[derive(Args)]
pub struct ServeArgs {
    model: PathBuf,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Clients must send `Authorization: Bearer KEY`.
    #[arg(long = "api-key")]
    api_key: Option<String>,
    /// Listen on a non-loopback address (other machines can then reach the model).
    #[arg(long = "allow-remote")]
    allow_remote: bool,
    #[arg(long)]
    ctx: Option<u32>,
    #[arg(long)]
    threads: Option<u32>,
    #[command(flatten)]
    placement: crate::placement_args::PlacementArgs,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if !a.host.is_loopback() && !a.allow_remote {
        bail!("--host {} is reachable from other machines: add --allow-remote to mean it (and set --api-key)", a.host);
    }
    if !a.host.is_loopback() && a.api_key.is_none() {
        eprintln!("warning: serving on {} without --api-key: anyone who can reach it can use the model", a.host);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let settings = crate::placement_args::launch_settings_for(&a.model, &a.placement.overrides(a.ctx, a.threads))?;
        let engine = EngineClient::new(std::env::current_exe()?);
        let model = engine.load(&a.model, &settings, |_| {}).await.map_err(|e| anyhow::anyhow!("{}", e.payload().message))?;
        let listener = tokio::net::TcpListener::bind((a.host, a.port)).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let api = hearth_openai_api::Api::new(engine, model.name, a.api_key);
        axum::serve(listener, hearth_openai_api::router(api)).await?;
        Ok(())
    })
}
