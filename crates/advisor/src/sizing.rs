//! Hardware sizing: one model at one context on every catalog machine (and any the user
//! entered), side by side — fits, speed, price and power, tokens per joule.

use serde::Serialize;

use hearth_protocol::KvCacheType;

use crate::evaluation::evaluate;
use crate::{AdvisorError, Catalog, Fit, HardwareSpec, ModelShape};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct MachineRow {
    pub hardware: HardwareSpec,
    pub backend: String,
    pub fits: crate::Fit,
    pub gpu_layers: u32,
    pub n_cpu_moe: u32,
    #[ts(type = "number")]
    pub total_bytes: f64,
    pub pp_tps: f64,
    pub tg_tps: f64,
    /// Generated tokens per joule at the machine's power under load, where known.
    pub tokens_per_joule: Option<f64>,
}

pub fn compare_hardware(
    catalog: &Catalog,
    shape: &ModelShape,
    quant: &str,
    ctx: u32,
    depth: u32,
    kv_type: KvCacheType,
    extra: &[HardwareSpec],
) -> Result<Vec<MachineRow>, AdvisorError> {
    let q = catalog.quant(quant)?;
    let mut rows = Vec::new();
    for hw in catalog.hardware.iter().chain(extra) {
        let backend = catalog.backend(&hw.backend)?;
        let e = evaluate(shape, Some(q), hw, backend, ctx, depth, kv_type)?;
        let (memory, placement, predicted) = (e.memory, e.placement, e.predicted);
        rows.push(MachineRow {
            hardware: hw.clone(),
            backend: backend.id.clone(),
            fits: placement.fit,
            gpu_layers: placement.gpu_layers,
            n_cpu_moe: placement.n_cpu_moe,
            total_bytes: memory.total_bytes,
            pp_tps: predicted.pp_tps,
            tg_tps: predicted.tg_tps,
            tokens_per_joule: hw.power_w.filter(|_| placement.fit != Fit::No).map(|w| predicted.tg_tps / w),
        });
    }
    Ok(rows)
}
