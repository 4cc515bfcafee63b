//! `hearth advise` as users and scripts call it: the JSON's shape, the golden answers, and clear
//! errors for unknown ids and nonsense input.

mod common;

use std::process::Command;

use common::{demo_model, hearth};

fn advise(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(hearth()).arg("advise").args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (ok, stdout, stderr) = advise(&all);
    assert!(ok, "hearth advise {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn the_json_has_the_documented_fields() {
    let v = json(&["--model", "gpt-oss-120b", "--hardware", "strix-halo-395-128gb", "--ctx", "32768"]);
    for k in ["weights_bytes", "kv_bytes", "compute_bytes", "overhead_bytes", "total_bytes"] {
        assert!(v["memory"][k].as_u64().is_some_and(|b| b > 0 || k == "overhead_bytes"), "memory.{k}: {v}");
    }
    let m = &v["memory"];
    let sum: u64 = ["weights_bytes", "kv_bytes", "compute_bytes", "overhead_bytes"].iter().map(|k| m[k].as_u64().unwrap()).sum();
    assert!(sum.abs_diff(m["total_bytes"].as_u64().unwrap()) <= 4, "the parts do not add up: {m}");
    assert_eq!(v["fits"], "unified");
    assert!(v["predicted"]["pp_tps"].as_f64().unwrap() > 0.0);
    let tg = v["predicted"]["tg_tps"].as_f64().unwrap();
    assert!(tg > 20.0, "tens of tokens/s expected, got {tg}");
    let rec = &v["recommendation"];
    assert_eq!(rec["quant"], "MXFP4");
    for k in ["gpu_layers", "n_cpu_moe", "ctx"] {
        assert!(rec[k].as_u64().is_some(), "recommendation.{k}: {rec}");
    }
    assert!(rec["reason"].as_str().is_some_and(|r| r.len() > 20));
    assert!(v["sources"].as_array().is_some_and(|s| s.iter().any(|s| s.as_str().unwrap().contains("gpt-oss"))));
}

#[test]
fn depth_lowers_the_predicted_generation_speed() {
    let at = |depth: &str| {
        json(&["--model", "llama-3.1-8b", "--hardware", "rtx-4090", "--quant", "Q4_K_M", "--depth", depth])["predicted"]["tg_tps"].as_f64().unwrap()
    };
    assert!(at("30000") < at("0"));
}

#[test]
fn gpt_oss_120b_on_one_rtx_5090_needs_expert_offload() {
    let v = json(&["--model", "gpt-oss-120b", "--hardware", "rtx-5090", "--quant", "MXFP4"]);
    assert_eq!(v["fits"], "partial");
    assert!(v["n_cpu_moe"].as_u64().unwrap() > 0);
}

#[test]
fn a_local_gguf_is_sized_from_its_tensors() {
    let model = demo_model();
    let v = json(&["--model", model.to_str().unwrap(), "--hardware", "ddr5-6400-desktop", "--ctx", "2048"]);
    assert_eq!(v["quant"], "Q4_1 (this file)");
    let weights = v["memory"]["weights_bytes"].as_u64().unwrap();
    // The tensor data of the 98 MB file (92.10 MiB, as llama.cpp reports when loading it).
    assert_eq!(weights / 10_000, 96_573_850 / 10_000);
    assert_eq!(v["fits"], "cpu");
    assert!(v["notes"].as_array().unwrap().is_empty());
    // Beyond the model's trained context (8192) the advice says so.
    let v = json(&["--model", model.to_str().unwrap(), "--hardware", "ddr5-6400-desktop", "--ctx", "32768"]);
    assert!(v["notes"][0].as_str().unwrap().contains("trained for (8192)"), "{v}");
}

#[test]
fn measure_puts_llama_cpps_dry_run_beside_the_estimate() {
    let model = demo_model();
    let v = json(&["--model", model.to_str().unwrap(), "--hardware", "ddr5-6400-desktop", "--ctx", "2048", "--measure"]);
    let measured = &v["measured"];
    // SmolLM2 at 2048 tokens: 30 layers x 2048 cells x 3 KV heads x 64 x 2 (K, V) x 2 bytes.
    assert_eq!(measured["kv_bytes"], 30 * 2048 * 3 * 64 * 2 * 2);
    assert_eq!(measured["kv_bytes"], v["memory"]["kv_bytes"]);
    let compute = measured["compute_bytes"].as_f64().unwrap();
    assert!((v["memory"]["compute_bytes"].as_f64().unwrap() / compute - 1.0).abs() < 0.05, "{v}");
    let (ok, _, stderr) = advise(&["--model", "gpt-oss-120b", "--hardware", "rtx-4090", "--measure"]);
    assert!(!ok && stderr.contains("--measure needs a local GGUF file"), "{stderr}");
}

#[test]
fn lists_print_the_catalog_ids() {
    let (ok, out, _) = advise(&["--list-models"]);
    assert!(ok && out.contains("gpt-oss-120b") && out.contains("deepseek-v3"));
    let (ok, out, _) = advise(&["--list-hardware"]);
    assert!(ok && out.contains("strix-halo-395-128gb") && out.contains("m3-ultra-512gb"));
}

#[test]
fn unknown_ids_and_nonsense_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let not_gguf = dir.path().join("notes.gguf");
    std::fs::write(&not_gguf, b"these are not the weights you are looking for").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--model", "gpt-9"], "unknown model id 'gpt-9'"),
        (vec!["--model", "gpt-oss-20b", "--hardware", "cray-1"], "unknown hardware id 'cray-1'"),
        (vec!["--model", "gpt-oss-20b", "--hardware", "rtx-4090", "--quant", "Q9_K"], "unknown quant type 'Q9_K'"),
        (vec!["--model", "gpt-oss-20b", "--hardware", "rtx-4090", "--ctx", "-5"], "--ctx must be a positive number"),
        (vec!["--model", "gpt-oss-20b", "--hardware", "rtx-4090", "--ctx", "10"], "too small"),
        (vec!["--model", "gpt-oss-20b", "--hardware", "rtx-4090", "--backend", "opencl"], "unknown backend 'opencl'"),
        (vec!["--model", not_gguf.to_str().unwrap(), "--hardware", "rtx-4090"], "is not a usable GGUF model"),
    ];
    for (args, expected) in cases {
        let (ok, _, stderr) = advise(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: expected '{expected}' in: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }
}

#[test]
fn machines_joined_by_rpc_are_sized_together() {
    // DeepSeek-V3 Q4_K_M (~376 GiB with its cache) needs four 128 GB Strix Halos.
    let v = json(&["--model", "deepseek-v3", "--hardware", "strix-halo-395-128gb", "--quant", "Q4_K_M", "--ctx", "8192", "--machines", "4"]);
    let c = &v["cluster"];
    assert_eq!(c["machines"], 4);
    assert_eq!(c["fits"], "unified");
    assert_eq!(c["machines_needed"], 4);
    assert!(c["per_machine_bytes"].as_f64().unwrap() <= c["per_machine_pool_bytes"].as_f64().unwrap());
    assert!(c["tg_tps"].as_f64().unwrap() < c["tg_tps_without_network"].as_f64().unwrap());
    assert!(c["commands"][3].as_str().unwrap().contains("--rpc MACHINE2:50052,MACHINE3:50052,MACHINE4:50052"), "{c}");
    let (ok, _, err) = advise(&["--model", "deepseek-v3", "--hardware", "strix-halo-395-128gb", "--machines", "0"]);
    assert!(!ok && err.contains("--machines must be between 1 and 64"), "{err}");
}
