//! Golden cases from public facts (../shared/reference/README.md), and the calibration rows the
//! speed model was fitted on.

mod common;
use common::{one_token_batch_speed, predicted_as_placed, run_placement};
use hearth_advisor::{advise, compare_hardware, AdviceRequest, Catalog, Fit, KvCacheType, ModelShape, Use};

fn advice(model: &str, hw: &str, ctx: u32, quant: Option<&str>) -> hearth_advisor::Advice {
    advice_on(model, hw, None, ctx, quant)
}

fn advice_on(model: &str, hw: &str, backend: Option<&str>, ctx: u32, quant: Option<&str>) -> hearth_advisor::Advice {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model(model).unwrap());
    let hardware = c.machine(hw).unwrap();
    advise(c, &AdviceRequest { shape: &shape, hardware, backend, ctx, depth: 0, kv_type: KvCacheType::F16, use_case: Use::Chat, quant }).unwrap()
}

#[test]
fn gpt_oss_120b_mxfp4_fits_strix_halo_unified_at_32k_and_runs_at_tens_of_tokens_per_second() {
    let a = advice("gpt-oss-120b", "strix-halo-395-128gb", 32768, Some("MXFP4"));
    let row = a.selected.unwrap();
    assert_eq!(row.fits, Fit::Unified);
    // The GGUF is 59.02 GiB (ggml-org/gpt-oss-120b-GGUF); the estimate of the weights must agree.
    let weights_gib = row.memory.weights_bytes / hearth_advisor::GIB;
    assert!((weights_gib - 59.02).abs() / 59.02 < 0.03, "weights {weights_gib:.2} GiB");
    assert!(row.predicted.tg_tps > 30.0 && row.predicted.tg_tps < 90.0, "tg {}", row.predicted.tg_tps);
    let rec = a.recommendation.unwrap();
    assert_eq!(rec.quant, "MXFP4", "{}", rec.reason);
    assert_eq!(rec.gpu_layers, 999);
    assert_eq!(rec.n_cpu_moe, 0);
}

#[test]
fn llama_3_3_70b_q4_k_m_on_strix_halo_is_about_five_tokens_per_second() {
    let a = advice("llama-3.3-70b", "strix-halo-395-128gb", 8192, Some("Q4_K_M"));
    let row = a.selected.unwrap();
    assert_eq!(row.fits, Fit::Unified);
    assert!(row.predicted.tg_tps > 4.0 && row.predicted.tg_tps < 6.5, "tg {}", row.predicted.tg_tps);
}

#[test]
fn gpt_oss_120b_does_not_fit_one_rtx_5090_without_expert_offload() {
    let a = advice("gpt-oss-120b", "rtx-5090", 32768, Some("MXFP4"));
    let row = a.selected.unwrap();
    assert_eq!(row.fits, Fit::Partial);
    assert!(row.n_cpu_moe > 0 && row.n_cpu_moe <= 36, "n_cpu_moe {}", row.n_cpu_moe);
    let rec = a.recommendation.unwrap();
    assert!(rec.n_cpu_moe > 0, "{}", rec.reason);
    assert!(rec.launch.contains("--n-cpu-moe"), "{}", rec.launch);
}

#[test]
fn gpt_oss_20b_fits_an_rtx_5090_entirely() {
    let a = advice("gpt-oss-20b", "rtx-5090", 32768, Some("MXFP4"));
    assert_eq!(a.selected.unwrap().fits, Fit::Gpu);
}

#[test]
fn deepseek_v3_fits_only_the_512_gb_mac_among_single_machines() {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model("deepseek-v3").unwrap());
    let rows = compare_hardware(c, &shape, "Q4_K_M", 16384, 0, KvCacheType::F16, &[]).unwrap();
    for r in &rows {
        let expected = if r.hardware.id == "m3-ultra-512gb" { Fit::Unified } else { Fit::No };
        assert_eq!(r.fits, expected, "{}", r.hardware.id);
    }
}

#[test]
fn the_kv_cache_of_sliding_window_layers_stays_small() {
    // gpt-oss-120b at 128K: 18 full layers x 131072 cells x 2048 B = 4.5 GiB; the 18 SWA layers
    // hold 768 cells (window 128 + ubatch 512, padded to 256) each.
    let a = advice("gpt-oss-120b", "strix-halo-395-128gb", 131072, Some("MXFP4"));
    let kv = a.selected.unwrap().memory.kv_bytes;
    let expected = 18.0 * 131072.0 * 2048.0 + 18.0 * 768.0 * 2048.0;
    assert_eq!(kv, expected);
}

