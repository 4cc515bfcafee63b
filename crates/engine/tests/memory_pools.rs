//! Issue 15, item 6: the pre-load memory check knows the GPU's pool. Replayed Strix Halo sysfs
//! and /proc roots (tests/fixtures/hardware/strix-halo, with its carve-out and GTT rewritten) and
//! a gpt-oss-120b-sized load at 128K context: about 64 GiB for the GPU (58.5 GiB of layers and
//! output, 4.5 GiB of KV cache, compute) and 1 GiB on the CPU (the embeddings).

use std::path::{Path, PathBuf};

use hearth_engine::memory_check::{judge, split, Pools, Split, Verdict};
use hearth_hardware::Roots;

const GIB: u64 = 1 << 30;
const GPT_OSS_120B_128K: Split = Split { gpu_bytes: 64 * GIB, cpu_bytes: GIB };

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The Strix Halo fixture with `carve_out` bytes of VRAM, `mem_total` of MemTotal and a GTT of
/// `gtt` bytes (and the same ttm page limit).
fn strix_halo(dir: &Path, carve_out: u64, mem_total: u64, gtt: u64) -> Roots {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hardware/strix-halo");
    copy_dir(&fixture, dir);
    let card = dir.join("sys/class/drm/card1/device");
    std::fs::write(card.join("mem_info_vram_total"), carve_out.to_string()).unwrap();
    std::fs::write(card.join("mem_info_gtt_total"), gtt.to_string()).unwrap();
    std::fs::write(dir.join("sys/module/ttm/parameters/pages_limit"), (gtt / 4096).to_string()).unwrap();
    let meminfo = std::fs::read_to_string(dir.join("proc/meminfo")).unwrap();
    let kb = mem_total / 1024;
    let meminfo: String = meminfo
        .lines()
        .map(|l| match l.split(':').next() {
            Some("MemTotal") => format!("MemTotal:       {kb} kB"),
            Some("MemAvailable") => format!("MemAvailable:   {} kB", kb * 9 / 10),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("proc/meminfo"), meminfo + "\n").unwrap();
    Roots { sysfs: dir.join("sys"), proc: dir.join("proc") }
}

fn pools(roots: &Roots) -> Pools {
    Pools::read(roots).expect("the fixture has meminfo")
}

#[test]
fn a_512_mb_carve_out_with_the_default_gtt_refuses_and_names_the_kernel_parameters() {
    let dir = tempfile::tempdir().unwrap();
    // 128 GB machine: MemTotal about 125 GiB; the default GTT is half of it.
    let mem_total = 125 * GIB;
    let roots = strix_halo(dir.path(), 512 << 20, mem_total, mem_total / 2);
    let Verdict::Refused(why) = judge(GPT_OSS_120B_128K, &pools(&roots)) else { panic!("should not fit") };
    assert!(why.contains("the GPU can address 63.0 GiB"), "{why}");
    assert!(why.contains("VRAM 512.0 MiB + GTT 62.5 GiB"), "{why}");
    assert!(why.contains("ttm.pages_limit=") && why.contains("amdgpu.gttsize="), "{why}");
}

#[test]
fn with_the_gtt_raised_it_fits() {
    let dir = tempfile::tempdir().unwrap();
    let roots = strix_halo(dir.path(), 512 << 20, 125 * GIB, 120 * GIB);
    assert_eq!(judge(GPT_OSS_120B_128K, &pools(&roots)), Verdict::Fits);
}

#[test]
fn a_96_gb_carve_out_fits_though_memtotal_is_31_gb() {
    // The regression: weights + KV compared with MemTotal alone refused this machine.
    let dir = tempfile::tempdir().unwrap();
    let mem_total = 31 * GIB;
    let roots = strix_halo(dir.path(), 96 * GIB, mem_total, mem_total / 2);
    let p = pools(&roots);
    assert!(GPT_OSS_120B_128K.gpu_bytes + GPT_OSS_120B_128K.cpu_bytes > p.ram_total);
    assert_eq!(judge(GPT_OSS_120B_128K, &p), Verdict::Fits);
    // On the CPU alone it would not.
    assert!(matches!(judge(Split { gpu_bytes: 0, cpu_bytes: 65 * GIB }, &p), Verdict::Refused(_)));
}

#[test]
fn a_tight_fit_loads_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let roots = strix_halo(dir.path(), 512 << 20, 125 * GIB, 66 * GIB);
    let Verdict::Tight(why) = judge(GPT_OSS_120B_128K, &pools(&roots)) else { panic!("should be tight") };
    assert!(why.contains("64.0 GiB of 66.5 GiB"), "{why}");
}

/// The tiny gpt-oss fixture (scripts/fixtures.sh).
fn tiny_gpt_oss() -> PathBuf {
    let dir = std::env::var_os("HEARTH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/fixtures"));
    let path = dir.join("tiny-gpt-oss-MXFP4.gguf");
    assert!(path.is_file(), "{} is missing: run scripts/fixtures.sh", path.display());
    path
}

#[test]
fn experts_kept_on_the_cpu_leave_the_gpu_side() {
    let gguf = hearth_gguf::GgufFile::open_model(&tiny_gpt_oss()).unwrap();
    let experts: u64 = gguf.tensors.iter().filter(|t| t.name.contains("_exps")).map(|t| t.bytes).sum();
    let embeddings: u64 = gguf.tensors.iter().filter(|t| t.name == "token_embd.weight").map(|t| t.bytes).sum();
    let total: u64 = gguf.tensors.iter().map(|t| t.bytes).sum();
    let all_gpu = split(&gguf, 0, true, None, 0);
    assert_eq!(all_gpu, Split { gpu_bytes: total - embeddings, cpu_bytes: embeddings });
    let moe_on_cpu = split(&gguf, 0, true, None, 4);
    assert_eq!(moe_on_cpu, Split { gpu_bytes: total - embeddings - experts, cpu_bytes: embeddings + experts });
    assert_eq!(split(&gguf, 0, false, None, 0), Split { gpu_bytes: 0, cpu_bytes: total });
    // KV follows the layers: 2 of 4 layers on the GPU take half of it.
    let half = split(&gguf, 1000, true, Some(2), 0);
    assert_eq!(half.gpu_bytes + half.cpu_bytes, total + 1000);
    assert!(half.cpu_bytes >= embeddings + 500);
}
