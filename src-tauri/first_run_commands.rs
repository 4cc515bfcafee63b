//! The first run: with no model present, the app offers the demo model that ships with it
//! (SmolLM2-135M-Instruct Q4_1: small, for trying Hearth) and a few downloads the advisor
//! recommends for this machine (catalog models with a known GGUF repo, each with its verdict).

use std::path::PathBuf;

use hearth_advisor::{advise, AdviceRequest, Catalog, Fit, KvCacheType, ModelShape, Use};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

const DEMO_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// The context the recommendations are sized for: a comfortable chat.
const OFFER_CTX: u32 = 8192;
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
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FirstRunOffer {
    pub demo: Option<DemoModel>,
    pub recommendations: Vec<RecommendedDownload>,
    /// The machine the recommendations are for.
    pub machine: String,
}

/// The demo model that came with the app: `$HEARTH_DEMO_MODEL` (set by scripts/run-app.sh), else
/// in the app's resources (`demo/` in a bundle).
fn demo_path<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    let from_env = std::env::var_os("HEARTH_DEMO_MODEL").map(PathBuf::from);
    let bundled = app.path().resource_dir().ok().map(|d| d.join("demo").join(DEMO_FILE));
    [from_env, bundled].into_iter().flatten().find(|p| p.is_file())
}

/// Catalog models with a GGUF repo, advised for this machine; the biggest that run well first.
fn recommended(state: &AppState) -> (String, Vec<RecommendedDownload>) {
    let catalog = Catalog::builtin();
    let hw = crate::advisor_commands::detected(state);
    let mut offers: Vec<(f64, RecommendedDownload)> = catalog
        .models
        .iter()
        .filter_map(|m| {
            let repo = m.gguf_repo.clone()?;
            let shape = ModelShape::from_catalog(m);
            let req = AdviceRequest {
                shape: &shape,
                hardware: &hw,
                backend: None,
                ctx: OFFER_CTX,
                depth: 0,
                kv_type: KvCacheType::F16,
                use_case: Use::Chat,
                quant: None,
            };
            let advice = advise(catalog, &req).ok()?;
            let row = advice.selected?;
            let good = row.fits != Fit::No && row.predicted.tg_tps >= MIN_TG_TPS;
            good.then(|| {
                (m.params_total, RecommendedDownload {
                    model: m.name.clone(),
                    repo,
                    quant: row.quant.clone(),
                    size_bytes: row.memory.weights_bytes,
                    fits: row.fits,
                    predicted_tg_tps: row.predicted.tg_tps,
                    source: m.gguf_repo_source.clone().unwrap_or_default(),
                })
            })
        })
        .collect();
    offers.sort_by(|a, b| b.0.total_cmp(&a.0));
    (hw.name.clone(), offers.into_iter().take(OFFERS).map(|(_, o)| o).collect())
}

#[tauri::command]
pub async fn first_run_offer<R: Runtime>(app: AppHandle<R>) -> Result<FirstRunOffer> {
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let demo = demo_path(&handle).map(|p| DemoModel { size_bytes: p.metadata().map(|m| m.len()).unwrap_or(0), path: p.display().to_string() });
        let (machine, recommendations) = recommended(&state);
        FirstRunOffer { demo, recommendations, machine }
    })
    .await
    .map_err(|e| AppError::Invalid(e.to_string()))
}

/// Puts the demo model in Hearth's models directory (a copy: the app's own file stays as it is)
/// and returns its path there, for the UI to load.
#[tauri::command]
pub async fn use_demo_model<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<String> {
    let demo = demo_path(&app).ok_or_else(|| AppError::Invalid("the demo model is not part of this installation".into()))?;
    let target = state.home.models().join(DEMO_FILE);
    if !target.is_file() {
        std::fs::create_dir_all(state.home.models()).map_err(|e| AppError::Invalid(e.to_string()))?;
        let part = target.with_extension("gguf.part");
        tokio::fs::copy(&demo, &part).await.map_err(|e| AppError::Invalid(format!("copying the demo model: {e}")))?;
        std::fs::rename(&part, &target).map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    Ok(target.display().to_string())
}

pub fn typescript_declarations() -> Vec<String> {
    vec![DemoModel::decl(), RecommendedDownload::decl(), FirstRunOffer::decl()]
}
