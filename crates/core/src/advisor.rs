//! The advisor's use cases: the catalogs, advice for a model on a machine, machines side by
//! side, llama.cpp's own figures (a `hearth dry-run` job), and applying a recommendation to a
//! model's settings. "This machine" is the detected one, calibrated by its kept benchmark runs.
//! Callers run these off their UI thread (they probe the hardware and read GGUF headers).

use hearth_advisor::{
    advise, calibrate, check_tuning, compare_hardware, this_machine, Advice, AdviceRequest, Catalog, HardwareSpec, MachineRow, ModelNeed, ModelShape,
    QuantRow, Recommendation, TuningReport, Use,
};
use hearth_hardware::{HardwareSnapshot, Probe};
use hearth_protocol::jobs::DryRunJob;
use hearth_protocol::{AllocatedMemory, BenchReport, ErrorCode, FlashAttention, KvCacheType, ModelSettings};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::jobs::{run_job, CancelSlot};
use crate::{Core, CoreError, Result};

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

impl ModelChoice {
    /// A CLI's `--model ID|FILE`: a local GGUF file where the argument names one (or ends in
    /// `.gguf`), else a catalog id.
    pub fn from_arg(arg: &str) -> ModelChoice {
        if arg.ends_with(".gguf") || std::path::Path::new(arg).is_file() {
            ModelChoice::File { path: arg.to_string() }
        } else {
            ModelChoice::Catalog { id: arg.to_string() }
        }
    }
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

/// The context verdicts in the library and the first-run offer are sized for: a comfortable chat.
const VERDICT_CTX: u32 = 8192;

/// This machine as the advisor sees it: the snapshot's hardware, calibrated by the benchmark
/// results kept for it where there are any. The CLI's `advise` (which may replay a snapshot) and
/// the app share it.
pub fn calibrated_machine(snapshot: &HardwareSnapshot, kept: &[BenchReport]) -> HardwareSpec {
    let spec = this_machine(Catalog::builtin(), snapshot);
    calibrate(Catalog::builtin(), &spec, kept).map_or(spec, |c| c.hardware)
}

/// This machine, calibrated by the runs kept in `store` (blocking: it probes the hardware). The
/// probe runs without the database locked; only the kept runs are read under it.
pub(crate) fn machine_with_runs_in(store: &hearth_conversation::SharedStore) -> HardwareSpec {
    let snapshot = Probe::system().snapshot(std::time::Duration::ZERO);
    let kept: Vec<BenchReport> =
        store.lock().bench_results(Some(&snapshot.machine_label())).map(|v| v.into_iter().map(|r| r.report).collect()).unwrap_or_default();
    calibrated_machine(&snapshot, &kept)
}

/// The question the library's verdicts and the first-run offer ask: a chat at 8K context.
pub(crate) fn verdict_request<'a>(shape: &'a ModelShape, machine: &'a HardwareSpec) -> AdviceRequest<'a> {
    AdviceRequest { shape, hardware: machine, backend: None, ctx: VERDICT_CTX, depth: 0, kv_type: KvCacheType::F16, use_case: Use::Chat, quant: None }
}

/// The advisor's row for this very file (`shape` read from it) on `machine`.
pub(crate) fn verdict_for(shape: &ModelShape, machine: &HardwareSpec) -> Option<QuantRow> {
    advise(Catalog::builtin(), &verdict_request(shape, machine)).ok()?.rows.into_iter().find(|r| r.this_file)
}

fn shape_of(model: &ModelChoice) -> Result<ModelShape> {
    match model {
        ModelChoice::Catalog { id } => Ok(ModelShape::from_catalog(Catalog::builtin().model(id)?)),
        ModelChoice::File { path } => Ok(ModelShape::from_gguf_file(std::path::Path::new(path))?),
    }
}

/// What `model` needs at `ctx` on `machine`: the advisor's estimate for the file as stored, or
/// for a catalog model at its usual quant (gpt-oss's native MXFP4, otherwise Q4_K_M).
fn model_need(model: &ModelChoice, machine: &HardwareSpec, ctx: u32) -> Result<ModelNeed> {
    let shape = shape_of(model)?;
    let (name, quant) = match model {
        ModelChoice::Catalog { id } => (id.clone(), Some(if shape.native_expert_type.as_deref() == Some("MXFP4") { "MXFP4" } else { "Q4_K_M" })),
        ModelChoice::File { path } => (std::path::Path::new(path).file_name().map_or(path.clone(), |n| n.to_string_lossy().into_owned()), None),
    };
    let request = AdviceRequest { ctx, quant, ..verdict_request(&shape, machine) };
    let advice = advise(Catalog::builtin(), &request)?;
    // A file is sized as it is stored (its own row), a catalog model at the quant asked for; the
    // recommendation's row (`selected` without a quant) would size a file as another quant.
    let row = match model {
        ModelChoice::File { .. } => advice.rows.into_iter().find(|r| r.this_file),
        ModelChoice::Catalog { .. } => advice.selected,
    }
    .ok_or_else(|| CoreError::new(ErrorCode::BadRequest, format!("the advisor has no estimate for {name}")))?;
    let quant = if row.this_file { String::new() } else { format!(" {}", row.quant) };
    let label = hearth_protocol::phrase!("said.tuning.modelAt", "{model} at {ctx} tokens", model = format!("{name}{quant}"), ctx = ctx);
    Ok(ModelNeed { label, total_bytes: row.memory.total_bytes.max(0.0).round() as u64 })
}

/// The host tuning checks (`hearth hardware --check-tuning`, the Monitor's section) on the
/// machine `probe` reads, against `model` at `ctx` where one is given.
pub fn tuning_report(probe: &mut Probe, model: Option<&ModelChoice>, ctx: u32) -> Result<TuningReport> {
    let catalog = Catalog::builtin();
    let snapshot = probe.snapshot(std::time::Duration::ZERO);
    let need = model.map(|m| model_need(m, &this_machine(catalog, &snapshot), ctx)).transpose()?;
    Ok(check_tuning(catalog, &snapshot, &probe.host_settings(), need.as_ref()))
}

impl Core {
    /// The tuning checks on this machine, against `model` (the loaded one, in the app) at `ctx`.
    pub fn check_tuning(&self, model: Option<ModelChoice>, ctx: Option<u32>) -> Result<TuningReport> {
        tuning_report(&mut Probe::system(), model.as_ref(), ctx.unwrap_or(VERDICT_CTX))
    }

