//! Which devices a model's layers go to: the user's choice, by llama.cpp's device names (`Vulkan0`,
//! `CUDA1`, `CPU`: what llama-server's `--device` takes), checked against the devices this build
//! and this machine have. Nothing chosen means the best GPU (`choose_default`), never a software
//! Vulkan device such as Mesa's lavapipe unless it is named.

use hearth_protocol::{phrase, ComputeDevice, Phrase};

use crate::EngineError;

/// Where the layers may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// No GPU: every layer on the CPU (the same as 0 GPU layers).
    CpuOnly,
    /// These GPU devices only, by their index in llama.cpp's device list.
    Devices(Vec<usize>),
}

/// A device that computes on the host: ggml's CPU device and its BLAS accelerator. llama.cpp
/// always uses those; they are never named in its device list of a model.
pub(crate) fn is_host(device: &ComputeDevice) -> bool {
    device.backend.eq_ignore_ascii_case("cpu") || device.backend.eq_ignore_ascii_case("blas")
}

/// The placement for `chosen` among `available` (llama.cpp's device list, in its order).
/// Names match without regard to case. A name this build or machine lacks is an error that says
/// what there is, rather than a silent fall-back to the CPU.
pub(crate) fn resolve(chosen: &[String], available: &[ComputeDevice]) -> Result<Placement, EngineError> {
    let mut gpus = Vec::new();
    for name in chosen.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let Some(index) = available.iter().position(|d| d.name.eq_ignore_ascii_case(name)) else {
            let names: Vec<&str> = available.iter().map(|d| d.name.as_str()).collect();
            return Err(EngineError::UnknownDevice(format!(
                "there is no compute device named \"{name}\" here; this build and machine have: {}",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            )));
        };
        if !is_host(&available[index]) && !gpus.contains(&index) {
            gpus.push(index);
        }
    }
    let named_any = chosen.iter().any(|n| !n.trim().is_empty());
    Ok(match (named_any, gpus.is_empty()) {
        (false, _) => choose_default(available).0,
        (true, true) => Placement::CpuOnly,
        (true, false) => Placement::Devices(gpus),
    })
}

/// A device of another machine, through llama.cpp's RPC backend (its description is the
/// server's `HOST:PORT`).
pub(crate) fn is_rpc(device: &ComputeDevice) -> bool {
    device.backend.eq_ignore_ascii_case("rpc")
}

/// The placement with the devices of the RPC servers at `endpoints` added: theirs, then the
/// local choice's (a model split over this machine's GPU and the servers' devices; with no
/// local GPU, the CPU takes the layers left).
pub(crate) fn with_rpc(placement: Placement, endpoints: &[String], available: &[ComputeDevice]) -> Placement {
    let mut indices: Vec<usize> =
        (0..available.len()).filter(|&i| is_rpc(&available[i]) && endpoints.iter().any(|e| e.trim() == available[i].description)).collect();
    if indices.is_empty() {
        return placement;
    }
    if let Placement::Devices(local) = placement {
        for i in local {
            if !indices.contains(&i) {
                indices.push(i);
            }
        }
    }
    Placement::Devices(indices)
}

/// A Vulkan device that is the CPU behind a GPU API (Mesa's lavapipe, SwiftShader): slower than
/// ggml's own CPU code, so never chosen unless named.
pub(crate) fn is_software(device: &ComputeDevice) -> bool {
    let d = device.description.to_ascii_lowercase();
    device.kind == "cpu" || d.contains("llvmpipe") || d.contains("lavapipe") || d.contains("swiftshader")
}

/// How good a GPU is for a model, when nothing was chosen: a discrete GPU before an integrated
/// one; then the backend (CUDA is llama.cpp's fastest on NVIDIA; Vulkan before ROCm, the path
/// tested here and the one llama.cpp's Strix Halo users report faster for generation,
/// docs/gpu-backends.md); then the memory it has.
fn rank(device: &ComputeDevice) -> (u8, u8, u64) {
    let kind = match device.kind.as_str() {
        "gpu" => 2,
        "igpu" => 1,
        _ => 0,
    };
    let backend = match device.backend.to_ascii_lowercase().as_str() {
        "cuda" => 3,
        "vulkan" => 2,
        "rocm" | "hip" => 1,
        _ => 0,
    };
    (kind, backend, device.memory_total_bytes)
}

