//! The advisor's commands: the catalogs, advice for a model on a machine, machines side by side,
//! and applying a recommendation to a model's settings. The work runs off the UI thread (it
//! probes the hardware and reads GGUF headers).

use hearth_advisor::{advise, calibrate, compare_hardware, this_machine, Advice, AdviceRequest, Catalog, HardwareSpec, MachineRow, ModelShape, Recommendation, Use};
use hearth_hardware::Probe;
use hearth_protocol::{AllocatedMemory, FlashAttention, KvCacheType, ModelSettings};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use crate::state::AppState;
use crate::AppError;

type Result<T> = std::result::Result<T, AppError>;

#[derive(Debug, Clone, Serialize, TS)]
pub struct CatalogEntry {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AdvisorCatalog {
    pub models: Vec<CatalogEntry>,
    pub hardware: Vec<HardwareSpec>,
    pub quants: Vec<String>,
    /// This machine, as the advisor sees it.
    pub this_machine: HardwareSpec,
}

/// Which model: a catalog id or a local GGUF file.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelChoice {
    Catalog { id: String },
    File { path: String },
}

/// Which machine: this one, a catalog one, or one the user entered.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HardwareChoice {
    Detect,
    Catalog { id: String },
    Custom { spec: Box<HardwareSpec> },
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AdviseInput {
    pub model: ModelChoice,
    pub hardware: HardwareChoice,
    pub backend: Option<String>,
    pub ctx: u32,
    pub depth: u32,
    pub kv_type: KvCacheType,
    pub use_case: Use,
    pub quant: Option<String>,
}

fn advisor_error(e: hearth_advisor::AdvisorError) -> AppError {
    AppError::Invalid(e.to_string())
}

/// This machine, calibrated by its kept benchmark results where there are any.
pub(crate) fn detected(state: &AppState) -> HardwareSpec {
    let snapshot = Probe::system().snapshot(std::time::Duration::ZERO);
    let spec = this_machine(Catalog::builtin(), &snapshot);
    let reports: Vec<_> = state
        .store
        .lock()
        .unwrap()
        .bench_results(Some(&snapshot.machine_label()))
        .map(|v| v.into_iter().map(|r| r.report).collect())
        .unwrap_or_default();
    calibrate(Catalog::builtin(), &spec, &reports).map_or(spec, |c| c.hardware)
}

fn shape_of(model: &ModelChoice) -> Result<ModelShape> {
    match model {
        ModelChoice::Catalog { id } => Ok(ModelShape::from_catalog(Catalog::builtin().model(id).map_err(advisor_error)?)),
        ModelChoice::File { path } => ModelShape::from_gguf_file(std::path::Path::new(path)).map_err(advisor_error),
    }
}

fn hardware_of(choice: &HardwareChoice, state: &AppState) -> Result<HardwareSpec> {
    match choice {
        HardwareChoice::Detect => Ok(detected(state)),
        HardwareChoice::Catalog { id } => Catalog::builtin().machine(id).cloned().map_err(advisor_error),
        HardwareChoice::Custom { spec } => {
            let spec = spec.as_ref();
            if !(spec.ram_gib > 0.0 && spec.bandwidth_gbs > 0.0 && spec.gpu_memory_gib >= 0.0) {
                return Err(AppError::Invalid("a machine needs memory and bandwidth greater than zero".into()));
            }
            Ok(spec.clone())
        }
    }
}

async fn off_ui<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| AppError::Invalid(format!("the advisor stopped: {e}")))?
}

#[tauri::command]
pub async fn advisor_catalog<R: Runtime>(app: AppHandle<R>) -> Result<AdvisorCatalog> {
    off_ui(move || {
        let c = Catalog::builtin();
        Ok(AdvisorCatalog {
            models: c.models.iter().map(|m| CatalogEntry { id: m.id.clone(), name: m.name.clone() }).collect(),
            hardware: c.hardware.clone(),
            quants: c.quants.iter().map(|q| q.id.clone()).collect(),
            this_machine: detected(&app.state::<AppState>()),
        })
    })
    .await
}

