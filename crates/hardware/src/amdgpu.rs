//! AMD GPUs through amdgpu's sysfs files (`/sys/class/drm/cardN/device`). On an APU such as
//! Strix Halo the "VRAM" is only the BIOS carve-out; most of what the GPU can use is GTT (system
//! RAM it maps, capped by ttm's `pages_limit`), so the usable pool is VRAM + GTT.

use crate::{sysfs, GpuSnapshot, MemoryKind, PowerCap, Roots};

const AMD: u32 = 0x1002;
/// Integrated GPUs by PCI device id. 0x1586: Strix Halo [Radeon 8050S / 8060S] (pci.ids; `lspci -nn`
/// on Ryzen AI Max+ 395 machines shows `[1002:1586]`, class "Display controller [0380]").
const APU_DEVICE_IDS: &[(u32, &str)] = &[(0x1586, "AMD Radeon 8060S (Strix Halo)")];
/// PCI class "Display controller" (0x0380): how AMD's recent APUs present, where discrete cards
/// are "VGA compatible controller" (0x0300).
const DISPLAY_CONTROLLER_CLASS: u32 = 0x038000;

pub fn read_all(roots: &Roots) -> Vec<GpuSnapshot> {
    let mut out = Vec::new();
    for card in sysfs::entries(&roots.sysfs.join("class/drm"), "card") {
        let name = card.file_name().unwrap().to_string_lossy().into_owned();
        if !name[4..].chars().all(|c| c.is_ascii_digit()) || name.len() == 4 {
            continue; // connectors such as card0-DP-1
        }
        let dev = card.join("device");
        if sysfs::hex(&dev.join("vendor")) != Some(AMD) {
            continue;
        }
        out.push(read_card(roots, &dev));
    }
    out
}

fn read_card(roots: &Roots, dev: &std::path::Path) -> GpuSnapshot {
    let device_id = sysfs::hex(&dev.join("device"));
    let class = sysfs::hex(&dev.join("class"));
    let known = device_id.and_then(|id| APU_DEVICE_IDS.iter().find(|(d, _)| *d == id));
    let unified = known.is_some() || class == Some(DISPLAY_CONTROLLER_CLASS);
    let bytes = |f: &str| sysfs::number::<u64>(&dev.join(f));
    let (vram_total, vram_used) = (bytes("mem_info_vram_total"), bytes("mem_info_vram_used"));
    let (gtt_total, gtt_used) = (bytes("mem_info_gtt_total"), bytes("mem_info_gtt_used"));
    let hwmon = sysfs::entries(&dev.join("hwmon"), "hwmon").into_iter().next();
    let from_hwmon = |f: &str| hwmon.as_ref().and_then(|h| sysfs::number::<f64>(&h.join(f)));
    let power_uw = from_hwmon("power1_average").or_else(|| from_hwmon("power1_input"));
    let sum = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    };
    let pages_limit = sysfs::number::<u64>(&roots.sysfs.join("module/ttm/parameters/pages_limit"));
    // What the GPU can really map: the GTT size, unless ttm's page limit is lower.
    let gtt_usable = match (gtt_total, pages_limit) {
        (Some(gtt), Some(pages)) => Some(gtt.min(pages.saturating_mul(4096))),
        (gtt, _) => gtt,
    };
    let name = sysfs::text(&dev.join("product_name"))
        .or_else(|| known.map(|(_, n)| n.to_string()))
        .unwrap_or_else(|| format!("AMD GPU {:04x}", device_id.unwrap_or(0)));
    let gib = |b: u64| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64);
    let note = if unified {
        let mut n = String::from(
            "Integrated GPU: VRAM is the BIOS carve-out and GTT is system RAM the GPU maps; together they are the pool llama.cpp can use.",
        );
        if let Some(pages) = pages_limit {
            n.push_str(&format!(" GTT is capped by ttm pages_limit ({}).", gib(pages * 4096)));
        }
        Some(n)
    } else {
        None
    };
    GpuSnapshot {
        name,
        vendor: "amd".into(),
        memory_kind: if unified { MemoryKind::Unified } else { MemoryKind::DedicatedAndShared },
        dedicated_total_bytes: vram_total,
        shared_total_bytes: gtt_total,
        addressable_total_bytes: sum(vram_total, gtt_usable),
        used_bytes: sum(vram_used, gtt_used),
        utilization_percent: sysfs::number::<f64>(&dev.join("gpu_busy_percent")),
        temperature_c: from_hwmon("temp1_input").map(|m| m / 1000.0),
        power_w: power_uw.map(|uw| uw / 1e6),
        clock_mhz: from_hwmon("freq1_input").map(|hz| (hz / 1e6).round() as u32),
        power_cap: match (from_hwmon("power1_cap"), from_hwmon("power1_cap_default"), &hwmon) {
            (Some(cap), Some(default), Some(h)) => Some(PowerCap {
                limit_w: cap / 1e6,
                default_w: default / 1e6,
                // The path as the machine names it, also when read from a replayed tree.
                path: h.strip_prefix(&roots.sysfs).ok().map(|p| format!("/sys/{}", p.join("power1_cap").display())),
            }),
            _ => None,
        },
        source: "amdgpu sysfs (mem_info_vram_*, mem_info_gtt_*, gpu_busy_percent, hwmon)".into(),
        note,
    }
}
