//! "This machine" as the advisor sees it: the hardware monitor's snapshot matched to a catalog
//! machine (whose bandwidth and compute figures have sources), with this machine's own memory
//! sizes. A machine the catalog does not know gets stated assumptions instead.

use hearth_hardware::{HardwareSnapshot, MemoryKind};

use hearth_protocol::phrase;

use crate::{Catalog, HardwareKind, HardwareSpec, GIB};

/// Dual-channel DDR4-3200 (51.2 GB/s): a conservative guess for an unknown PC's RAM.
const UNKNOWN_RAM_BANDWIDTH_GBS: f64 = 51.2;

pub fn this_machine(catalog: &Catalog, snap: &HardwareSnapshot) -> HardwareSpec {
    let ram_gib = snap.memory.total_bytes.map_or(8.0, |b| b as f64 / GIB);
    let gpu = snap.gpus.iter().max_by_key(|g| g.addressable_total_bytes.unwrap_or(0));
    let from = |id: &str| catalog.machine(id).ok().cloned();
    let known = gpu.and_then(|g| {
        let name = g.name.to_ascii_lowercase();
        if name.contains("8060s")
            || name.contains("strix halo")
            || (g.vendor == "AMD" && g.memory_kind == MemoryKind::Unified && name.contains("1586"))
        {
            from("strix-halo-395-128gb")
        } else if name.contains("gb10") {
            from("dgx-spark")
        } else if name.contains("5090") {
            from("rtx-5090")
        } else if name.contains("4090") {
            from("rtx-4090")
        } else if name.contains("3090") {
            from("rtx-3090")
        } else if name.contains("2080") && !name.contains(" ti") && !name.contains("super") {
            from("rtx-2080-i9-10900x")
        } else if name.contains("rtx pro 6000") {
            from("rtx-pro-6000")
        } else {
            None
        }
    });
    let gpu_gib = gpu.and_then(|g| g.addressable_total_bytes).map(|b| b as f64 / GIB);
    match (known, gpu) {
        (Some(mut spec), Some(g)) => {
            spec.id = "this-machine".into();
            let name = this_machine_name(g.name.clone(), ram_gib);
            spec.name = name.text.clone();
            spec.name_phrase = Some(name);
            spec.ram_gib = ram_gib;
            if let Some(gib) = gpu_gib {
                spec.gpu_memory_gib = gib;
            }
            let note = phrase!(
                "said.advisor.thisMachineFromCatalog",
                "Bandwidth and compute from the catalog's {source}; memory sizes read from this machine.",
                source = spec.source.split(';').next().unwrap_or_default().to_string()
            );
            spec.note = Some(note.text.clone());
            spec.note_phrases = vec![note];
            spec
        }
        _ => {
            let name = this_machine_name(snap.cpu.name.clone().unwrap_or_else(|| "CPU".into()), ram_gib);
            let note = phrase!(
                "said.advisor.thisMachineAssumed",
                "Assumed: {bandwidth} GB/s RAM bandwidth (dual-channel DDR4-3200) and 50 GFLOPS per core; Hearth's benchmark measures the real figures.",
                bandwidth = UNKNOWN_RAM_BANDWIDTH_GBS
            );
            HardwareSpec {
                id: "this-machine".into(),
                name: name.text.clone(),
                name_phrase: Some(name),
                note: Some(note.text.clone()),
                note_phrases: vec![note],
                kind: HardwareKind::Cpu,
                ram_gib,
                gpu_memory_gib: 0.0,
                bandwidth_gbs: UNKNOWN_RAM_BANDWIDTH_GBS,
                host_bandwidth_gbs: UNKNOWN_RAM_BANDWIDTH_GBS,
                matmul_tflops: 0.05 * snap.cpu.cores.unwrap_or(4) as f64,
                backend: "cpu".into(),
                backends: Vec::new(),
                power_w: None,
                price_usd: None,
                source: "this machine's RAM size (/proc/meminfo); no GPU the catalog knows".into(),
                tg_calibration: None,
                pp_calibration: None,
            }
        }
    }
}

/// "This machine (its GPU or CPU, its RAM)".
fn this_machine_name(device: String, ram_gib: f64) -> hearth_protocol::Phrase {
    phrase!("said.advisor.thisMachine", "This machine ({gpu}, {ram:.0} GiB RAM)", gpu = device, ram = ram_gib)
}
