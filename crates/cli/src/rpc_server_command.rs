//! `hearth rpc-server [--host 127.0.0.1] [--port 50052] [--device NAME,…] [--threads N]
//! [--cache DIR]`: lends this machine's devices to other machines' engines over llama.cpp's RPC
//! protocol (what llama.cpp's own `rpc-server` does; an engine adds them with `--rpc HOST:PORT`,
//! or Settings → Model → Other machines in the app). The protocol has no authentication and no
//! encryption, so a non-loopback `--host` needs `--allow-remote`: on a network of machines the
//! user trusts only.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

#[derive(Args)]
pub struct RpcServerArgs {
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// llama.cpp's rpc-server port.
    #[arg(long, default_value_t = 50052)]
    port: u16,
    /// Listen on a non-loopback address: any machine that reaches it can use these devices.
    #[arg(long = "allow-remote")]
    allow_remote: bool,
    /// The devices to lend, by the names `hearth devices` lists (default: every GPU, else the CPU).
    #[arg(long = "device", value_name = "NAME[,NAME]", value_delimiter = ',')]
    devices: Vec<String>,
    /// CPU threads for a lent CPU device (default: one per physical core).
    #[arg(long)]
    threads: Option<usize>,
    /// Keep received weights here, so a model sent again loads from this disk.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
}

pub fn run(a: RpcServerArgs) -> anyhow::Result<()> {
    if !a.host.is_loopback() && !a.allow_remote {
        bail!(
            "--host {} is reachable from other machines and the RPC protocol has no password: add --allow-remote to mean it, on a network you trust",
            a.host
        );
    }
    if let Some(dir) = &a.cache {
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("the cache folder {}: {e}", dir.display()))?;
    }
    let endpoint = match a.host {
        IpAddr::V6(h) => format!("[{h}]:{}", a.port),
        IpAddr::V4(h) => format!("{h}:{}", a.port),
    };
    let threads = a.threads.unwrap_or_else(|| hearth_engine::default_threads() as usize).max(1);
    hearth_engine::rpc::serve(&endpoint, &a.devices, threads, a.cache.as_deref())?;
    Ok(())
}
