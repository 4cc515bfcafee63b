//! Prompt processing at depth (issue 22): the attention term of the speed model against the
//! published llama-bench `pp N @ dD` runs in `catalog/depth.toml`. Each row is predicted from its
//! own series' run at depth 0, so that only the depth term is judged; the rows marked `fit` are
//! what `backends.toml` was fitted on, the rest are held out. `-- --nocapture` prints the table
//! (bench/RESULTS.md).

use hearth_advisor::{advise, attention_seconds, AdviceRequest, Catalog, KvCacheType, ModelShape, Use};
use serde::Deserialize;

mod common;
use common::percentile;

#[derive(Deserialize)]
struct Rows {
    row: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    hardware: String,
    backend: String,
    model: String,
    n_prompt_at_0: u32,
    pp_tps_at_0: f64,
    n_prompt: u32,
    depth: u32,
    pp_tps: f64,
    fit: bool,
    source: String,
}

fn rows() -> Vec<Row> {
    toml::from_str::<Rows>(include_str!("../catalog/depth.toml")).expect("depth.toml parses").row
}

/// The row's pp from its depth-0 run plus the attention the model adds between the two (each
/// run's prompt sits, on average, half its length deeper than its depth).
fn predict(r: &Row) -> f64 {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model(&r.model).unwrap());
    let hw = c.machine(&r.hardware).unwrap();
    let backend = c.backend(&r.backend).unwrap();
    let attn = |d: f64| attention_seconds(&shape, hw, backend, d);
    1.0 / (1.0 / r.pp_tps_at_0 + attn(r.depth as f64 + r.n_prompt as f64 / 2.0) - attn(r.n_prompt_at_0 as f64 / 2.0))
}

#[test]
fn prompt_speed_at_depth_matches_published_runs_it_was_not_fitted_on() {
    let rows = rows();
    assert!(rows.iter().all(|r| !r.source.is_empty()));
    let (mut held, mut fitted) = (Vec::new(), Vec::new());
    println!("| | backend | model | depth | measured pp | predicted | error |\n|---|---|---|---|---|---|---|");
    for r in &rows {
        let p = predict(r);
        let err = p / r.pp_tps - 1.0;
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:+.1} % |",
            if r.fit { "fit" } else { "held out" },
            r.backend,
            r.model,
            r.depth,
            r.pp_tps,
            p,
            err * 100.0
        );
        if r.fit {
            fitted.push(err.abs())
        } else {
            held.push(err.abs())
        }
    }
    let (median, p90) = (percentile(held.clone(), 0.5), percentile(held.clone(), 0.9));
    println!(
        "\nheld out: {} rows, median |error| {:.1} %, 90th percentile {:.1} %; fitted rows: max {:.1} %",
        held.len(),
        median * 100.0,
        p90 * 100.0,
        percentile(fitted.clone(), 1.0) * 100.0
    );
    // A quarter fitted, the rest judged.
    assert!(fitted.len() * 4 <= rows.len() + 3 && held.len() >= 3 * rows.len() / 4 - 1, "{} fitted of {}", fitted.len(), rows.len());
    assert!(percentile(fitted, 1.0) < 0.05, "the fit does not reproduce its own rows");
    // The target for prompt processing: median ≤ 15 % on runs not used for fitting.
    assert!(median <= 0.15, "held-out median {:.1} %", median * 100.0);
}

#[test]
fn the_advisor_predicts_prompt_speed_at_the_depth_asked_and_the_time_to_read_it() {
    // The case: gpt-oss-120b on a Strix Halo (Vulkan) at 32K depth, which published runs
    // measured at 307 tok/s (pp2048 @ d32768) against 720 at depth 0.
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model("gpt-oss-120b").unwrap());
    let hw = c.machine("strix-halo-395-128gb").unwrap();
    let ask = |depth| {
        let a = advise(
            c,
            &AdviceRequest {
                shape: &shape,
                hardware: hw,
                backend: Some("vulkan"),
                ctx: 65536,
                depth,
                kv_type: KvCacheType::F16,
                use_case: Use::LongDocuments,
                quant: Some("MXFP4"),
            },
        )
        .unwrap();
        a.selected.unwrap().predicted
    };
    let (shallow, deep) = (ask(0), ask(32768));
    assert!((shallow.pp_tps / 720.0 - 1.0).abs() < 0.1, "depth 0: {}", shallow.pp_tps);
    assert!((deep.pp_tps / 307.5 - 1.0).abs() < 0.15, "depth 32768: {} (published 307.5)", deep.pp_tps);
    assert_eq!(deep.pp_tps_start, shallow.pp_tps);
    // Reading 32K tokens takes longer than at the start's speed and less than at the deep end's.
    assert!(deep.prefill_seconds > 32768.0 / deep.pp_tps_start && deep.prefill_seconds < 32768.0 / deep.pp_tps, "{}", deep.prefill_seconds);
    assert_eq!(shallow.prefill_seconds, 0.0);
}

