//! The estimator against what llama.cpp really allocates (its own buffer report, read by the
//! engine) at several contexts, for every architecture Hearth loads: dense (SmolLM2), sliding
//! window (Gemma 3), MoE with MXFP4 experts and sliding layers (a gpt-oss written in its real
//! shape) and a split file (SmolLM2 in three shards): within 2% in total (issue 22), the KV
//! cache exactly (it is a formula, including Gemma 3's small sliding-window cache). llama.cpp's
//! dry run (`no_alloc`, what `hearth dry-run` and the app show beside the estimate) must agree
//! with the real load.

use std::path::PathBuf;

use hearth_advisor::{estimate_memory, KvCacheType, MemoryParams, ModelShape};
use hearth_engine::Engine;
use hearth_protocol::ModelSettings;

fn model(file: &str, var: &str) -> PathBuf {
    let path =
        std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models").join(file));
    assert!(path.is_file(), "{} is missing: run scripts/fetch-models.sh", path.display());
    path
}

/// A model written by scripts/fixtures.sh (gguf-py from the vendored tree, random weights in a real shape).
fn fixture(file: &str) -> PathBuf {
    let dir = std::env::var_os("HEARTH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/fixtures"));
    let path = dir.join(file);
    assert!(path.is_file(), "{} is missing: run scripts/fixtures.sh", path.display());
    path
}

fn check(path: PathBuf) {
    let shape = ModelShape::from_gguf_file(&path).unwrap();
    let mut engine = Engine::new().unwrap();
    for ctx in [512u32, 2048, 8192, 16384] {
        let settings = ModelSettings { context_length: Some(ctx), ..Default::default() };
        let info = engine.load(&path, &settings, |_| true).unwrap();
        let real = info.allocated;
        let est = estimate_memory(
            &shape,
            None,
            &MemoryParams { ctx, kv_type: KvCacheType::F16, ubatch: hearth_advisor::UBATCH, flash_attention: true, overhead_bytes: 0.0 },
        )
        .unwrap();
        let real_total = (real.weights_bytes + real.kv_bytes + real.compute_bytes) as f64;
        let ratio = est.total_bytes / real_total;
        println!(
            "{} ctx {ctx}: estimate {:.1} MiB (weights {:.1}, kv {:.1}, compute {:.1}) vs llama.cpp {:.1} MiB (weights {:.1}, kv {:.1}, compute {:.1}): {ratio:.3}x",
            shape.name,
            est.total_bytes / 1048576.0, est.weights_bytes / 1048576.0, est.kv_bytes / 1048576.0, est.compute_bytes / 1048576.0,
            real_total / 1048576.0, real.weights_bytes as f64 / 1048576.0, real.kv_bytes as f64 / 1048576.0, real.compute_bytes as f64 / 1048576.0,
        );
        assert!(real.weights_bytes > 0 && real.kv_bytes > 0 && real.compute_bytes > 0, "llama.cpp's report was not read: {real:?}");
        assert!((0.98..=1.02).contains(&ratio), "{} at ctx {ctx}: estimate off by {ratio:.3}x", shape.name);
        assert_eq!(est.kv_bytes, real.kv_bytes as f64, "{} at ctx {ctx}: KV cache", shape.name);
        let dry = Engine::dry_run(&path, &settings).unwrap();
        assert_eq!((dry.kv_bytes, dry.compute_bytes), (real.kv_bytes, real.compute_bytes), "{} at ctx {ctx}: dry run vs load", shape.name);
        // The dry run counts the tensors; a real load may add repacked copies (CPU_REPACK), and its
        // report is rounded to 0.01 MiB.
        let w = dry.weights_bytes as f64 / real.weights_bytes as f64;
        assert!((0.9..1.001).contains(&w), "{} at ctx {ctx}: dry-run weights {w:.4}x the load's", shape.name);
    }
}

// One test: llama.cpp's log is process-wide, so two loads at once would mix their reports.
#[test]
fn the_estimate_matches_llama_cpp_allocation_for_dense_sliding_moe_and_split_models() {
    check(model("SmolLM2-135M-Instruct.Q4_1.gguf", "HEARTH_TEST_MODEL"));
    check(model("gemma-3-270m-Q4_K_M.gguf", "HEARTH_TEST_GEMMA"));
    check(fixture("tiny-gpt-oss-MXFP4.gguf"));
    check(fixture("split/SmolLM2-135M-Instruct.Q4_1-00001-of-00003.gguf"));
}
