//! Sizing a model over N machines joined by llama.cpp's RPC backend (`hearth rpc-server`, or
//! llama.cpp's `rpc-server`, on each other machine, `--rpc host:port,…` on the main one). llama.cpp "distributes model weights and
//! the KV cache across all available devices -- both local and remote -- in proportion to each
//! device's available memory" (llama.cpp tools/rpc/README.md, b11434), and the layers run one
//! machine after another: memory adds up, bandwidth does not. So the cluster is one machine with
//! N times the memory and the same bandwidth, plus the network: every token crosses each link
//! between machines (a round trip per remote machine per graph, the hidden state, `hidden`
//! floats, each way, and the RPC backend's own cost of a step, measured).

use serde::Serialize;

use hearth_protocol::KvCacheType;

use crate::evaluation::evaluate;
use crate::{AdvisorError, Catalog, Fit, HardwareKind, HardwareSpec, ModelShape};

/// What llama.cpp's RPC backend costs per token per other machine beyond the round trip and the
/// hidden state: it sends each step's graph and its inputs in several calls, and the server
/// rebuilds the graph. Measured on loopback (where the round trip is 0.014 ms): 0.66 ms more per
/// token with one `hearth rpc-server` than on the local CPU (`bench/rpc_link.py`, SmolLM2-135M,
/// 30 layers, b11434; bench/RESULTS.md). A model with more layers sends a bigger graph; taken as
/// this figure.
const RPC_STEP_OVERHEAD_S: f64 = 0.00066;

/// The network between the machines. Defaults are assumptions, not measurements: a wired LAN
/// round trip of a fraction of a millisecond; measure yours (`ping`) and pass it.
#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct Link {
    pub gbit_per_s: f64,
    pub round_trip_ms: f64,
}

