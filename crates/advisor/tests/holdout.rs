//! The speed model on published generation runs it was not fitted on (`catalog/generation.toml`):
//! the whole prediction (weights, KV cache at depth, per-layer cost), no baseline from the row.
//! `-- --nocapture` prints the table for bench/RESULTS.md.

use hearth_advisor::{advise, AdviceRequest, Catalog, HardwareKind, KvCacheType, ModelShape, Use};
use serde::Deserialize;

mod common;
use common::{one_token_batch_speed, percentile, predicted_as_placed, run_placement};

#[derive(Deserialize)]
struct Rows {
    row: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    hardware: String,
    backend: String,
    model: String,
    quant: String,
    depth: u32,
    tg_tps: f64,
    #[serde(default)]
    one_token_batches: bool,
    #[serde(default)]
    n_cpu_moe: Option<u32>,
    #[serde(default)]
    gpu_layers: Option<u32>,
    source: String,
}

#[test]
fn generation_on_published_runs_the_model_was_not_fitted_on() {
    let rows = toml::from_str::<Rows>(include_str!("../catalog/generation.toml")).unwrap().row;
    let c = Catalog::builtin();
    let mut errors = Vec::new();
    let mut discrete = Vec::new();
    println!("| machine | backend | model | quant | depth | measured tg | predicted | error |\n|---|---|---|---|---|---|---|---|");
    for r in &rows {
        assert!(!r.source.is_empty());
        // Not a calibration row: those are what the constants were fitted on.
        assert!(!c.calibration.iter().any(|k| k.hardware == r.hardware
            && k.backend == r.backend
            && k.model == r.model
            && k.quant == r.quant
            && r.depth == 0
            && (k.tg_tps - r.tg_tps).abs() < 1e-9));
        let shape = ModelShape::from_catalog(c.model(&r.model).unwrap());
        let hw = c.machine(&r.hardware).unwrap();
        let ctx = (r.depth + 2048).max(4096);
        let req = AdviceRequest {
            shape: &shape,
            hardware: hw,
            backend: Some(&r.backend),
            ctx,
            depth: r.depth,
            kv_type: KvCacheType::F16,
            use_case: Use::Chat,
            quant: Some(&r.quant),
        };
        let mut p = match run_placement(r.n_cpu_moe, r.gpu_layers) {
            Some(run) => predicted_as_placed(c, &shape, &r.quant, hw, &r.backend, ctx, r.depth, run).tg_tps,
            None => advise(c, &req).unwrap().selected.unwrap().predicted.tg_tps,
        };
        if r.one_token_batches {
            p = one_token_batch_speed(c, p, &shape, &r.quant, hw, &r.backend);
        }
        let err = p / r.tg_tps - 1.0;
        println!("| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:+.1} % |", r.hardware, r.backend, r.model, r.quant, r.depth, r.tg_tps, p, err * 100.0);
        errors.push(err.abs());
        if hw.kind == HardwareKind::Discrete {
            discrete.push(err.abs());
        }
    }
    let (median, p90) = (percentile(errors.clone(), 0.5), percentile(errors.clone(), 0.9));
    println!("\nheld out: {} runs, median |error| {:.1} %, 90th percentile {:.1} %", errors.len(), median * 100.0, p90 * 100.0);
    println!(
        "of which on discrete cards: {} runs, median |error| {:.1} %, 90th percentile {:.1} %",
        discrete.len(),
        percentile(discrete.clone(), 0.5) * 100.0,
        percentile(discrete.clone(), 0.9) * 100.0
    );
    assert!(rows.len() >= 30);
    assert!(discrete.len() >= 8, "discrete NVIDIA cards held out");
    // The targets: median ≤ 7 %, 90th percentile ≤ 20 %. The 90th percentile was 24.9 %
    // on the 49 runs held out before the RTX 2080 machine's four joined (two of them within 1 %,
    // two of them partial offload at ±19 %); it is 19.0 % on all 53, at the edge: the five runs
    // above 20 % are one contributor's RTX 4090 (27-41 % slower than predicted where another's
    // run of the same card is within 10 %) and ROCm 7.2.3 at depth (bench/RESULTS.md).
    assert!(median <= 0.07, "median {:.1} % (target 7 %)", median * 100.0);
    assert!(p90 <= 0.20, "90th percentile {:.1} % (19.0 % when recorded; target 20 %)", p90 * 100.0);
}
