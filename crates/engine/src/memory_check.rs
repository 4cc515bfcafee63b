//! A refusal before loading when a model cannot fit. mmap lets llama.cpp "load" a model larger
//! than memory and then thrash, and a failed allocation may abort: we check first and say why.

use std::path::Path;

use hearth_advisor::{kv_cache_bytes, ModelShape, UBATCH};
use hearth_gguf::GgufFile;
use hearth_protocol::KvCacheType;

/// Bytes the KV cache will take at `n_ctx`, by the advisor's formula (sliding-window layers and
/// MLA included); 0 for a file too odd to have a shape, which llama.cpp then judges itself.
pub fn kv_bytes(gguf: &GgufFile, path: &Path, n_ctx: u32, kv_type: KvCacheType) -> u64 {
    ModelShape::from_gguf(gguf, path).map_or(0, |shape| kv_cache_bytes(&shape, n_ctx, UBATCH, kv_type) as u64)
}

/// (total, available) system memory in bytes, where the machine says.
pub fn system_memory() -> Option<(u64, u64)> {
    let m = hearth_hardware::system_memory(&hearth_hardware::Roots::default());
    Some((m.total_bytes?, m.available_bytes?))
}

/// "64.0 GiB", or "97.6 MiB" under a GiB.
pub fn size_text(bytes: u64) -> String {
    if bytes < 1 << 30 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    }
}

/// `Err(message)` when weights plus KV cache exceed what this machine can give them.
pub fn check_fits(weights: u64, kv: u64, total: u64, available: u64, gpu_offload: bool) -> Result<(), String> {
    let need = weights + kv;
    if need > total {
        return Err(format!(
            "the model needs about {} (weights {} + KV cache {}) but this machine has {} of memory in all",
            size_text(need),
            size_text(weights),
            size_text(kv),
            size_text(total)
        ));
    }
    // With a GPU backend the weights may live in VRAM, so system RAM alone does not decide.
    if !gpu_offload && need > available {
        return Err(format!(
            "the model needs about {} (weights {} + KV cache {}) but only {} of memory is available now; \
             close other programs, choose a smaller quant or a shorter context",
            size_text(need),
            size_text(weights),
            size_text(kv),
            size_text(available)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_larger_than_memory_is_refused_with_numbers() {
        let err = check_fits(70 << 30, 2 << 30, 64 << 30, 60 << 30, true).unwrap_err();
        assert!(err.contains("64.0 GiB"), "{err}");
    }

    #[test]
    fn available_memory_counts_only_without_gpu_offload() {
        assert!(check_fits(10 << 30, 0, 64 << 30, 5 << 30, false).is_err());
        assert!(check_fits(10 << 30, 0, 64 << 30, 5 << 30, true).is_ok());
    }
}
