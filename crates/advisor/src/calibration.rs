//! This machine's own measurements: after the user runs `hearth bench` (or the app's benchmark),
//! predictions for this machine use what was measured instead of the catalog's assumptions. Each
//! kept run is predicted with the uncalibrated model; the median measured/predicted ratios become
//! the machine's calibration, applied to every generation and prompt prediction for it.

use hearth_protocol::{BenchReport, KvCacheType};

use crate::evaluation::evaluate;
use crate::{Catalog, HardwareSpec, ModelShape};

/// A machine whose speed figures were scaled by its own benchmark results.
#[derive(Debug, Clone)]
pub struct Calibrated {
    pub hardware: HardwareSpec,
    /// Runs used.
    pub runs: usize,
    pub tg_factor: f64,
    pub pp_factor: f64,
}

/// The advisor's backend family of a benchmark's `backend` field (`cpu`, `CUDA0`, `Vulkan0` …).
/// The backend a run used; `None` for a run on a remote server (`hearth bench --remote`), whose
/// speed says nothing about this machine.
fn backend_family(backend: &str) -> Option<String> {
    let b = backend.to_ascii_lowercase();
    if b.starts_with("remote ") {
        return None;
    }
    Some(["cuda", "vulkan", "rocm", "metal"].iter().find(|f| b.starts_with(*f)).map_or_else(|| "cpu".to_string(), |f| f.to_string()))
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    Some(if xs.len() % 2 == 1 { xs[mid] } else { (xs[mid - 1] + xs[mid]) / 2.0 })
}

/// `hw` scaled by the runs that used its backend and whose model file is still there; `None`
/// when no run qualifies.
pub fn calibrate(catalog: &Catalog, hw: &HardwareSpec, reports: &[BenchReport]) -> Option<Calibrated> {
    let backend = catalog.backend(&hw.backend).ok()?;
    let uncalibrated = HardwareSpec { tg_calibration: None, pp_calibration: None, ..hw.clone() };
    let hw = &uncalibrated;
    let (mut tg, mut pp) = (Vec::new(), Vec::new());
    for r in reports.iter().filter(|r| backend_family(&r.backend).as_deref() == Some(backend.id.as_str())) {
        let Ok(shape) = ModelShape::from_gguf_file(std::path::Path::new(&r.model_path)) else { continue };
        let ctx = (r.depth + r.n_prompt.max(r.n_gen)).max(64);
        let Ok(e) = evaluate(&shape, None, hw, backend, ctx, r.depth, KvCacheType::F16) else { continue };
        if let Some(measured) = r.tg_tps.filter(|t| *t > 0.0) {
            tg.push(measured / e.predicted.tg_tps);
        }
        if let Some(measured) = r.pp_tps.filter(|t| *t > 0.0) {
            pp.push(measured / e.predicted.pp_tps);
        }
    }
    let runs = tg.len().max(pp.len());
    let tg_factor = median(tg).unwrap_or(1.0);
    let pp_factor = median(pp).unwrap_or(1.0);
    if runs == 0 {
        return None;
    }
    let mut h = hw.clone();
    h.tg_calibration = Some(tg_factor);
    h.pp_calibration = Some(pp_factor);
    let note = hearth_protocol::phrase!(
        "said.advisor.calibrated",
        "Calibrated by {runs} benchmark run(s) on this machine: generation x{tg:.2}, prompt processing x{pp:.2} of the uncalibrated prediction.",
        runs = runs,
        tg = tg_factor,
        pp = pp_factor
    );
    h.note = Some(match &hw.note {
        Some(n) => format!("{note} {n}"),
        None => note.text.clone(),
    });
    h.note_phrases.insert(0, note);
    Some(Calibrated { hardware: h, runs, tg_factor, pp_factor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_named_by_family() {
        assert_eq!(backend_family("cpu").as_deref(), Some("cpu"));
        assert_eq!(backend_family("CUDA0").as_deref(), Some("cuda"));
        assert_eq!(backend_family("Vulkan0,Vulkan1").as_deref(), Some("vulkan"));
        // A remote server's run calibrates nothing here.
        assert_eq!(backend_family("remote 10.0.0.5:8000"), None);
    }

    #[test]
    fn the_median_resists_one_odd_run() {
        assert_eq!(median(vec![1.0, 0.5, 30.0]), Some(1.0));
        assert_eq!(median(vec![0.4, 0.6]), Some(0.5));
        assert_eq!(median(vec![]), None);
    }
}
