//! `hearth hardware --json` against replayed machines (tests/fixtures/hardware, written by its
//! make-fixtures.py) and against this machine.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hardware").join(name)
}

fn replay(name: &str) -> Value {
    let root = fixture(name);
    let out = Command::new(common::hearth())
        .args(["hardware", "--json", "--sysfs-root"])
        .arg(root.join("sys"))
        .arg("--proc-root")
        .arg(root.join("proc"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

#[test]
fn strix_halo_counts_carve_out_and_gtt_as_one_unified_pool() {
    let j = replay("strix-halo");
    assert_eq!(j["memory"]["total_bytes"], 131_366_000u64 * 1024);
    assert_eq!(j["memory"]["used_bytes"], (131_366_000u64 - 118_000_000) * 1024);
    assert_eq!(j["cpu"]["name"], "AMD RYZEN AI MAX+ 395 w/ Radeon 8060S");
    assert_eq!(j["cpu"]["cores"], 32);
    assert_eq!(j["cpu"]["temperature_c"], 78.5);
    let g = &j["gpus"][0];
    assert_eq!(j["gpus"].as_array().unwrap().len(), 1, "connectors are not cards");
    assert_eq!(g["vendor"], "amd");
    assert_eq!(g["memory_kind"], "unified");
    assert_eq!(g["dedicated_total_bytes"], 512 * MIB);
    assert_eq!(g["shared_total_bytes"], 120 * GIB);
    assert_eq!(g["addressable_total_bytes"], 512 * MIB + 120 * GIB);
    assert_eq!(g["used_bytes"], 300 * MIB + 61 * GIB);
    assert_eq!(g["utilization_percent"], 97.0);
    assert_eq!(g["temperature_c"], 71.0);
    assert_eq!(g["power_w"], 118.0);
    assert_eq!(g["clock_mhz"], 2900);
    assert!(g["note"].as_str().unwrap().contains("pages_limit (120.0 GiB)"));
    // A static tree has no counters that move: load and power are unknown, not zero.
    assert_eq!(j["cpu"]["usage_percent"], Value::Null);
    assert_eq!(j["cpu"]["power_w"], Value::Null);
    let kinds: Vec<&str> = j["sensors"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"storage") && kinds.contains(&"cpu") && kinds.contains(&"gpu"), "{kinds:?}");
}

#[test]
fn a_discrete_amd_card_is_dedicated_plus_shared() {
    let j = replay("amd-discrete");
    let g = &j["gpus"][0];
    assert_eq!(g["memory_kind"], "dedicated+shared");
    assert_eq!(g["dedicated_total_bytes"], 24 * GIB);
    assert_eq!(g["shared_total_bytes"], 31 * GIB);
    assert_eq!(g["note"], Value::Null);
    assert_eq!(j["cpu"]["temperature_c"], 66.0, "Tctl, not the hottest CCD");
}

#[test]
fn ddr5_module_sensors_are_memory_temperatures() {
    let j = replay("ddr5-spd5118");
    assert_eq!(j["gpus"], Value::Array(vec![]));
    let memory: Vec<f64> =
        j["sensors"].as_array().unwrap().iter().filter(|s| s["kind"] == "memory").map(|s| s["temperature_c"].as_f64().unwrap()).collect();
    assert_eq!(memory, vec![72.25, 74.5]);
    assert_eq!(j["cpu"]["temperature_c"], 81.0, "coretemp's package sensor");
}

#[test]
fn a_machine_without_gpus_or_sensors_says_null_not_zero() {
    let j = replay("bare-vm");
    assert_eq!(j["gpus"], Value::Array(vec![]));
    assert_eq!(j["sensors"], Value::Array(vec![]));
    assert_eq!(j["cpu"]["temperature_c"], Value::Null);
    assert_eq!(j["cpu"]["power_w"], Value::Null);
    assert_eq!(j["cpu"]["cores"], 2);
}

#[test]
fn broken_files_become_nulls_not_crashes() {
    let j = replay("broken");
    assert_eq!(j["memory"]["total_bytes"], Value::Null);
    assert_eq!(j["memory"]["used_bytes"], Value::Null);
    assert_eq!(j["cpu"]["name"], Value::Null);
    assert_eq!(j["cpu"]["cores"], Value::Null);
    let g = &j["gpus"][0];
    assert_eq!(g["dedicated_total_bytes"], Value::Null);
    assert_eq!(g["shared_total_bytes"], Value::Null);
    assert_eq!(g["utilization_percent"], Value::Null, "a directory where a file should be");
    assert_eq!(j["sensors"], Value::Array(vec![]), "-273 °C and 'n/a' are not readings");
}

#[test]
fn this_machine_agrees_with_proc_meminfo_within_one_percent() {
    let out = Command::new(common::hearth()).args(["hardware", "--json"]).output().unwrap();
    assert!(out.status.success());
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let total_kib: f64 = meminfo.lines().next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let reported = j["memory"]["total_bytes"].as_f64().unwrap();
    assert!((reported / (total_kib * 1024.0) - 1.0).abs() < 0.01);
    let usage = j["cpu"]["usage_percent"].as_f64().expect("this machine's /proc/stat moves");
    assert!((0.0..=100.0).contains(&usage));
}

/// `hearth devices` lists what `--device` takes; on a build without a GPU backend, `--check`
/// says there is nothing to check rather than comparing the CPU with itself and passing.
#[test]
fn devices_lists_the_cpu_and_a_check_without_a_gpu_fails_clearly() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth")).args(["devices", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let devices = listing["devices"].as_array().unwrap();
    assert!(devices.iter().any(|d| d["name"] == "CPU" && d["backend"] == "CPU" && d["kind"] == "cpu"), "{devices:?}");
    assert!(listing["default"].as_str().unwrap().starts_with("the CPU") || devices.len() > 1, "{listing}");
    assert!(listing["backend_libraries"].is_array(), "{listing}");
    if devices.iter().any(|d| d["backend"] != "CPU" && d["backend"] != "BLAS") {
        return; // a GPU build: the check is the GPU tests' (vulkan_device.rs, cuda_device.rs)
    }
    let model = std::env::var("HEARTH_TEST_MODEL")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf").to_string());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth")).args(["devices", "--check", &model, "--json"]).output().unwrap();
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The CPU against itself: every position the same, which is why it must not count as a pass.
    assert_eq!(report["backend"], "CPU");
    assert_eq!(report["same_choice"], report["positions"]);
    assert!(report["positions"].as_u64().unwrap() > 80, "{report}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no GPU device to check"));
}