fn strix_halo(model: &str, use_case: Use, depth: u32) -> hearth_advisor::Advice {
    let c = Catalog::builtin();
    let shape = ModelShape::from_catalog(c.model(model).unwrap());
    let hw = c.machine("strix-halo-395-128gb").unwrap();
    advise(c, &AdviceRequest { shape: &shape, hardware: hw, backend: None, ctx: 65536, depth, kv_type: KvCacheType::F16, use_case, quant: None })
        .unwrap()
}

#[test]
fn a_strix_halo_runs_chat_on_vulkan_and_long_documents_on_rocm_with_the_numbers() {
    // Published: RADV generates gpt-oss-120b at 56.6 tok/s against ROCm's 51.8; at 32K depth
    // ROCm reads prompts at 589 tok/s against RADV's 307.
    let chat = strix_halo("gpt-oss-120b", Use::Chat, 0);
    assert_eq!(chat.backend, "vulkan");
    assert_eq!(chat.recommendation.as_ref().unwrap().backend, "vulkan");
    assert_eq!(chat.backend_options.iter().map(|o| o.backend.as_str()).collect::<Vec<_>>(), ["vulkan", "rocm"]);
    let why = chat.backend_choice.unwrap().text;
    assert!(why.starts_with("Vulkan for chat: it generates"), "{why}");

    let docs = strix_halo("gpt-oss-120b", Use::LongDocuments, 32768);
    assert_eq!(docs.backend, "rocm");
    let (rocm, vulkan) = (&docs.backend_options[1], &docs.backend_options[0]);
    assert!(rocm.pp_tps > 1.5 * vulkan.pp_tps, "ROCm {} vs Vulkan {}", rocm.pp_tps, vulkan.pp_tps);
    assert!(rocm.prefill_seconds < vulkan.prefill_seconds);
    let why = docs.backend_choice.unwrap().text;
    assert!(why.starts_with("ROCm for long documents: it reads a 32768-token document in about"), "{why}");
    // Long documents with no depth given: compared on a document of half the context.
    assert_eq!(strix_halo("gpt-oss-120b", Use::LongDocuments, 0).backend_options[0].depth, 32768);
}

#[test]
fn a_backend_with_a_known_problem_for_the_model_family_is_not_chosen() {
    // ROCm/TheRock #7714: Gemma 4 on gfx1151 with ROCm nightlies (catalog/problems.toml). A Gemma
    // 3 shape renamed to the gemma4 architecture stands in for it.
    let c = Catalog::builtin();
    let mut shape = ModelShape::from_catalog(c.model("gemma-3-27b").unwrap());
    shape.architecture = "gemma4".into();
    let hw = c.machine("strix-halo-395-128gb").unwrap();
    let a = advise(
        c,
        &AdviceRequest {
            shape: &shape,
            hardware: hw,
            backend: None,
            ctx: 65536,
            depth: 32768,
            kv_type: KvCacheType::F16,
            use_case: Use::LongDocuments,
            quant: None,
        },
    )
    .unwrap();
    assert_eq!(a.backend, "vulkan");
    let rocm = a.backend_options.iter().find(|o| o.backend == "rocm").unwrap();
    assert!(rocm.problems[0].source.contains("#7714"));
    assert!(a.backend_choice.unwrap().text.starts_with("Vulkan: ROCm has a known problem with this model"));
    // Asked for by name, it is still given.
    let asked = advise(
        c,
        &AdviceRequest {
            shape: &shape,
            hardware: hw,
            backend: Some("rocm"),
            ctx: 65536,
            depth: 0,
            kv_type: KvCacheType::F16,
            use_case: Use::Chat,
            quant: None,
        },
    )
    .unwrap();
    assert_eq!(asked.backend, "rocm");
}
