//! `hearth bench` on the real demo model: the JSON's fields, sane figures (positive rates, and
//! on a CPU a 512-token prompt is processed faster than tokens are generated), the result kept
//! per machine and listed, and clear errors.

mod common;

use std::process::Command;

use common::{demo_model, hearth};

#[test]
fn bench_json_has_the_documented_fields_and_sane_figures_and_is_kept() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(hearth())
        .env("HEARTH_HOME", home.path())
        .args(["bench", demo_model().to_str().unwrap(), "-p", "512", "-n", "32", "-r", "2", "--ttft-prompt", "512", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in [
        "model",
        "backend",
        "threads",
        "load_ms",
        "ttft_ms",
        "pp_tps",
        "pp_tps_stdev",
        "tg_tps",
        "tg_tps_stdev",
        "peak_rss_bytes",
        "power_w",
        "joules_per_token",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    let num = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} is not a number: {v}"));
    assert!(num("load_ms") > 0.0 && num("ttft_ms") > 0.0 && num("pp_tps") > 0.0 && num("tg_tps") > 0.0);
    assert!(num("pp_tps_stdev") >= 0.0 && num("tg_tps_stdev") >= 0.0);
    assert!(num("pp_tps") > num("tg_tps"), "a 512-token prompt should be processed faster than generation on a CPU: {v}");
    assert_eq!(v["backend"], "cpu");
    // The weights are mapped and touched: the process holds at least the tensors.
    assert!(v["peak_rss_bytes"].as_u64().unwrap() > 90_000_000);
    // Power is a number where a sensor is readable, null otherwise; and then so is energy.
    assert_eq!(v["power_w"].is_null(), v["joules_per_token"].is_null());

    let list = Command::new(hearth()).env("HEARTH_HOME", home.path()).args(["bench", "--list", "--json"]).output().unwrap();
    let kept: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(kept.as_array().unwrap().len(), 1, "{kept}");
    assert_eq!(kept[0]["report"]["tg_tps"], v["tg_tps"]);
    assert!(!kept[0]["machine"].as_str().unwrap().is_empty());
}

#[test]
fn bench_errors_are_clear() {
    let home = tempfile::tempdir().unwrap();
    let bad = home.path().join("not-a-model.gguf");
    std::fs::write(&bad, b"nope").unwrap();
    let out = Command::new(hearth()).env("HEARTH_HOME", home.path()).args(["bench", bad.to_str().unwrap(), "-r", "1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a usable GGUF model"));
    let out = Command::new(hearth()).env("HEARTH_HOME", home.path()).args(["bench", demo_model().to_str().unwrap(), "-r", "0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
}

/// After a benchmark, advice for this machine uses what was measured: the prediction for the
/// benchmarked file at depth 0 is the measured generation speed (the catalog's guess for an
/// unknown CPU is far off on this VM).
#[test]
fn advice_for_this_machine_is_calibrated_by_its_benchmark() {
    let home = tempfile::tempdir().unwrap();
    let model = demo_model();
    let advise = || {
        let out = Command::new(hearth())
            .env("HEARTH_HOME", home.path())
            .args(["advise", "--model", model.to_str().unwrap(), "--hardware", "detect", "--ctx", "2048", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let before = advise();
    assert!(!before["hardware"]["note"].as_str().unwrap_or("").contains("Calibrated"));

    let out = Command::new(hearth())
        .env("HEARTH_HOME", home.path())
        .args(["bench", model.to_str().unwrap(), "-p", "128", "-n", "32", "-r", "1", "--ttft-prompt", "0", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let measured: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let after = advise();
    assert!(after["hardware"]["note"].as_str().unwrap().contains("Calibrated by 1 benchmark run"), "{}", after["hardware"]);
    let predicted = after["predicted"]["tg_tps_start"].as_f64().unwrap();
    let tg = measured["tg_tps"].as_f64().unwrap();
    assert!((predicted / tg - 1.0).abs() < 0.1, "calibrated prediction {predicted} vs measured {tg}");
    let pp = measured["pp_tps"].as_f64().unwrap();
    let predicted_pp = after["predicted"]["pp_tps"].as_f64().unwrap();
    assert!((predicted_pp / pp - 1.0).abs() < 0.1, "calibrated prompt prediction {predicted_pp} vs measured {pp}");
}