impl Default for Link {
    fn default() -> Self {
        Link { gbit_per_s: 10.0, round_trip_ms: 0.2 }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ClusterSizing {
    pub machines: u32,
    pub hardware: HardwareSpec,
    pub link: Link,
    pub fits: Fit,
    /// The whole model with its KV cache and buffers.
    #[ts(type = "number")]
    pub total_bytes: f64,
    /// What each machine holds (an even split; llama.cpp splits by free memory).
    #[ts(type = "number")]
    pub per_machine_bytes: f64,
    /// The GPU-addressable memory of one machine.
    #[ts(type = "number")]
    pub per_machine_pool_bytes: f64,
    /// Generation with the network's cost per token.
    pub tg_tps: f64,
    /// Generation if the network cost nothing (one machine with all the memory).
    pub tg_tps_without_network: f64,
    pub pp_tps: f64,
    /// Machines needed at the least for this model to fit.
    pub machines_needed: Option<u32>,
    /// What to run: one line per other machine, then the main one.
    pub commands: Vec<String>,
    pub notes: Vec<String>,
}

/// One machine with `n` times `hw`'s memory (unified machines: their whole pool; discrete ones:
/// their VRAM, the main host's RAM staying its own).
fn pooled(hw: &HardwareSpec, n: u32) -> HardwareSpec {
    let mut v = hw.clone();
    v.gpu_memory_gib *= n as f64;
    if matches!(hw.kind, HardwareKind::Unified | HardwareKind::Cpu) {
        v.ram_gib *= n as f64;
    }
    v.id = format!("{}x{}", n, hw.id);
    v
}

/// Everything in memory the model runs from (no layers left to a CPU that is not the plan).
fn fits_whole(fit: Fit) -> bool {
    matches!(fit, Fit::Gpu | Fit::Unified | Fit::Cpu)
}

#[allow(clippy::too_many_arguments)]
pub fn rpc_cluster(
    catalog: &Catalog,
    shape: &ModelShape,
    quant: &str,
    ctx: u32,
    kv_type: KvCacheType,
    hw: &HardwareSpec,
    machines: u32,
    link: Link,
) -> Result<ClusterSizing, AdvisorError> {
    let machines = machines.max(1);
    let q = catalog.quant(quant)?;
    let backend = catalog.backend(&hw.backend)?;
    let e = evaluate(shape, Some(q), &pooled(hw, machines), backend, ctx, 0, kv_type)?;
    let remotes = (machines - 1) as f64;
    // Per token: a round trip to each other machine, the hidden state there and back, and the
    // RPC backend's own cost of a step.
    let hidden_bytes = shape.hidden as f64 * 4.0;
    let link_bytes_per_s = link.gbit_per_s * 1e9 / 8.0;
    let network_s = remotes * (link.round_trip_ms / 1000.0 + 2.0 * hidden_bytes / link_bytes_per_s + RPC_STEP_OVERHEAD_S);
    let tg = e.predicted.tg_tps;
    let tg_tps = if tg > 0.0 { 1.0 / (1.0 / tg + network_s) } else { 0.0 };
    // A prompt goes through in micro-batches of 512 tokens, each crossing every link.
    let ubatch = crate::UBATCH as f64;
    let pp = e.predicted.pp_tps;
    let pp_tps = if pp > 0.0 {
        ubatch / (ubatch / pp + remotes * (link.round_trip_ms / 1000.0 + 2.0 * ubatch * hidden_bytes / link_bytes_per_s + RPC_STEP_OVERHEAD_S))
    } else {
        0.0
    };
    let machines_needed =
        (1..=16).find(|&n| evaluate(shape, Some(q), &pooled(hw, n), backend, ctx, 0, kv_type).is_ok_and(|e| fits_whole(e.placement.fit)));
    let pool = crate::placement::gpu_pool_bytes(hw);
    let model = shape.id.rsplit('/').next().unwrap_or(&shape.id).to_string();
    let mut commands: Vec<String> = (1..machines)
        .map(|i| format!("# machine {}: hearth rpc-server --host 0.0.0.0 --allow-remote --port 50052 --cache ~/.cache/hearth/rpc", i + 1))
        .collect();
    let hosts = (1..machines).map(|i| format!("MACHINE{}:50052", i + 1)).collect::<Vec<_>>().join(",");
    commands.push(format!(
        "# machine 1: hearth serve {model}-{quant}.gguf --ctx {ctx} --flash-attn on{}",
        if machines > 1 { format!(" --rpc {hosts}") } else { String::new() }
    ));
    let notes = vec![
        "llama.cpp's RPC backend is a proof of concept, \"fragile and insecure\": never expose an RPC server on an open network (llama.cpp tools/rpc/README.md).".to_string(),
        "`--cache` on each rpc-server (llama.cpp's `-c`) keeps the weights in a local cache, so the next load does not send them over the network again.".to_string(),
        format!(
            "Network assumed: {} Gbit/s, {} ms round trip; measure yours. Memory adds up over machines, bandwidth does not: generation is at best one machine's speed.",
            link.gbit_per_s, link.round_trip_ms
        ),
    ];
    Ok(ClusterSizing {
        machines,
        hardware: hw.clone(),
        link,
        fits: e.placement.fit,
        total_bytes: e.memory.total_bytes,
        per_machine_bytes: e.memory.total_bytes / machines as f64,
        per_machine_pool_bytes: pool,
        tg_tps,
        tg_tps_without_network: tg,
        pp_tps,
        machines_needed,
        commands,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_adds_up_and_speed_does_not() {
        let catalog = Catalog::builtin();
        let hw = catalog.machine("strix-halo-395-128gb").unwrap().clone();
        let shape = ModelShape::from_catalog(catalog.model("gpt-oss-120b").unwrap());
        let one = rpc_cluster(catalog, &shape, "MXFP4", 32768, KvCacheType::F16, &hw, 1, Link::default()).unwrap();
        let two = rpc_cluster(catalog, &shape, "MXFP4", 32768, KvCacheType::F16, &hw, 2, Link::default()).unwrap();
        assert_eq!(one.machines_needed, two.machines_needed);
        assert!((two.per_machine_bytes - one.total_bytes / 2.0).abs() / one.total_bytes < 0.01);
        // The network only costs: two machines never generate faster than one that fits.
        assert!(two.tg_tps < one.tg_tps_without_network + 1e-9, "{} vs {}", two.tg_tps, one.tg_tps_without_network);
        assert!(two.tg_tps > 0.5 * one.tg_tps, "a LAN round trip per token is small next to a token's time");
        assert_eq!(two.commands.len(), 2);
        assert!(two.commands[1].contains("--rpc MACHINE2:50052"));
        // A slow link costs more.
        let slow = rpc_cluster(catalog, &shape, "MXFP4", 32768, KvCacheType::F16, &hw, 2, Link { gbit_per_s: 1.0, round_trip_ms: 5.0 }).unwrap();
        assert!(slow.tg_tps < two.tg_tps);
    }

    #[test]
    fn a_model_bigger_than_one_machine_needs_several() {
        let catalog = Catalog::builtin();
        let hw = catalog.machine("strix-halo-395-128gb").unwrap().clone();
        let shape = ModelShape::from_catalog(catalog.model("deepseek-v3").unwrap());
        let one = rpc_cluster(catalog, &shape, "Q4_K_M", 8192, KvCacheType::F16, &hw, 1, Link::default()).unwrap();
        assert!(!fits_whole(one.fits), "about 400 GB of weights do not fit one 128 GB machine");
        let needed = one.machines_needed.expect("a few machines hold it");
        assert!((3..=6).contains(&needed), "{needed}");
        let enough = rpc_cluster(catalog, &shape, "Q4_K_M", 8192, KvCacheType::F16, &hw, needed, Link::default()).unwrap();
        assert_eq!(enough.fits, Fit::Unified);
        assert!(enough.per_machine_bytes <= enough.per_machine_pool_bytes);
        assert_eq!(enough.commands.len() as u32, needed);
    }
}