    /// This machine as the advisor sees it, calibrated by its kept benchmark runs.
    pub fn this_machine(&self) -> HardwareSpec {
        machine_with_runs_in(&self.store)
    }

    fn hardware_of(&self, choice: &HardwareChoice) -> Result<HardwareSpec> {
        match choice {
            HardwareChoice::Detect => Ok(self.this_machine()),
            HardwareChoice::Catalog { id } => Ok(Catalog::builtin().machine(id).cloned()?),
            HardwareChoice::Custom { spec } => {
                let spec = spec.as_ref();
                if !(spec.ram_gib > 0.0 && spec.bandwidth_gbs > 0.0 && spec.gpu_memory_gib >= 0.0) {
                    return Err(CoreError::new(ErrorCode::BadRequest, "a machine needs memory and bandwidth greater than zero"));
                }
                Ok(spec.clone())
            }
        }
    }

    pub fn advisor_catalog(&self) -> AdvisorCatalog {
        let c = Catalog::builtin();
        AdvisorCatalog {
            models: c.models.iter().map(|m| CatalogEntry { id: m.id.clone(), name: m.name.clone() }).collect(),
            hardware: c.hardware.clone(),
            quants: c.quants.iter().map(|q| q.id.clone()).collect(),
            this_machine: self.this_machine(),
        }
    }

    pub fn advise_model(&self, input: &AdviseInput) -> Result<Advice> {
        let shape = shape_of(&input.model)?;
        let hardware = self.hardware_of(&input.hardware)?;
        Ok(advise(
            Catalog::builtin(),
            &AdviceRequest {
                shape: &shape,
                hardware: &hardware,
                backend: input.backend.as_deref(),
                ctx: input.ctx,
                depth: input.depth,
                kv_type: input.kv_type,
                use_case: input.use_case,
                quant: input.quant.as_deref(),
            },
        )?)
    }

    pub fn compare_machines(&self, model: &ModelChoice, quant: &str, ctx: u32, depth: u32, custom: Option<HardwareSpec>) -> Result<Vec<MachineRow>> {
        let shape = shape_of(model)?;
        let mut extra = vec![self.this_machine()];
        extra.extend(custom);
        Ok(compare_hardware(Catalog::builtin(), &shape, quant, ctx, depth, KvCacheType::F16, &extra)?)
    }

    /// llama.cpp's own figures for a local file at this context (a `hearth dry-run` job:
    /// llama.cpp never runs in the app's process).
    pub async fn dry_run_model(&self, path: &str, ctx: u32, kv_type: KvCacheType) -> Result<AllocatedMemory> {
        let args: Vec<String> = ["dry-run", path, "--ctx", &ctx.to_string(), "--kv", kv_type.llama_name(), "--events"].map(String::from).to_vec();
        run_job::<DryRunJob>(&args, &[], self.home.root(), &CancelSlot::default(), ErrorCode::LoadFailed, |_| {}).await
    }

    /// The recommendation's launch settings, saved as the settings of the model file at `path`
    /// (used at its next load).
    pub fn apply_advice(&self, path: &str, recommendation: &Recommendation) -> Result<ModelSettings> {
        let store = self.store.lock();
        let mut settings = store.model_settings(path)?.unwrap_or_default();
        settings.context_length = Some(recommendation.ctx);
        settings.gpu_layers = Some(recommendation.gpu_layers);
        settings.n_cpu_moe = (recommendation.n_cpu_moe > 0).then_some(recommendation.n_cpu_moe);
        settings.flash_attention = if recommendation.flash_attention { FlashAttention::On } else { FlashAttention::Off };
        settings.kv_cache_type = recommendation.kv_type;
        settings.mmap = recommendation.mmap;
        settings.mlock = recommendation.mlock;
        store.set_model_settings(path, &settings)?;
        Ok(settings)
    }
}

/// TypeScript declarations of the advisor's types.
pub(crate) fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
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
        TuningReport::decl(),
        hearth_advisor::TuningFinding::decl(),
        hearth_advisor::FindingPhrases::decl(),
        hearth_advisor::BackendOption::decl(),
        hearth_advisor::BackendProblem::decl(),
        hearth_advisor::Severity::decl(),
    ]
}