/// Where the layers go when the user chose nothing: the best GPU (one device: splitting a model
/// over a slow and a fast GPU, or over two backends of the same card, costs more than it gives),
/// and why, in words the model bar, the first run and `hearth chat` show (a phrase, so that the
/// window says it in its language; its `text` is the English).
pub(crate) fn choose_default(available: &[ComputeDevice]) -> (Placement, Phrase) {
    // Other machines' devices are used only when their servers are given (`with_rpc`).
    let gpus: Vec<usize> = (0..available.len()).filter(|&i| !is_host(&available[i]) && !is_rpc(&available[i])).collect();
    let usable: Vec<usize> = gpus.iter().copied().filter(|&i| !is_software(&available[i])).collect();
    let Some(&best) = usable.iter().max_by_key(|&&i| rank(&available[i])) else {
        let reason = match gpus.first() {
            Some(&i) => phrase!(
                "said.device.cpuOverSoftware",
                "the CPU: the only GPU device, {name} ({description}), is software rendering, slower than the CPU backend (choose it by name to use it)",
                name = available[i].name.clone(),
                description = available[i].description.clone()
            ),
            None => phrase!("said.device.cpuNoGpu", "the CPU: no GPU was found by this build's backends"),
        };
        return (Placement::CpuOnly, reason);
    };
    let d = &available[best];
    let kind = match d.kind.as_str() {
        "gpu" => phrase!("said.device.discrete", "a discrete GPU"),
        "igpu" => phrase!("said.device.integrated", "an integrated GPU sharing the system's memory"),
        _ => phrase!("said.device.other", "a GPU"),
    };
    let why = if usable.len() == 1 {
        phrase!("said.device.onlyGpu", "the only GPU")
    } else {
        let others: Vec<&str> = usable.iter().filter(|&&i| i != best).map(|&i| available[i].name.as_str()).collect();
        phrase!(
            "said.device.bestOf",
            "the best of {count} (also {others}: choose one by name to use it)",
            count = usable.len() as u32,
            others = others.join(", ")
        )
    };
    let (name, description) = (d.name.clone(), d.description.clone());
    let reason = if d.memory_total_bytes > 0 {
        let gib = d.memory_total_bytes as f64 / 1073741824.0;
        phrase!(
            "said.device.gpuWithMemory",
            "{name} ({description}, {gib:.1} GiB): {kind}, {why}",
            name = name,
            description = description,
            gib = gib,
            kind = kind,
            why = why
        )
    } else {
        phrase!("said.device.gpu", "{name} ({description}): {kind}, {why}", name = name, description = description, kind = kind, why = why)
    };
    (Placement::Devices(vec![best]), reason)
}

