//! Against a real NVIDIA GPU: our NVML readings agree with `nvidia-smi`.
//! Run on a GPU machine with `scripts/gpu-tests.sh`.

use std::process::Command;
use std::time::Duration;

use hearth_hardware::{MemoryKind, Probe};

#[test]
#[ignore = "needs an NVIDIA GPU"]
fn nvml_readings_agree_with_nvidia_smi() {
    let out = Command::new("nvidia-smi")
        .args(["--query-gpu=memory.used,memory.total,temperature.gpu,power.draw", "--format=csv,noheader,nounits"])
        .output()
        .expect("nvidia-smi is not installed");
    assert!(out.status.success());
    let line = String::from_utf8_lossy(&out.stdout).lines().next().unwrap().to_string();
    let f: Vec<Option<f64>> = line.split(',').map(|x| x.trim().parse().ok()).collect();
    let mut probe = Probe::system();
    let snap = probe.snapshot(Duration::from_millis(200));
    let gpu = snap.gpus.iter().find(|g| g.vendor == "nvidia").expect("NVML found no GPU");
    let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
    match (gpu.memory_kind, f[1]) {
        (MemoryKind::Dedicated, Some(total_mib)) => {
            let ours = mib(gpu.addressable_total_bytes.unwrap());
            assert!((ours / total_mib - 1.0).abs() < 0.01, "total {ours} MiB vs nvidia-smi {total_mib} MiB");
            let used = mib(gpu.used_bytes.unwrap());
            assert!((used - f[0].unwrap()).abs() < 256.0, "used {used} MiB vs nvidia-smi {:?}", f[0]);
        }
        // GB10: nvidia-smi prints "[N/A]" for memory; we report the system pool.
        (MemoryKind::Unified, None) => assert!(gpu.addressable_total_bytes.is_some()),
        (kind, total) => panic!("memory kind {kind:?} but nvidia-smi says total {total:?}"),
    }
    if let (Some(t), Some(ours)) = (f[2], gpu.temperature_c) {
        assert!((t - ours).abs() <= 3.0, "temperature {ours} vs {t}");
    }
    if let (Some(p), Some(ours)) = (f[3], gpu.power_w) {
        assert!((p - ours).abs() <= p.max(10.0) * 0.2, "power {ours} W vs {p} W");
    }
}