#[test]
fn deepseek_caches_the_mla_latent() {
    let a = advice("deepseek-v3", "m3-ultra-512gb", 4096, Some("Q4_K_M"));
    assert_eq!(a.selected.unwrap().memory.kv_bytes, 61.0 * 4096.0 * 576.0 * 2.0);
}

#[test]
fn every_calibration_row_is_predicted_within_fifteen_percent() {
    let c = Catalog::builtin();
    for row in &c.calibration {
        let shape = ModelShape::from_catalog(c.model(&row.model).unwrap());
        let hardware = c.machine(&row.hardware).unwrap();
        let ctx = (row.depth + 2048).max(4096);
        let req = AdviceRequest {
            shape: &shape,
            hardware,
            backend: Some(&row.backend),
            ctx,
            depth: row.depth,
            kv_type: KvCacheType::F16,
            use_case: Use::Chat,
            quant: Some(&row.quant),
        };
        let p = match run_placement(row.n_cpu_moe, row.gpu_layers) {
            Some(run) => predicted_as_placed(c, &shape, &row.quant, hardware, &row.backend, ctx, row.depth, run),
            None => advise(c, &req).unwrap().selected.unwrap().predicted,
        };
        let tg_tps = if row.one_token_batches { one_token_batch_speed(c, p.tg_tps, &shape, &row.quant, hardware, &row.backend) } else { p.tg_tps };
        let tg = tg_tps / row.tg_tps;
        println!("{} {} on {} ({}): tg {:.1} vs {:.1} ({tg:.2}x)", row.model, row.quant, row.hardware, row.backend, tg_tps, row.tg_tps);
        assert!((0.85..1.15).contains(&tg), "tg off for {} on {}: {tg:.2}x", row.model, row.hardware);
        if let Some(pp_tps) = row.pp_tps {
            let pp = p.pp_tps / pp_tps;
            println!("  pp {:.0} vs {:.0} ({pp:.2}x)", p.pp_tps, pp_tps);
            assert!((0.7..1.3).contains(&pp), "pp off for {} on {}: {pp:.2}x", row.model, row.hardware);
        }
    }
}

#[test]
fn nonsense_input_gets_a_clear_error() {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model("llama-3.1-8b").unwrap());
    let hardware = c.machine("rtx-4090").unwrap();
    let err = advise(
        c,
        &AdviceRequest { shape: &shape, hardware, backend: None, ctx: 0, depth: 0, kv_type: KvCacheType::F16, use_case: Use::Chat, quant: None },
    )
    .unwrap_err();
    assert!(err.to_string().contains("too small"), "{err}");
    let err = advise(
        c,
        &AdviceRequest {
            shape: &shape,
            hardware,
            backend: Some("opencl"),
            ctx: 4096,
            depth: 0,
            kv_type: KvCacheType::F16,
            use_case: Use::Chat,
            quant: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "UNKNOWN_BACKEND");
    assert_eq!(c.model("gpt-5").unwrap_err().code(), "UNKNOWN_MODEL");
    let cpu = c.machine("ddr5-6400-desktop").unwrap();
    let err = advise(
        c,
        &AdviceRequest {
            shape: &shape,
            hardware: cpu,
            backend: Some("cuda"),
            ctx: 4096,
            depth: 0,
            kv_type: KvCacheType::F16,
            use_case: Use::Chat,
            quant: None,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("no GPU"), "{err}");
}

#[test]
fn generation_slows_with_depth() {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model("llama-3.1-8b").unwrap());
    let hardware = c.machine("rtx-4090").unwrap();
    let at = |depth| {
        advise(
            c,
            &AdviceRequest {
                shape: &shape,
                hardware,
                backend: None,
                ctx: 32768,
                depth,
                kv_type: KvCacheType::F16,
                use_case: Use::Chat,
                quant: Some("Q4_K_M"),
            },
        )
        .unwrap()
        .selected
        .unwrap()
        .predicted
        .tg_tps
    };
    assert!(at(30000) < at(0) * 0.9);
}