#[tauri::command]
pub async fn advise_model<R: Runtime>(app: AppHandle<R>, input: AdviseInput) -> Result<Advice> {
    off_ui(move || {
        let shape = shape_of(&input.model)?;
        let hardware = hardware_of(&input.hardware, &app.state::<AppState>())?;
        advise(Catalog::builtin(), &AdviceRequest {
            shape: &shape,
            hardware: &hardware,
            backend: input.backend.as_deref(),
            ctx: input.ctx,
            depth: input.depth,
            kv_type: input.kv_type,
            use_case: input.use_case,
            quant: input.quant.as_deref(),
        })
        .map_err(advisor_error)
    })
    .await
}

#[tauri::command]
pub async fn compare_machines<R: Runtime>(
    app: AppHandle<R>,
    model: ModelChoice,
    quant: String,
    ctx: u32,
    depth: u32,
    custom: Option<HardwareSpec>,
) -> Result<Vec<MachineRow>> {
    off_ui(move || {
        let shape = shape_of(&model)?;
        let mut extra = vec![detected(&app.state::<AppState>())];
        extra.extend(custom);
        compare_hardware(Catalog::builtin(), &shape, &quant, ctx, depth, KvCacheType::F16, &extra).map_err(advisor_error)
    })
    .await
}

/// llama.cpp's own figures for a local file at this context (`hearth dry-run`, a child process:
/// llama.cpp never runs in the app's process).
#[tauri::command]
pub async fn dry_run_model(path: String, ctx: u32, kv_type: KvCacheType) -> Result<AllocatedMemory> {
    let out = tokio::process::Command::new(crate::state::engine_executable())
        .args(["dry-run", &path, "--ctx", &ctx.to_string(), "--kv", kv_type.llama_name(), "--json"])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| AppError::Invalid(format!("the dry run could not start: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr.lines().find_map(|l| l.strip_prefix("Error: ")).unwrap_or("llama.cpp's dry run failed");
        return Err(AppError::Invalid(why.to_string()));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| AppError::Invalid(format!("the dry run answered nonsense: {e}")))
}

/// The recommendation's launch settings, saved as the settings of the model file at `path`
/// (used at its next load).
#[tauri::command]
pub async fn apply_advice(state: State<'_, AppState>, path: String, recommendation: Recommendation) -> Result<ModelSettings> {
    let store = state.store.lock().unwrap();
    let mut settings = store.model_settings(&path)?.unwrap_or_default();
    settings.context_length = Some(recommendation.ctx);
    settings.gpu_layers = Some(recommendation.gpu_layers);
    settings.n_cpu_moe = (recommendation.n_cpu_moe > 0).then_some(recommendation.n_cpu_moe);
    settings.flash_attention = if recommendation.flash_attention { FlashAttention::On } else { FlashAttention::Off };
    settings.kv_cache_type = recommendation.kv_type;
    settings.mmap = recommendation.mmap;
    settings.mlock = recommendation.mlock;
    store.set_model_settings(&path, &settings)?;
    Ok(settings)
}

/// TypeScript declarations of the advisor's types.
pub fn typescript_declarations() -> Vec<String> {
    vec![
        CatalogEntry::decl(),
        AdvisorCatalog::decl(),
        ModelChoice::decl(),
        HardwareChoice::decl(),
        AdviseInput::decl(),
        HardwareSpec::decl(),
        hearth_advisor::HardwareKind::decl(),
        hearth_advisor::Fit::decl(),
        Use::decl(),
        hearth_advisor::MemoryEstimate::decl(),
        hearth_advisor::Predicted::decl(),
        hearth_advisor::QuantRow::decl(),
        Recommendation::decl(),
        hearth_advisor::ModelFacts::decl(),
        Advice::decl(),
        MachineRow::decl(),
    ]
}
