//! The settings a model file gets on its first load, when nothing is saved for it yet: the
//! advisor's placement for this file on this machine at the longest context (up to the trained
//! one) that fits whole with 5 % to spare, instead of a fixed 8192 cap. A MoE model with its
//! layers on a GPU gets a 2048-token ubatch where the larger compute buffer still fits: prompt
//! processing of gpt-oss-120b on a GPU grew about 3x from ubatch 512 to 2048 in an informal
//! llama-bench run (RTX 3090, LocalLLaMA, 2026-05; to be measured with bench/ on real hardware),
//! and llama.cpp's default stays 512 because the compute buffer grows with it.

use hearth_advisor::{advise, AdviceRequest, Catalog, Fit, HardwareSpec, ModelShape, QuantRow, Use};
use hearth_protocol::{FlashAttention, KvCacheType, ModelSettings};

/// The smallest context a first load gets.
const MIN_CTX: u32 = 4096;
/// The ubatch a MoE model on a GPU gets when it fits.
const MOE_UBATCH: u32 = 2048;

/// The advisor's row for this file (`quant`: a catalog quant instead, for a catalog shape) at `ctx`.
fn row_at(shape: &ModelShape, machine: &HardwareSpec, ctx: u32, quant: Option<&str>) -> Option<(QuantRow, f64)> {
    let req = AdviceRequest { shape, hardware: machine, backend: None, ctx, depth: 0, kv_type: KvCacheType::F16, use_case: Use::Chat, quant };
    let advice = advise(Catalog::builtin(), &req).ok()?;
    let pool = if matches!(machine.kind, hearth_advisor::HardwareKind::Cpu) { advice.ram_pool_bytes } else { advice.gpu_pool_bytes };
    let row = match quant {
        None => advice.rows.into_iter().find(|r| r.this_file),
        Some(q) => advice.rows.into_iter().find(|r| r.quant == q),
    }?;
    Some((row, pool))
}

/// The first-load settings for `shape` on `machine`.
pub fn first_load_settings(shape: &ModelShape, machine: &HardwareSpec, quant: Option<&str>) -> ModelSettings {
    let mut settings = ModelSettings::default();
    let trained = shape.native_ctx.max(MIN_CTX);
    let whole = |r: &QuantRow, pool: f64| matches!(r.fits, Fit::Gpu | Fit::Unified | Fit::Cpu) && r.memory.total_bytes <= 0.95 * pool;
    // The trained context, then halves of it, down to MIN_CTX.
    let mut ctx = trained;
    let mut chosen = None;
    while ctx >= MIN_CTX {
        match row_at(shape, machine, ctx, quant) {
            Some((row, pool)) if whole(&row, pool) => {
                chosen = Some((ctx, row, pool));
                break;
            }
            _ => ctx /= 2,
        }
    }
    // Nothing fits whole: the advisor's split (experts on the CPU) at the smallest context.
    let Some((ctx, row, pool)) =
        chosen.or_else(|| row_at(shape, machine, MIN_CTX, quant).filter(|(r, _)| r.fits != Fit::No).map(|(r, p)| (MIN_CTX, r, p)))
    else {
        return settings;
    };
    settings.context_length = Some(ctx);
    let on_gpu = matches!(row.fits, Fit::Gpu | Fit::Unified | Fit::Partial);
    if on_gpu {
        settings.gpu_layers = Some(row.gpu_layers);
        settings.n_cpu_moe = (row.n_cpu_moe > 0).then_some(row.n_cpu_moe);
        settings.flash_attention = FlashAttention::On;
        // Fully on the GPU the weights are copied there: mmap would keep a second copy cached.
        settings.mmap = row.fits == Fit::Partial;
        // The compute buffer grows about linearly with the ubatch: four times 512's must fit too.
        if shape.experts > 0 && row.memory.total_bytes + 3.0 * row.memory.compute_bytes <= 0.95 * pool {
            settings.batch_size = MOE_UBATCH;
            settings.ubatch_size = Some(MOE_UBATCH);
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog_shape(id: &str) -> ModelShape {
        ModelShape::from_catalog(Catalog::builtin().model(id).unwrap())
    }

    fn machine(id: &str) -> HardwareSpec {
        Catalog::builtin().machine(id).unwrap().clone()
    }

    #[test]
    fn gpt_oss_120b_on_a_strix_halo_gets_its_whole_context_and_a_big_ubatch() {
        let s = first_load_settings(&catalog_shape("gpt-oss-120b"), &machine("strix-halo-395-128gb"), Some("MXFP4"));
        assert_eq!(s.context_length, Some(131_072), "{s:?}");
        assert_eq!(s.n_cpu_moe, None);
        assert_eq!(s.flash_attention, FlashAttention::On);
        assert_eq!(s.ubatch_size, Some(2048));
        assert!(!s.mmap);
    }

    #[test]
    fn gpt_oss_120b_on_a_24_gb_card_keeps_experts_on_the_cpu() {
        let s = first_load_settings(&catalog_shape("gpt-oss-120b"), &machine("rtx-4090"), Some("MXFP4"));
        assert!(s.n_cpu_moe.is_some_and(|n| n > 0), "{s:?}");
        assert!(s.mmap, "a split model keeps its CPU part mapped");
    }

    #[test]
    fn a_dense_model_gets_no_moe_ubatch() {
        let s = first_load_settings(&catalog_shape("llama-3.1-8b"), &machine("rtx-4090"), Some("Q4_K_M"));
        assert!(s.context_length.unwrap() > 8192, "no fixed 8192 cap: {s:?}");
        assert_eq!(s.ubatch_size, None);
    }
}
