//! One quant of one model on one machine: its memory, where it goes, how fast it runs. The
//! advice table and the machines side by side are both made of these.

use hearth_protocol::KvCacheType;

use crate::memory::{MemoryParams, UBATCH};
use crate::{estimate_memory, place, predict, AdvisorError, Backend, HardwareSpec, MemoryEstimate, ModelShape, Placement, Predicted, QuantSpec, GIB};

pub(crate) struct Evaluated {
    pub memory: MemoryEstimate,
    pub placement: Placement,
    pub predicted: Predicted,
}

/// Flash attention on and llama.cpp's default micro-batch: the settings the advice recommends.
pub(crate) fn evaluate(
    shape: &ModelShape,
    quant: Option<&QuantSpec>,
    hw: &HardwareSpec,
    backend: &Backend,
    ctx: u32,
    depth: u32,
    kv_type: KvCacheType,
) -> Result<Evaluated, AdvisorError> {
    let params = MemoryParams { ctx, kv_type, ubatch: UBATCH, flash_attention: true, overhead_bytes: backend.overhead_gib * GIB };
    let memory = estimate_memory(shape, quant, &params)?;
    let placement = place(shape, quant, &memory, hw)?;
    let predicted = predict(shape, quant, hw, backend, &placement, ctx, depth, kv_type)?;
    Ok(Evaluated { memory, placement, predicted })
}