/// Where the layers run, as the user reads it: `CPU`, or the GPU devices' names.
pub(crate) fn describe(placement: &Placement, gpu_layers: Option<u32>, available: &[ComputeDevice]) -> String {
    let gpus: Vec<&str> = match placement {
        Placement::CpuOnly => Vec::new(),
        Placement::Devices(indices) => indices.iter().map(|&i| available[i].name.as_str()).collect(),
    };
    if gpus.is_empty() || gpu_layers == Some(0) {
        "CPU".into()
    } else {
        gpus.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(name: &str, backend: &str) -> ComputeDevice {
        let kind = if backend == "CPU" || backend == "BLAS" { "cpu" } else { "gpu" };
        ComputeDevice {
            name: name.into(),
            description: format!("{name} card"),
            backend: backend.into(),
            memory_total_bytes: 0,
            memory_free_bytes: 0,
            kind: kind.into(),
        }
    }

    fn with_memory(mut d: ComputeDevice, gib: u64, kind: &str, description: &str) -> ComputeDevice {
        d.memory_total_bytes = gib << 30;
        d.kind = kind.into();
        d.description = description.into();
        d
    }

    fn machine() -> Vec<ComputeDevice> {
        vec![device("CUDA0", "CUDA"), device("CUDA1", "CUDA"), device("Vulkan0", "Vulkan"), device("CPU", "CPU"), device("BLAS", "BLAS")]
    }

    fn names(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_chosen_is_the_best_gpu_and_says_why() {
        let m = vec![
            with_memory(device("Vulkan0", "Vulkan"), 24, "gpu", "NVIDIA GeForce RTX 4090"),
            with_memory(device("Vulkan1", "Vulkan"), 64, "igpu", "AMD Radeon Graphics"),
            with_memory(device("CUDA0", "CUDA"), 24, "gpu", "NVIDIA GeForce RTX 4090"),
            device("CPU", "CPU"),
        ];
        assert_eq!(resolve(&[], &m).unwrap(), Placement::Devices(vec![2]));
        assert_eq!(resolve(&names(&["", " "]), &m).unwrap(), Placement::Devices(vec![2]));
        let (_, why) = choose_default(&m);
        assert_eq!(
            why.text,
            "CUDA0 (NVIDIA GeForce RTX 4090, 24.0 GiB): a discrete GPU, the best of 3 (also Vulkan0, Vulkan1: choose one by name to use it)"
        );
        // Strix Halo: one integrated GPU over Vulkan.
        let strix = vec![with_memory(device("Vulkan0", "Vulkan"), 96, "igpu", "Radeon 8060S Graphics (RADV GFX1151)"), device("CPU", "CPU")];
        let (placement, why) = choose_default(&strix);
        assert_eq!(placement, Placement::Devices(vec![0]));
        assert_eq!(why.key, "said.device.gpuWithMemory");
        assert_eq!(why.text, "Vulkan0 (Radeon 8060S Graphics (RADV GFX1151), 96.0 GiB): an integrated GPU sharing the system's memory, the only GPU");
    }

    #[test]
    fn a_software_vulkan_device_is_never_chosen_unless_named() {
        let m = vec![with_memory(device("Vulkan0", "Vulkan"), 16, "gpu", "llvmpipe (LLVM 15.0.6, 256 bits)"), device("CPU", "CPU")];
        let (placement, why) = choose_default(&m);
        assert_eq!(placement, Placement::CpuOnly);
        assert!(why.text.contains("software rendering") && why.text.contains("Vulkan0"), "{why}");
        assert_eq!(resolve(&names(&["Vulkan0"]), &m).unwrap(), Placement::Devices(vec![0]));
        assert_eq!(choose_default(&[device("CPU", "CPU")]).1.text, "the CPU: no GPU was found by this build's backends");
    }

    #[test]
    fn chosen_gpus_are_found_by_name_once_each_in_the_order_chosen() {
        let p = resolve(&names(&["cuda1", "Vulkan0", "CUDA1"]), &machine()).unwrap();
        assert_eq!(p, Placement::Devices(vec![1, 2]));
        assert_eq!(describe(&p, None, &machine()), "CUDA1,Vulkan0");
        assert_eq!(describe(&p, Some(0), &machine()), "CPU");
    }

    #[test]
    fn only_host_devices_chosen_means_the_cpu() {
        let p = resolve(&names(&["CPU"]), &machine()).unwrap();
        assert_eq!(p, Placement::CpuOnly);
        assert_eq!(describe(&p, None, &machine()), "CPU");
    }

    #[test]
    fn an_unknown_name_says_what_there_is() {
        let e = resolve(&names(&["ROCm0"]), &machine()).unwrap_err().to_string();
        assert!(e.contains("\"ROCm0\"") && e.contains("CUDA0, CUDA1, Vulkan0, CPU, BLAS"), "{e}");
    }

    #[test]
    fn a_cpu_only_build_describes_itself_as_cpu() {
        let cpu = vec![device("CPU", "CPU")];
        assert_eq!(describe(&resolve(&[], &cpu).unwrap(), None, &cpu), "CPU");
    }
}
