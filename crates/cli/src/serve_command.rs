//! `hearth serve MODEL.gguf [--port 8080] [--host 127.0.0.1] [--api-key K] [--allow-remote] [--parallel N]`:
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
    /// Clients must send `Authorization: Bearer KEY`. A key on the command line is visible to
    /// every user of the machine: prefer `--api-key-file` or `$HEARTH_API_KEY`.
    #[arg(long = "api-key", conflicts_with = "api_key_file")]
    api_key: Option<String>,
    /// A file holding the API key (its first line).
    #[arg(long = "api-key-file", value_name = "PATH")]
    api_key_file: Option<PathBuf>,
    /// Listen on a non-loopback address (other machines can then reach the model); needs a key.
    #[arg(long = "allow-remote")]
    allow_remote: bool,
    /// Requests that may wait for the model at once; more are refused with 429 (Retry-After).
    #[arg(long, default_value_t = 32)]
    queue: usize,
    /// Seconds a streamed answer waits for a client that stopped reading; then the client is
    /// dropped and its generation cancelled, so the queue moves on.
    #[arg(long = "write-timeout", value_name = "SECONDS", default_value_t = 30)]
    write_timeout: u64,
    /// Seconds a connection may take to send a request's headers, and may stay idle between
    /// requests; then it is closed.
    #[arg(long = "idle-timeout", value_name = "SECONDS", default_value_t = 30)]
    idle_timeout: u64,
    /// The reasoning effort (low, medium, high) of requests that name none.
    #[arg(long = "reasoning-effort")]
    reasoning_effort: Option<hearth_protocol::ReasoningEffort>,
    /// Speculative decoding for the requests' greedy answers: `ngram` (prompt lookup) or `none`
    /// (without it: the model's saved setting, else none).
    /// A draft model: the path of a smaller GGUF with this model's vocabulary (loaded beside
    /// it; refused with the reason when its vocabulary differs).
    #[arg(long, value_parser = crate::placement_args::parse_draft, value_name = "none|ngram|FILE")]
    draft: Option<crate::placement_args::DraftArg>,
    /// Answers generated side by side (1-64): the clients share the context (`--ctx` is the
    /// total, as llama-server's `-c` with `-np`), their steps batched together.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    parallel: Option<u32>,
    #[arg(long, value_parser = crate::placement_args::context_length())]
    ctx: Option<u32>,
    #[arg(long)]
    threads: Option<u32>,
    #[command(flatten)]
    placement: crate::placement_args::PlacementArgs,
}

/// The key: `--api-key`, else the first line of `--api-key-file`, else `$HEARTH_API_KEY`.
fn api_key(a: &ServeArgs) -> anyhow::Result<Option<String>> {
    let key = match (&a.api_key, &a.api_key_file) {
        (Some(k), _) => Some(k.clone()),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("reading the API key from {}: {e}", file.display()))?;
            Some(text.lines().next().unwrap_or("").trim().to_string())
        }
        (None, None) => std::env::var("HEARTH_API_KEY").ok(),
    };
    Ok(key.filter(|k| !k.is_empty()))
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if !a.host.is_loopback() && !a.allow_remote {
        bail!("--host {} is reachable from other machines: add --allow-remote to mean it (and set an API key)", a.host);
    }
    let key = api_key(&a)?;
    if a.allow_remote && key.is_none() {
        bail!("--allow-remote needs an API key (--api-key-file, $HEARTH_API_KEY or --api-key): without one any machine that reaches this one, or a web page in its browser, could use the model");
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        // The port first: a port in use is said at once, not after loading a large model.
        let listener = tokio::net::TcpListener::bind((a.host, a.port)).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => anyhow::anyhow!("port {} is already in use by another program: choose another with --port", a.port),
            _ => anyhow::anyhow!("cannot listen on {}:{}: {e}", a.host, a.port),
        })?;
        let settings = crate::placement_args::launch_settings_with_parallel(
            &a.model,
            &hearth_core::settings::SettingsOverrides {
                draft: a.draft.as_ref().map(|d| d.kind),
                draft_model: a.draft.as_ref().and_then(|d| d.model.clone()),
                parallel: a.parallel,
                ..a.placement.overrides(a.ctx, a.threads)
            },
        )?;
        let engine = EngineClient::new(std::env::current_exe()?);
        let model = engine.load(&a.model, &settings, |_| {}).await.map_err(|e| anyhow::anyhow!("{}", e.payload().message))?;
        println!("listening on http://{}", listener.local_addr()?);
        let api = hearth_openai_api::Api::new(engine, model.name, key, a.allow_remote);
        api.set_max_waiting(a.queue);
        api.set_parallel(settings.parallel.unwrap_or(1) as usize);
        api.set_default_reasoning_effort(a.reasoning_effort);
        api.set_write_timeout(std::time::Duration::from_secs(a.write_timeout.max(1)));
        let idle = std::time::Duration::from_secs(a.idle_timeout.max(1));
        hearth_openai_api::serve(listener, hearth_openai_api::router(api), idle, std::future::pending()).await;
        Ok(())
    })
}
