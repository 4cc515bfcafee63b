//! The advisor's answer: every quant of the model sized, placed and timed on one machine, and
//! one recommendation with its reason and launch settings.

use serde::{Deserialize, Serialize};

use hearth_protocol::{phrase, KvCacheType, Phrase};

use crate::evaluation::evaluate;
use crate::placement::{gpu_pool_bytes, ram_pool_bytes};
use crate::{AdvisorError, Catalog, Fit, HardwareKind, HardwareSpec, MemoryEstimate, ModelShape, Predicted, QuantSpec, GIB};

/// What the user runs the model for: it sets the speed worth trading quality for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Use {
    #[default]
    Chat,
    LongDocuments,
    Coding,
}

impl Use {
    /// Generation speed below which a smaller quant is preferred, tokens/s.
    fn target_tps(self) -> f64 {
        match self {
            Use::Chat => 10.0,
            Use::LongDocuments => 8.0,
            Use::Coding => 20.0,
        }
    }
}

pub struct AdviceRequest<'a> {
    pub shape: &'a ModelShape,
    pub hardware: &'a HardwareSpec,
    /// Backend id; the machine's usual one when `None`.
    pub backend: Option<&'a str>,
    pub ctx: u32,
    pub depth: u32,
    pub kv_type: KvCacheType,
    pub use_case: Use,
    /// The quant the caller asks about (its row becomes `selected`); the recommendation's otherwise.
    pub quant: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct QuantRow {
    /// The quant's id, or the file's own (e.g. `Q4_1 (this file)`).
    pub quant: String,
    pub this_file: bool,
    pub memory: MemoryEstimate,
    pub fits: Fit,
    pub gpu_layers: u32,
    pub n_cpu_moe: u32,
    pub predicted: Predicted,
    /// Mean KL divergence vs F16 (Llama-3-8B), where measured.
    pub kld: Option<f64>,
    pub kld_imatrix: bool,
    /// Perplexity increase vs F16 (Llama-3-8B), where listed.
    pub dppl: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Recommendation {
    pub quant: String,
    /// Layers on the GPU; 999 means all (llama.cpp's convention).
    pub gpu_layers: u32,
    pub n_cpu_moe: u32,
    pub ctx: u32,
    pub flash_attention: bool,
    pub kv_type: KvCacheType,
    pub mmap: bool,
    pub mlock: bool,
    pub reason: String,
    /// `reason` for the UI to say in the user's language.
    pub reason_phrase: Phrase,
    /// The llama.cpp backend to run it with.
    pub backend: String,
    /// The same settings as a llama-server command line.
    pub launch: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ModelFacts {
    pub id: String,
    pub name: String,
    #[ts(type = "number")]
    pub params_total: f64,
    #[ts(type = "number")]
    pub params_active: f64,
    pub layers: u32,
    pub experts: u32,
    pub experts_used: u32,
    pub native_ctx: u32,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Advice {
    pub model: ModelFacts,
    pub hardware: HardwareSpec,
    pub backend: String,
    pub ctx: u32,
    pub depth: u32,
    /// What the GPU can hold and what RAM can, bytes.
    pub gpu_pool_bytes: f64,
    pub ram_pool_bytes: f64,
    pub rows: Vec<QuantRow>,
    /// The row asked about with `quant`, or the recommended one.
    pub selected: Option<QuantRow>,
    pub recommendation: Option<Recommendation>,
    /// Why there is no recommendation, when there is none.
    pub no_recommendation: Option<String>,
    pub no_recommendation_phrase: Option<Phrase>,
    /// Things the user should know about the request itself (e.g. a context beyond the model's).
    pub notes: Vec<String>,
    pub note_phrases: Vec<Phrase>,
    pub sources: Vec<String>,
    /// Where the machine has more than one usable backend: each, with its recommended quant's
    /// speeds, side by side; `backend` is the one chosen for the use, for `backend_choice`.
    pub backend_options: Vec<BackendOption>,
    pub backend_choice: Option<Phrase>,
}

/// One backend the machine can use, for the request's model and use.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BackendOption {
    pub backend: String,
    pub quant: String,
    pub tg_tps: f64,
    /// Prompt processing at `depth`.
    pub pp_tps: f64,
    /// The depth compared at: the request's, or half the context for long documents.
    pub depth: u32,
    /// Reading `depth` tokens from empty, seconds.
    pub prefill_seconds: f64,
    /// Known problems of this backend with the model's family; such a backend is chosen only
    /// when every backend has one.
    pub problems: Vec<crate::BackendProblem>,
}

/// How people write a backend's name.
fn backend_name(id: &str) -> String {
    match id {
        "cuda" => "CUDA".into(),
        "rocm" => "ROCm".into(),
        "vulkan" => "Vulkan".into(),
        "metal" => "Metal".into(),
        "cpu" => "CPU".into(),
        other => other.into(),
    }
}

/// The advice for `req`; where the machine has several backends and none was asked for, each is
/// evaluated and the one that serves the use best is chosen: generation speed for chat and
/// coding, the time to read a long prompt for long documents. A backend with a known problem
/// for the model's family loses to one without.
pub fn advise(catalog: &Catalog, req: &AdviceRequest) -> Result<Advice, AdvisorError> {
    let hw = req.hardware;
    if req.backend.is_some() || hw.backends.len() < 2 {
        return advise_on(catalog, req);
    }
    let long = req.use_case == Use::LongDocuments;
    let depth = if long && req.depth == 0 { req.ctx / 2 } else { req.depth };
    let mut options = Vec::new();
    let mut advices = Vec::new();
    for b in &hw.backends {
        let a = advise_on(catalog, &AdviceRequest { backend: Some(b), depth, ..*req })?;
        let Some(row) = a.recommendation.as_ref().and_then(|r| a.rows.iter().find(|x| x.quant == r.quant)) else { continue };
        let problems = catalog
            .problems
            .iter()
            .filter(|p| &p.backend == b && p.architecture == req.shape.architecture && p.hardware.as_ref().is_none_or(|h| h == &hw.id))
            .cloned()
            .collect();
        options.push(BackendOption {
            backend: b.clone(),
            quant: row.quant.clone(),
            tg_tps: row.predicted.tg_tps,
            pp_tps: row.predicted.pp_tps,
            depth,
            prefill_seconds: row.predicted.prefill_seconds,
            problems,
        });
        advices.push(a);
    }
    if options.is_empty() {
        return advise_on(catalog, req);
    }
    let clean: Vec<&BackendOption> = options.iter().filter(|o| o.problems.is_empty()).collect();
    let pool: Vec<&BackendOption> = if clean.is_empty() { options.iter().collect() } else { clean };
    let better = |a: &&BackendOption, b: &&BackendOption| {
        if long {
            a.pp_tps.total_cmp(&b.pp_tps).then(a.tg_tps.total_cmp(&b.tg_tps))
        } else {
            a.tg_tps.total_cmp(&b.tg_tps)
        }
    };
    let chosen = (*pool.iter().max_by(|a, b| better(a, b)).expect("not empty")).clone();
    let runner_up = options.iter().filter(|o| o.backend != chosen.backend).max_by(|a, b| better(a, b));
    let choice = runner_up.map(|other| {
        let (name, other_name) = (backend_name(&chosen.backend), backend_name(&other.backend));
        if !other.problems.is_empty() && chosen.problems.is_empty() {
            phrase!(
                "said.advisor.backend.problem",
                "{name}: {other_name} has a known problem with this model ({what}).",
                name = name,
                other_name = other_name,
                what = other.problems[0].what.clone()
            )
        } else if long {
            phrase!(
                "said.advisor.backend.prompt",
                "{name} for long documents: it reads a {depth}-token document in about {secs:.0} s against {other_secs:.0} s on {other_name}, and generates {tg:.0} against {other_tg:.0} tok/s.",
                name = name,
                depth = depth,
                secs = chosen.prefill_seconds,
                other_secs = other.prefill_seconds,
                other_name = other_name,
                tg = chosen.tg_tps,
                other_tg = other.tg_tps
            )
        } else {
            phrase!(
                "said.advisor.backend.generation",
                "{name} for chat: it generates {tg:.0} against {other_tg:.0} tok/s on {other_name}; {other_name} reads prompts at {other_pp:.0} against {pp:.0} tok/s.",
                name = name,
                tg = chosen.tg_tps,
                other_tg = other.tg_tps,
                other_name = other_name,
                other_pp = other.pp_tps,
                pp = chosen.pp_tps
            )
        }
    });
    // The chosen backend's advice was made already, unless it was compared at another depth.
    let made = advices.into_iter().find(|a| a.backend == chosen.backend).filter(|_| depth == req.depth);
    let mut advice = match made {
        Some(a) => a,
        None => advise_on(catalog, &AdviceRequest { backend: Some(&chosen.backend), ..*req })?,
    };
    advice.backend_options = options;
    advice.backend_choice = choice;
    Ok(advice)
}

/// The advice for `req` on one backend (the one asked for, or the machine's usual one).
fn advise_on(catalog: &Catalog, req: &AdviceRequest) -> Result<Advice, AdvisorError> {
    let min = hearth_protocol::ModelSettings::MIN_CONTEXT;
    if req.ctx < min {
        return Err(AdvisorError::InvalidInput(format!("a context of {} tokens is too small (at least {min})", req.ctx)));
    }
    if req.ctx > 4 * 1024 * 1024 {
        return Err(AdvisorError::InvalidInput(format!("a context of {} tokens is beyond any model", req.ctx)));
    }
    let shape = req.shape;
    let hw = req.hardware;
    let backend = catalog.backend(req.backend.unwrap_or(&hw.backend))?;
    if hw.kind == HardwareKind::Cpu && backend.id != "cpu" {
        return Err(AdvisorError::InvalidInput(format!("{} has no GPU for the {} backend", hw.name, backend.id)));
    }
    // `evaluate` sizes with flash attention on, and the recommendation turns it on.
    let flash_attention = true;
    let row = |quant: Option<&QuantSpec>| -> Result<QuantRow, AdvisorError> {
        let e = evaluate(shape, quant, hw, backend, req.ctx, req.depth, req.kv_type)?;
        let (memory, placement, predicted) = (e.memory, e.placement, e.predicted);
        Ok(QuantRow {
            quant: match quant {
                Some(q) => q.id.clone(),
                None => format!("{} (this file)", shape.file_quant.clone().unwrap_or_else(|| "as stored".into())),
            },
            this_file: quant.is_none(),
            memory,
            fits: placement.fit,
            gpu_layers: placement.gpu_layers,
            n_cpu_moe: placement.n_cpu_moe,
            predicted,
            kld: quant.and_then(|q| q.kld),
            kld_imatrix: quant.is_some_and(|q| q.kld_imatrix),
            dppl: quant.and_then(|q| q.dppl),
        })
    };

    let mut rows = Vec::new();
    if shape.groups.iter().all(|g| g.file_bytes.is_some()) {
        rows.push(row(None)?);
    }
    let native_mxfp4 = shape.native_expert_type.as_deref() == Some("MXFP4");
    for q in &catalog.quants {
        if q.native_only && !native_mxfp4 {
            continue;
        }
        rows.push(row(Some(q))?);
    }

    let (recommendation, no_recommendation) = match recommend(shape, hw, &backend.id, &rows, req, flash_attention, native_mxfp4) {
        Ok(r) => (Some(r), None),
        Err(why) => (None, Some(*why)),
    };
    let selected = match req.quant {
        Some(id) => {
            let q = catalog.quant(id)?;
            Some(rows.iter().find(|r| !r.this_file && r.quant == q.id).cloned().map_or_else(|| row(Some(q)), Ok)?)
        }
        None => recommendation.as_ref().and_then(|r| rows.iter().find(|row| row.quant == r.quant).cloned()),
    };
    let calibration: Vec<String> = catalog
        .calibration
        .iter()
        .filter(|c| c.backend == backend.id)
        .map(|c| format!("calibration: {} {} on {}: {}", c.model, c.quant, c.hardware, c.source))
        .collect();
    let mut note_phrases = Vec::new();
    if req.ctx > shape.native_ctx {
        note_phrases.push(phrase!(
            "said.advisor.beyondNativeContext",
            "{ctx} tokens is more than {model} was trained for ({native}); answers degrade beyond it unless the model supports context extension.",
            ctx = req.ctx,
            model = shape.name.clone(),
            native = shape.native_ctx
        ));
    }
    let mut sources = vec![
        format!("model: {}", shape.source),
        format!("hardware: {}", hw.source),
        match (&backend.discrete, hw.kind) {
            (Some(d), crate::HardwareKind::Discrete) => format!("speed constants ({} on a discrete card): {}", backend.id, d.fit),
            _ => format!("speed constants ({}): {}", backend.id, backend.fit),
        },
        "quant sizes and quality: llama.cpp tools/quantize/quantize.cpp, tools/perplexity/README.md (Llama-3-8B), ggml/src/ggml-common.h".to_string(),
    ];
    sources.extend(calibration);
    Ok(Advice {
        model: ModelFacts {
            id: shape.id.clone(),
            name: shape.name.clone(),
            params_total: shape.params_total(),
            params_active: shape.params_active(),
            layers: shape.layers,
            experts: shape.experts,
            experts_used: shape.experts_used,
            native_ctx: shape.native_ctx,
        },
        hardware: hw.clone(),
        backend: backend.id.clone(),
        ctx: req.ctx,
        depth: req.depth,
        gpu_pool_bytes: gpu_pool_bytes(hw),
        ram_pool_bytes: ram_pool_bytes(hw),
        rows,
        selected,
        recommendation,
        no_recommendation: no_recommendation.as_ref().map(|p| p.text.clone()),
        no_recommendation_phrase: no_recommendation,
        notes: note_phrases.iter().map(|p| p.text.clone()).collect(),
        note_phrases,
        sources,
        backend_options: Vec::new(),
        backend_choice: None,
    })
}

/// Quality loss for ranking: the native release and near-lossless formats count as lossless.
fn loss(row: &QuantRow, native_mxfp4: bool) -> f64 {
    if native_mxfp4 && row.quant == "MXFP4" {
        return 0.0;
    }
    match row.kld {
        Some(k) if k < 0.002 => 0.0,
        Some(k) => k,
        None if row.this_file => 0.05,
        None => 0.001,
    }
}

#[allow(clippy::too_many_arguments)]
fn recommend(
    shape: &ModelShape,
    hw: &HardwareSpec,
    backend_id: &str,
    rows: &[QuantRow],
    req: &AdviceRequest,
    flash_attention: bool,
    native_mxfp4: bool,
) -> Result<Recommendation, Box<Phrase>> {
    let gib = |b: f64| b / GIB;
    let whole = |r: &&QuantRow| matches!(r.fits, Fit::Gpu | Fit::Unified | Fit::Cpu);
    // Keep 5% of the pool free for the desktop and the chat's own growth.
    let pool = if hw.kind == HardwareKind::Cpu { ram_pool_bytes(hw) } else { gpu_pool_bytes(hw) };
    let roomy = |r: &&QuantRow| r.memory.total_bytes <= pool * 0.95;
    let target = req.use_case.target_tps();
    let by_quality = |a: &&QuantRow, b: &&QuantRow| {
        loss(a, native_mxfp4).total_cmp(&loss(b, native_mxfp4)).then(b.predicted.tg_tps.total_cmp(&a.predicted.tg_tps))
    };
    // Beyond this KL divergence (Q2_K, IQ2_XXS on an 8B) answers degrade visibly.
    const USABLE_LOSS: f64 = 0.2;
    let whole_rows: Vec<&QuantRow> = rows.iter().filter(|r| !r.this_file).filter(whole).filter(roomy).collect();
    let usable: Vec<&QuantRow> = whole_rows.iter().copied().filter(|r| loss(r, native_mxfp4) <= USABLE_LOSS).collect();
    let fast: Vec<&QuantRow> = usable.iter().copied().filter(|r| r.predicted.tg_tps >= target).collect();
    let where_ = match hw.kind {
        HardwareKind::Discrete => phrase!("said.advisor.where.vram", "the {gib:.0} GiB of VRAM", gib = gib(pool)),
        HardwareKind::Unified => phrase!("said.advisor.where.unified", "the {gib:.0} GiB the GPU can address", gib = gib(pool)),
        HardwareKind::Cpu => phrase!("said.advisor.where.ram", "the {gib:.0} GiB of RAM", gib = gib(pool)),
    };
    // Split runs are slow: among the good quants (Q4_K_S and better), the best quality of
    // those within 20% of the fastest.
    let split_choice = || {
        let split: Vec<&QuantRow> = rows.iter().filter(|r| !r.this_file && r.fits == Fit::Partial && loss(r, native_mxfp4) <= 0.045).collect();
        let fastest = split.iter().map(|r| r.predicted.tg_tps).fold(0.0, f64::max);
        split.into_iter().filter(|r| r.predicted.tg_tps >= 0.8 * fastest).min_by(by_quality)
    };
    let (row, reason) = if let Some(best) = fast.iter().copied().min_by(by_quality) {
        let what = if native_mxfp4 && best.quant == "MXFP4" {
            phrase!("said.advisor.what.native", "the model's native release (its experts stay MXFP4 in every quant, so others save little)")
        } else {
            phrase!("said.advisor.what.best", "the best quality")
        };
        let reason = phrase!(
            "said.advisor.reason.fits",
            "{quant} is {what} that fits in {where_} with {ctx} tokens of context ({gib:.1} GiB needed), at about {tps:.0} tok/s.",
            quant = best.quant.clone(),
            what = what,
            where_ = where_,
            ctx = req.ctx,
            gib = gib(best.memory.total_bytes),
            tps = best.predicted.tg_tps
        );
        (best, reason)
    } else if let Some(best) = usable.iter().copied().min_by(by_quality) {
        (
            best,
            phrase!(
                "said.advisor.reason.slow",
                "{quant} is the best quality that fits in {where_} ({gib:.1} GiB at {ctx} tokens); no quant that fits reaches {target:.0} tok/s here (about {tps:.1}).",
                quant = best.quant.clone(),
                where_ = where_,
                gib = gib(best.memory.total_bytes),
                ctx = req.ctx,
                target = target,
                tps = best.predicted.tg_tps
            ),
        )
    } else if let Some(best) = split_choice() {
        let split = if best.n_cpu_moe > 0 {
            phrase!(
                "said.advisor.split.experts",
                "the experts of {moe} of {layers} layers in system RAM",
                moe = best.n_cpu_moe,
                layers = shape.layers
            )
        } else {
            phrase!("said.advisor.split.layers", "{gpu} of {layers} layers on the GPU", gpu = best.gpu_layers, layers = shape.layers)
        };
        (
            best,
            phrase!(
                "said.advisor.reason.split",
                "Nothing of usable quality fits whole in {where_} at {ctx} tokens; {quant} runs split, with {split}, at about {tps:.1} tok/s.",
                where_ = where_,
                ctx = req.ctx,
                quant = best.quant.clone(),
                split = split,
                tps = best.predicted.tg_tps
            ),
        )
    } else if let Some(best) = whole_rows.iter().copied().min_by(by_quality) {
        (
            best,
            phrase!(
                "said.advisor.reason.lossy",
                "Only {quant} fits in {where_} at {ctx} tokens, with a heavy quality loss (KL divergence {kld:.2} on Llama-3-8B); a smaller model is likely better.",
                quant = best.quant.clone(),
                where_ = where_,
                ctx = req.ctx,
                kld = best.kld.unwrap_or(f64::NAN)
            ),
        )
    } else {
        return Err(Box::new(phrase!(
            "said.advisor.noQuantFits",
            "No quant of {model} fits this machine at {ctx} tokens of context; a smaller context or a machine with more memory is needed.",
            model = shape.name.clone(),
            ctx = req.ctx
        )));
    };
    let gpu_layers = if row.fits == Fit::Cpu {
        0
    } else if row.gpu_layers >= shape.layers {
        999
    } else {
        row.gpu_layers
    };
    // Fully on the GPU the weights are copied there anyway; mmap would keep a second copy in the page cache.
    let mmap = !matches!(row.fits, Fit::Gpu | Fit::Unified);
    let kv = req.kv_type.llama_name();
    let mut launch = format!("llama-server -m MODEL.gguf -c {} -ngl {gpu_layers}", req.ctx);
    if row.n_cpu_moe > 0 {
        launch.push_str(&format!(" --n-cpu-moe {}", row.n_cpu_moe));
    }
    launch.push_str(&format!(" -fa {} -ctk {kv} -ctv {kv}", if flash_attention { "on" } else { "off" }));
    if !mmap {
        launch.push_str(" --no-mmap");
    }
    Ok(Recommendation {
        quant: row.quant.clone(),
        gpu_layers,
        n_cpu_moe: row.n_cpu_moe,
        ctx: req.ctx,
        flash_attention,
        kv_type: req.kv_type,
        mmap,
        mlock: false,
        reason: reason.text.clone(),
        reason_phrase: reason,
        backend: backend_id.to_string(),
        launch,
    })
}
