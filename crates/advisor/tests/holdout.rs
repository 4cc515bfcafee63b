//! The speed model on published generation runs it was not fitted on (`catalog/generation.toml`):
//! the whole prediction (weights, KV cache at depth, per-layer cost), no baseline from the row.
//! `-- --nocapture` prints the table for bench/RESULTS.md.

use hearth_advisor::{advise, AdviceRequest, Catalog, HardwareKind, KvCacheType, ModelShape, Use};
use serde::Deserialize;

mod common;
use common::{one_token_batch_speed, percentile};

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
        let mut p = advise(c, &req).unwrap().selected.unwrap().predicted.tg_tps;
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
    // The targets: median ≤ 7 %, 90th percentile ≤ 20 %. The median holds. The 90th
    // percentile is 26.8 % since the discrete cards' runs joined (one contributor's RTX 4090,
    // 27-41 % slower than predicted where another's run of the same card is within 9 %; ROCm's
    // full multi-head attention at depth): not met, said in bench/RESULTS.md. This bound keeps it
    // from getting worse.
    assert!(median <= 0.07, "median {:.1} % (target 7 %)", median * 100.0);
    assert!(p90 <= 0.27, "90th percentile {:.1} % (26.8 % when recorded; target 20 %)", p90 * 100.0);
}
