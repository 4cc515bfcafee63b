//! Which devices a model's layers go to: the user's choice, by llama.cpp's device names (`Vulkan0`,
//! `CUDA1`, `CPU`: what llama-server's `--device` takes), checked against the devices this build
//! and this machine have. Nothing chosen means llama.cpp's default: every GPU it found.

use hearth_protocol::ComputeDevice;

use crate::EngineError;

/// Where the layers may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// llama.cpp's default: every GPU device, layers split between them.
    EveryGpu,
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
        (false, _) => Placement::EveryGpu,
        (true, true) => Placement::CpuOnly,
        (true, false) => Placement::Devices(gpus),
    })
}

/// Where the layers run, as the user reads it: `CPU`, or the GPU devices' names.
pub(crate) fn describe(placement: &Placement, gpu_layers: Option<u32>, available: &[ComputeDevice]) -> String {
    let gpus: Vec<&str> = match placement {
        Placement::EveryGpu => available.iter().filter(|d| !is_host(d)).map(|d| d.name.as_str()).collect(),
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
        ComputeDevice { name: name.into(), description: String::new(), backend: backend.into(), memory_total_bytes: 0, memory_free_bytes: 0 }
    }

    fn machine() -> Vec<ComputeDevice> {
        vec![device("CUDA0", "CUDA"), device("CUDA1", "CUDA"), device("Vulkan0", "Vulkan"), device("CPU", "CPU"), device("BLAS", "BLAS")]
    }

    fn names(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_chosen_is_every_gpu() {
        assert_eq!(resolve(&[], &machine()).unwrap(), Placement::EveryGpu);
        assert_eq!(resolve(&names(&["", " "]), &machine()).unwrap(), Placement::EveryGpu);
        assert_eq!(describe(&Placement::EveryGpu, None, &machine()), "CUDA0,CUDA1,Vulkan0");
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
