//! The first run: with no model present, Hearth offers the demo model that ships with it
//! (SmolLM2-135M-Instruct Q4_1: small, for trying Hearth) and a few downloads the advisor
//! recommends for this machine (catalog models with a known GGUF repo, each with its verdict).

use std::path::PathBuf;

use hearth_advisor::{advise, Catalog, Fit, HardwareSpec, ModelShape};
use hearth_protocol::{ErrorCode, Phrase};
use serde::Serialize;
use ts_rs::TS;

use crate::advisor::verdict_request;
use crate::{Core, CoreError, Result};

pub const DEMO_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// Fewer tokens a second than this is no first model to start with.
const MIN_TG_TPS: f64 = 5.0;
const OFFERS: usize = 3;

#[derive(Debug, Clone, Serialize, TS)]
pub struct DemoModel {
    pub path: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RecommendedDownload {
    pub model: String,
    /// The Hugging Face repo to list files from (Models page).
    pub repo: String,
    pub quant: String,
    #[ts(type = "number")]
    pub size_bytes: f64,
    pub fits: Fit,
    pub predicted_tg_tps: f64,
    pub source: String,
    /// Where the advisor puts it when it does not fit the GPU whole ("30 of 36 layers on the
    /// GPU", "the experts of 12 layers kept in system memory"); the same settings are applied at
    /// its first load.
    pub placement: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FirstRunOffer {
    pub demo: Option<DemoModel>,
    pub recommendations: Vec<RecommendedDownload>,
    /// The machine the recommendations are for.
    pub machine: String,
    /// The same, as a phrase the window says in its language.
    pub machine_phrase: Option<Phrase>,
    /// Where a model will run, in the engine's words ("Vulkan0 (Radeon 8060S Graphics, 96.0 GiB):
    /// an integrated GPU …", "the CPU: no GPU was found …"); None when the engine could not say.
    pub device: Option<String>,
    /// The same, as a phrase the window says in its language.
    pub device_phrase: Option<Phrase>,
}

/// Catalog models with a GGUF repo, advised for `machine`: those that fit and run at least
/// `MIN_TG_TPS`, the biggest first.
pub(crate) fn recommended(machine: &HardwareSpec) -> Vec<RecommendedDownload> {
    let catalog = Catalog::builtin();
    let mut offers: Vec<(f64, RecommendedDownload)> = catalog
        .models
        .iter()
        .filter_map(|m| {
            let repo = m.gguf_repo.clone()?;
            let shape = ModelShape::from_catalog(m);
            let row = advise(catalog, &verdict_request(&shape, machine)).ok()?.selected?;
            let good = row.fits != Fit::No && row.predicted.tg_tps >= MIN_TG_TPS;
            good.then(|| {
                let offer = RecommendedDownload {
                    model: m.name.clone(),
                    repo,
                    quant: row.quant.clone(),
                    size_bytes: row.memory.weights_bytes,
                    fits: row.fits,
                    predicted_tg_tps: row.predicted.tg_tps,
                    source: m.gguf_repo_source.clone().unwrap_or_default(),
                    placement: placement_words(row.fits, row.gpu_layers, row.n_cpu_moe, m.layers),
                };
                (m.params_total, offer)
            })
        })
        .collect();
    offers.sort_by(|a, b| b.0.total_cmp(&a.0));
    offers.into_iter().take(OFFERS).map(|(_, o)| o).collect()
}

/// The advisor's placement in words, for a model that does not fit the GPU whole.
fn placement_words(fits: Fit, gpu_layers: u32, n_cpu_moe: u32, layers: u32) -> Option<String> {
    if fits != Fit::Partial {
        return None;
    }
    Some(if n_cpu_moe > 0 {
        format!("the experts of {n_cpu_moe} of {layers} layers kept in system memory, the rest on the GPU")
    } else {
        format!("{} of {layers} layers on the GPU, the rest on the CPU", gpu_layers.min(layers))
    })
}

/// How long `hearth devices` may take (loading the GPU backends) before the offer goes without it.
const DEVICES_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Core {
    /// Where a model will run, in the engine's words: the running engine's, else those of a short
    /// `hearth devices --json` (at the first run no engine runs yet, and one started only to ask
    /// would stay and cost idle memory). Blocks: call off the UI thread.
    fn default_device_words(&self) -> Option<Phrase> {
        let state = self.engine.state();
        if let Some(phrase) = state.default_device_phrase {
            return Some(phrase);
        }
        let mut child = std::process::Command::new(crate::app_core::engine_executable())
            .args(["devices", "--json"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let deadline = std::time::Instant::now() + DEVICES_TIMEOUT;
        while child.try_wait().ok()?.is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut child.stdout.take()?, &mut out).ok()?;
        let listing: serde_json::Value = serde_json::from_slice(&out).ok()?;
        serde_json::from_value(listing["default_phrase"].clone()).ok()
    }

    /// The demo model that came with the app: `$HEARTH_DEMO_MODEL` (set by scripts/run-app.sh),
    /// else `demo/` in the app's resources.
    fn demo_path(&self) -> Option<PathBuf> {
        let from_env = std::env::var_os("HEARTH_DEMO_MODEL").map(PathBuf::from);
        let bundled = self.resource_dir().map(|d| d.join("demo").join(DEMO_FILE));
        [from_env, bundled].into_iter().flatten().find(|p| p.is_file())
    }

    /// What to offer when there is no model (probes the machine: call off the UI thread).
    pub fn first_run_offer(&self) -> FirstRunOffer {
        let demo = self.demo_path().map(|p| DemoModel { size_bytes: p.metadata().map(|m| m.len()).unwrap_or(0), path: p.display().to_string() });
        let machine = self.this_machine();
        let device = self.default_device_words();
        FirstRunOffer {
            demo,
            recommendations: recommended(&machine),
            machine: machine.name.clone(),
            machine_phrase: machine.name_phrase.clone(),
            device: device.as_ref().map(|p| p.text.clone()),
            device_phrase: device,
        }
    }

    /// Puts the demo model in Hearth's models directory (a copy: the app's own file stays as it
    /// is) and returns its path there, for the UI to load.
    pub async fn use_demo_model(&self) -> Result<String> {
        let demo = self.demo_path().ok_or_else(|| CoreError::new(ErrorCode::NotFound, "the demo model is not part of this installation"))?;
        let target = self.home.models().join(DEMO_FILE);
        if !target.is_file() {
            let io = |e: std::io::Error| CoreError::new(ErrorCode::Io, format!("copying the demo model: {e}"));
            std::fs::create_dir_all(self.home.models()).map_err(io)?;
            let part = target.with_extension("gguf.part");
            tokio::fs::copy(&demo, &part).await.map_err(io)?;
            std::fs::rename(&part, &target).map_err(io)?;
        }
        Ok(target.display().to_string())
    }
}
