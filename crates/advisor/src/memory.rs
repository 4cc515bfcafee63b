//! Memory needed to run a model: weights + KV cache + compute buffers + the runtime's overhead,
//! following what llama.cpp allocates (checked against its real buffers in `tests/`).

use hearth_protocol::KvCacheType;
use serde::Serialize;

use crate::{AdvisorError, ModelShape, QuantSpec};

/// llama.cpp's default micro-batch (`n_ubatch`), which the engine also uses.
pub const UBATCH: u32 = 512;

#[derive(Debug, Clone, Copy)]
pub struct MemoryParams {
    pub ctx: u32,
    pub kv_type: KvCacheType,
    pub ubatch: u32,
    pub flash_attention: bool,
    /// The backend runtime's own memory (driver context …), in bytes.
    pub overhead_bytes: f64,
}

/// Bytes; serialized as whole numbers.
#[derive(Debug, Clone, Copy, ts_rs::TS)]
pub struct MemoryEstimate {
    #[ts(type = "number")]
    pub weights_bytes: f64,
    #[ts(type = "number")]
    pub kv_bytes: f64,
    #[ts(type = "number")]
    pub compute_bytes: f64,
    #[ts(type = "number")]
    pub overhead_bytes: f64,
    #[ts(type = "number")]
    pub total_bytes: f64,
}

impl Serialize for MemoryEstimate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let whole = |v: f64| v.max(0.0).round() as u64;
        let mut st = s.serialize_struct("MemoryEstimate", 5)?;
        st.serialize_field("weights_bytes", &whole(self.weights_bytes))?;
        st.serialize_field("kv_bytes", &whole(self.kv_bytes))?;
        st.serialize_field("compute_bytes", &whole(self.compute_bytes))?;
        st.serialize_field("overhead_bytes", &whole(self.overhead_bytes))?;
        st.serialize_field("total_bytes", &whole(self.total_bytes))?;
        st.end()
    }
}

/// llama.cpp pads the context (and the SWA cache) to 256 cells.
fn pad256(n: f64) -> f64 {
    (n / 256.0).ceil() * 256.0
}

/// KV cells held by full-attention and sliding-window layers at this context.
pub(crate) fn kv_cells(shape: &ModelShape, ctx: u32, ubatch: u32) -> (f64, f64) {
    let full = pad256(ctx as f64);
    let swa = if shape.swa_layers > 0 { full.min(pad256((shape.swa_window + ubatch) as f64)) } else { 0.0 };
    (full, swa)
}

/// Bytes of the KV cache at this context: full layers hold every cell, sliding-window layers
/// only theirs, MLA models the latent.
pub fn kv_cache_bytes(shape: &ModelShape, ctx: u32, ubatch: u32, kv_type: KvCacheType) -> f64 {
    let (full_cells, swa_cells) = kv_cells(shape, ctx, ubatch);
    let per_cell = shape.kv_values_per_token * kv_type.bytes_per_value();
    shape.full_layers as f64 * full_cells * per_cell + shape.swa_layers as f64 * swa_cells * per_cell
}

pub fn estimate_memory(shape: &ModelShape, quant: Option<&QuantSpec>, p: &MemoryParams) -> Result<MemoryEstimate, AdvisorError> {
    if p.ctx == 0 {
        return Err(AdvisorError::InvalidInput("the context must be at least one token".into()));
    }
    let weights = shape.weights_bytes(quant)?;
    let (full_cells, swa_cells) = kv_cells(shape, p.ctx, p.ubatch);
    let kv = kv_cache_bytes(shape, p.ctx, p.ubatch, p.kv_type);
    let ub = p.ubatch as f64;
    // Logits for a whole ubatch (f32) dominate small models; then the FFN activations, the
    // attention masks (f16, one per cache), and the logits output buffer of one token.
    let mut compute =
        shape.vocab as f64 * ub * 4.0 + ub * shape.ffn as f64 * 8.0 + full_cells * ub * 2.0 + swa_cells * ub * 2.0 + shape.vocab as f64 * 4.0;
    if !p.flash_attention {
        // Without flash attention the KQ matrix of one layer is materialized (f32).
        compute += shape.heads as f64 * full_cells * ub * 4.0;
    }
    Ok(MemoryEstimate {
        weights_bytes: weights,
        kv_bytes: kv,
        compute_bytes: compute,
        overhead_bytes: p.overhead_bytes,
        total_bytes: weights + kv + compute + p.overhead_bytes,
    })
}
