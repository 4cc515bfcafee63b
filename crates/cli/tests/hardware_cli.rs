//! `hearth hardware --json` against replayed machines (tests/fixtures/hardware, written by its
//! make-fixtures.py) and against this machine.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hardware").join(name)
}

/// `hearth hardware ARGS` on the replayed machine `name` (its `sys` and `proc` trees).
fn hardware_on(name: &str, args: &[&str]) -> std::process::Output {
    let root = fixture(name);
    Command::new(common::hearth())
        .arg("hardware")
        .args(args)
        .arg("--sysfs-root")
        .arg(root.join("sys"))
        .arg("--proc-root")
        .arg(root.join("proc"))
        .output()
        .unwrap()
}

fn replay(name: &str) -> Value {
    let out = hardware_on(name, &["--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Regression: the text form printed "-" for every reading a machine lacks ("cpu  AMD EPYC · 2
/// threads · 50% load · - · -"); now it leaves them out.
#[test]
fn the_text_form_leaves_out_what_a_machine_does_not_read() {
    for name in ["strix-halo", "bare-vm", "amd-discrete"] {
        let out = hardware_on(name, &[]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!text.contains("· -") && !text.contains(" - "), "{name}: {text}");
        let cpu = text.lines().find(|l| l.starts_with("cpu ")).unwrap_or_default();
        assert!(cpu.contains(" threads"), "{name}: {text}");
    }
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

/// `hearth hardware --check-tuning --json` on a replayed machine, with `extra` arguments.
fn tuning(name: &str, extra: &[&str]) -> Value {
    let out = hardware_on(name, &[&["--check-tuning", "--json"], extra].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap_or_else(|| panic!("no {id} finding in {report:#}"))
}

#[test]
fn a_strix_halo_as_shipped_gets_each_guide_setting_with_the_change_to_make() {
    let r = tuning("strix-halo-default", &[]);
    assert_eq!(r["kernel_release"], "6.8.0-31-generic");
    for f in r["findings"].as_array().unwrap() {
        for key in ["id", "severity", "observed", "recommended", "fix", "source", "why", "title"] {
            assert!(f.get(key).is_some(), "{key} in {f}");
        }
        assert!(!f["source"].as_str().unwrap().is_empty());
    }
    // ttm's default: half of MemTotal (131,366,000 kB) is 62.6 GiB; the guide leaves 4 GiB to the OS.
    let gtt = finding(&r, "gtt-size");
    assert_eq!(gtt["severity"], "advice");
    assert!(gtt["observed"].as_str().unwrap().contains("62.6 GiB GTT"), "{gtt}");
    assert!(gtt["recommended"].as_str().unwrap().starts_with("121.0 GiB"), "{gtt}");
    let fix = gtt["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!("ttm.pages_limit={}", 121 * GIB / 4096)) && fix.contains("amdgpu.gttsize=123904") && fix.contains("update-grub"),
        "{fix}"
    );
    assert_eq!(finding(&r, "iommu")["severity"], "advice");
    assert!(finding(&r, "iommu")["fix"].as_str().unwrap().contains("amd_iommu=off"));
    assert_eq!(finding(&r, "platform-profile")["observed"], "balanced (/sys/firmware/acpi/platform_profile)");
    assert_eq!(finding(&r, "cpu-governor")["observed"], "powersave (amd-pstate-epp)");
    assert_eq!(finding(&r, "bios-carve-out")["severity"], "ok", "512 MiB is the guide's carve-out");
    // Kernels before 6.18.4 have the gfx1151 stability bug (the toolboxes' guide).
    assert_eq!(finding(&r, "kernel")["severity"], "advice");
    assert_eq!(finding(&r, "kernel")["observed"], "6.8.0-31-generic (/proc/sys/kernel/osrelease)");
    assert_eq!(finding(&r, "firmware")["severity"], "ok");
    assert_eq!(finding(&r, "firmware")["observed"], "linux-firmware 20240318.git3b128b60-0ubuntu2.11");
    let severities: Vec<&str> = r["findings"].as_array().unwrap().iter().map(|f| f["severity"].as_str().unwrap()).collect();
    let mut sorted = severities.clone();
    sorted.sort_by_key(|s| ["problem", "advice", "ok"].iter().position(|x| x == s));
    assert_eq!(severities, sorted, "problems first, then advice");
}

#[test]
fn gpt_oss_120b_at_32k_and_128k_is_checked_against_a_default_gtt() {
    let at = |ctx: &str| tuning("strix-halo-default", &["--model", "gpt-oss-120b", "--ctx", ctx]);
    let (short, long) = (at("32768"), at("131072"));
    let need = |r: &Value| r["model_need_bytes"].as_u64().unwrap();
    assert!(short["model"].as_str().unwrap().contains("gpt-oss-120b MXFP4 at 32768 tokens"), "{short}");
    // gpt-oss-120b's MXFP4 GGUF is about 59 GiB; the 128K cache adds its full-attention layers' KV.
    assert!(need(&short) > 59 * GIB && need(&long) > need(&short) + 3 * GIB, "{} {}", need(&short), need(&long));
    // The GPU addresses 62.6 GiB GTT + 0.5 GiB VRAM here: 128K does not fit and says how much GTT it takes.
    let pool = 131_366_000u64 * 1024 / 2 + 512 * MIB;
    for r in [&short, &long] {
        let gtt = finding(r, "gtt-size");
        let fits = need(r) <= pool;
        assert_eq!(gtt["severity"], if fits { "ok" } else { "problem" }, "{gtt}");
        if !fits {
            let least = (need(r) - 512 * MIB).div_ceil(GIB);
            assert!(gtt["recommended"].as_str().unwrap().contains(&format!("at least {least}.0 GiB")), "{gtt}");
            assert!(gtt["fix"].as_str().unwrap().contains("ttm.pages_limit="), "{gtt}");
        }
    }
    assert_eq!(finding(&long, "gtt-size")["severity"], "problem");
    // With the guide's GTT (120 GiB here) the same model at 128K fits.
    let tuned = tuning("strix-halo", &["--model", "gpt-oss-120b", "--ctx", "131072"]);
    assert_eq!(finding(&tuned, "gtt-size")["severity"], "ok");
    for f in tuned["findings"].as_array().unwrap() {
        assert_eq!(f["severity"], "ok", "a tuned machine: {f}");
        assert_eq!(f["fix"], Value::Null);
    }
}

#[test]
fn a_windows_sized_carve_out_a_bare_gttsize_broken_firmware_and_an_old_nvidia_driver_are_named() {
    let r = tuning("strix-halo-carve-out", &[]);
    let carve = finding(&r, "bios-carve-out");
    assert_eq!(carve["severity"], "advice");
    assert!(carve["observed"].as_str().unwrap().starts_with("96.0 GiB reserved"), "{carve}");
    assert!(carve["fix"].as_str().unwrap().contains("512M"));
    // The firmware release that breaks ROCm on Strix Halo.
    let firmware = finding(&r, "firmware");
    assert_eq!(firmware["severity"], "problem");
    assert!(firmware["fix"].as_str().unwrap().contains("20260110"), "{firmware}");
    let param = finding(&r, "gtt-parameter");
    assert_eq!(param["severity"], "advice");
    assert!(param["fix"].as_str().unwrap().contains(&format!("ttm.pages_limit={}", 28 * GIB / 4096)), "{param}");

    let r = tuning("nvidia-old-driver", &[]);
    let driver = finding(&r, "nvidia-driver");
    assert_eq!(driver["severity"], "problem");
    assert!(driver["observed"].as_str().unwrap().starts_with("470.256.02"));
    assert!(driver["source"].as_str().unwrap().contains("Minor Version Compatibility"));
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["id"] != "gtt-size"), "no AMD APU, no GTT check");
}

#[test]
fn a_lowered_gpu_power_cap_is_named_with_the_command_that_restores_it() {
    // amdgpu's hwmon power1_cap at 250 W of power1_cap_default's 355 W (microwatts in sysfs).
    let r = tuning("amd-discrete", &[]);
    let cap = finding(&r, "power-limit");
    assert_eq!(cap["severity"], "advice", "{cap}");
    assert!(cap["observed"].as_str().unwrap().ends_with("capped at 250 W of its default 355 W"), "{cap}");
    // The path as the machine names it, not the replayed tree's.
    assert_eq!(
        cap["fix"],
        "`echo 355000000 | sudo tee /sys/class/drm/card0/device/hwmon/hwmon5/power1_cap` (until reboot; a udev rule or systemd unit keeps it)"
    );
    assert!(cap["source"].as_str().unwrap().contains("amdgpu_pm.c"));
    // The UI says it from the phrase: its key and values, the English beside them.
    assert_eq!(cap["phrases"]["observed"]["key"], "said.tuning.powerLimit.observed");
    assert_eq!(cap["phrases"]["observed"]["args"]["limit"], 250.0);
    assert_eq!(cap["phrases"]["observed"]["text"], cap["observed"]);
    // A Strix Halo's amdgpu shows no cap (its limits are the platform profile's): no finding.
    assert!(tuning("strix-halo-default", &[])["findings"].as_array().unwrap().iter().all(|f| f["id"] != "power-limit"));
}

#[test]
fn the_tuning_check_reads_as_text_too() {
    let out = hardware_on("strix-halo-default", &["--check-tuning", "--model", "gpt-oss-120b", "--ctx", "131072"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[PROBLEM] GPU-addressable system memory (GTT) (gtt-size)") && text.contains("source:"), "{text}");
    let out = Command::new(common::hearth()).args(["hardware", "--check-tuning", "--model", "no-such-model"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.lines().count() == 1 && err.contains("no-such-model"), "{err}");
}

/// A regression: a GGUF file was checked as the advisor's recommended quant of it ("….Q4_1.gguf
/// Q8_0"), not as the file it is.
#[test]
fn a_model_file_is_checked_as_the_file_it_is() {
    let model = common::demo_model();
    let r = tuning("strix-halo-default", &["--model", model.to_str().unwrap(), "--ctx", "4096"]);
    assert_eq!(r["model"], "SmolLM2-135M-Instruct.Q4_1.gguf at 4096 tokens");
    let size = std::fs::metadata(&model).unwrap().len();
    let need = r["model_need_bytes"].as_u64().unwrap();
    assert!(need > size && need < size + GIB, "the file's own weights and a small cache: {need} for a {size}-byte file");
}
