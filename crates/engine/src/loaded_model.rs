//! Loading a model and its context, and keeping them together. The context borrows the model;
//! both live in one struct whose field order makes the context drop first.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use hearth_gguf::{GgufError, GgufFile, MetaValue};
use hearth_protocol::{
    AllocatedMemory, BackendLibrary, ComputeDevice, FlashAttention, KvCacheType, ModelInfo, ModelSettings, PromptCacheSettings, SamplingSettings,
};
use llama_cpp_2::context::params::{KvCacheType as LlamaKv, LlamaContextParams};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::LlamaBackendDeviceType;

use crate::allocated_memory;
use crate::chat_prompt::ChatPrompt;
use crate::device_choice::{self, Placement};
use crate::kept_states::{self, KeptStates};
use crate::thread_pool::ThreadPool;
use crate::{llama_log, memory_check, EngineError};

/// Reports load progress; returning `false` aborts the load.
pub trait LoadObserver: Send + 'static {
    fn progress(&mut self, fraction: f32) -> bool;
}

impl<F: FnMut(f32) -> bool + Send + 'static> LoadObserver for F {
    fn progress(&mut self, fraction: f32) -> bool {
        self(fraction)
    }
}

impl LoadedModel {
    /// The context one answer has: all of it, or its slot's share (`parallel`).
    pub(crate) fn n_ctx_seq(&self) -> usize {
        self.ctx.n_ctx() as usize / self.parallel.max(1)
    }

    /// Whether an idle sequence may hold a stand-in cell for one step (`slots.rs`): a recurrent
    /// state cannot give a token back, so there the gap stays.
    pub(crate) fn stand_ins_allowed(&self) -> bool {
        !self.model.is_recurrent() && !self.model.is_hybrid()
    }
}

pub(crate) struct LoadedModel {
    /// The model's own speculative decoding setting (a request's `draft` wins).
    pub draft: hearth_protocol::DraftKind,
    // Declared first so that it drops before the model it borrows.
    pub ctx: LlamaContext<'static>,
    pub model: Box<LlamaModel>,
    pub info: ModelInfo,
    pub prompt: ChatPrompt,
    /// Tokens whose KV entries are in `ctx`, for prefix reuse between turns.
    pub cached_tokens: Vec<LlamaToken>,
    /// The sliding-window size of the model's SWA layers (0: none). Those layers keep only about
    /// window + ubatch cells, so a cached prefix is reusable only while its last `window`
    /// positions are still held.
    pub swa_window: usize,
    /// Sequence states kept after answers, for prompts that start the same way.
    pub kept: KeptStates,
    /// Answers generated side by side (`slots.rs`): sequences 0..parallel share the context.
    pub parallel: usize,
    /// The tokens whose cells sequences 1.. hold, for prefix reuse (sequence 0's are
    /// `cached_tokens`).
    pub other_seqs: Vec<Vec<LlamaToken>>,
    /// The model that writes drafts (`ModelSettings::draft_model`), when one is set.
    pub draft_model: Option<crate::draft_model::DraftModel>,
    // Declared last: freed after every context that computes with it.
    _thread_pool: Option<ThreadPool>,
}

/// llama.cpp in this process: at most one model and one context at a time.
pub struct Engine {
    pub(crate) loaded: Option<LoadedModel>,
    /// Where states kept after answers go on disk, for the models loaded from now on.
    prompt_cache: Option<PromptCacheSettings>,
}

static BACKEND_LIBRARIES: OnceLock<Vec<BackendLibrary>> = OnceLock::new();

pub(crate) fn backend() -> Result<&'static LlamaBackend, EngineError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_log::install();
            // Backends built as libraries must be registered before anything asks for devices.
            #[cfg(ggml_backend_dl)]
            BACKEND_LIBRARIES.get_or_init(crate::backend_libraries::load_all);
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| EngineError::Internal(format!("llama.cpp backend failed to start: {e}")))
}

/// Threads when the user has not chosen: one per physical core (SMT siblings share a core's
/// arithmetic units), no more than this process may use, at most 16. Measured with
/// `bench/threads.py` (bench/RESULTS.md): on 2 cores, all of them beat one fewer by 1.8x on an idle
/// machine and by 1.4x beside an interactive program (the app's own window redrawing a streamed
/// answer); only beside a program that holds a whole core was one fewer faster (1.5x), and the
/// Threads setting is there for that.
pub fn default_threads() -> u32 {
    let usable = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
    hearth_hardware::physical_cores().unwrap_or(usable).min(usable).clamp(1, 16)
}

impl Engine {
    /// How the loaded model writes tool calls with this template choice (`Generic` with none loaded).
    pub fn tool_format(&self, choice: &hearth_protocol::TemplateChoice) -> hearth_protocol::ToolFormat {
        self.loaded.as_ref().map_or(hearth_protocol::ToolFormat::Generic, |l| l.prompt.tool_format(choice))
    }

    pub fn new() -> Result<Engine, EngineError> {
        backend()?;
        Ok(Engine { loaded: None, prompt_cache: None })
    }

    /// The devices llama.cpp can compute on (the CPU, and GPUs of the backends it was built with
    /// or loaded).
    pub fn devices() -> Vec<ComputeDevice> {
        // Loads the backend libraries of a build that has them as libraries.
        let _ = backend();
        llama_cpp_2::list_llama_ggml_backend_devices()
            .into_iter()
            .map(|d| ComputeDevice {
                name: d.name,
                description: d.description,
                backend: d.backend,
                memory_total_bytes: d.memory_total as u64,
                memory_free_bytes: d.memory_free as u64,
                kind: match d.device_type {
                    LlamaBackendDeviceType::Gpu => "gpu",
                    LlamaBackendDeviceType::IntegratedGpu => "igpu",
                    LlamaBackendDeviceType::Cpu => "cpu",
                    LlamaBackendDeviceType::Accelerator => "accel",
                    _ => "unknown",
                }
                .into(),
            })
            .collect()
    }

    /// The backend libraries found beside this build and whether each loaded (empty for a build
    /// with its backends linked in).
    pub fn backend_libraries() -> Vec<BackendLibrary> {
        let _ = backend();
        BACKEND_LIBRARIES.get().cloned().unwrap_or_default()
    }

    /// The names of the GPU devices (every device but the host's CPU and BLAS), software ones included.
    pub fn gpu_device_names() -> Vec<String> {
        Engine::devices().into_iter().filter(|d| !device_choice::is_host(d)).map(|d| d.name).collect()
    }

    /// Where a model goes when no device is chosen, and why ("Vulkan0 (…): the only GPU").
    pub fn default_device_reason() -> hearth_protocol::Phrase {
        device_choice::choose_default(&Engine::devices()).1
    }

    /// Where a model's layers run with `settings`: `CPU`, or the GPU devices' names.
    pub fn backend_for(settings: &ModelSettings) -> Result<String, EngineError> {
        let devices = Engine::devices();
        let placement = device_choice::resolve(&settings.devices, &devices)?;
        Ok(device_choice::describe(&placement, settings.gpu_layers, &devices))
    }

    /// llama.cpp's description of the CPU features and backends it was built with.
    pub fn system_info() -> String {
        let ptr = unsafe { llama_cpp_sys_2::llama_print_system_info() };
        if ptr.is_null() {
            return String::new();
        }
        unsafe { std::ffi::CStr::from_ptr(ptr) }.to_string_lossy().trim().to_string()
    }

    pub fn model_info(&self) -> Option<&ModelInfo> {
        self.loaded.as_ref().map(|l| &l.info)
    }

    pub fn unload(&mut self) {
        self.loaded = None;
    }

    /// Where states are kept on disk from now on (none: in memory only).
    pub fn set_prompt_cache(&mut self, settings: Option<PromptCacheSettings>) {
        if let Some(loaded) = self.loaded.as_mut() {
            loaded.kept.set_disk(settings.clone());
        }
        self.prompt_cache = settings;
    }

    /// Forgets the states kept under `tag`, in memory and on disk (a deleted conversation).
    pub fn forget_state(&mut self, tag: &str) {
        match (&mut self.loaded, &self.prompt_cache) {
            (Some(loaded), _) => loaded.kept.forget(tag),
            (None, Some(disk)) => kept_states::forget_on_disk(disk, tag),
            (None, None) => {}
        }
    }

    /// Validates `path`, checks that it fits, loads it and creates its context.
    pub fn load(&mut self, path: &Path, settings: &ModelSettings, mut observer: impl LoadObserver) -> Result<ModelInfo, EngineError> {
        let started = Instant::now();
        let backend = backend()?;
        let gguf = open_gguf(path)?;
        crate::rpc::add_servers(&settings.rpc)?;
        let devices = Engine::devices();
        let placement = placement_for(settings, &devices)?;
        // A file that is not a usable GGUF, or a device that is not here, was rejected above with
        // the old model still loaded.
        // From here on the old model goes first, so that the new one can have its memory.
        self.loaded = None;

        let n_ctx = context_length(&gguf, settings);
        let mut memory_notice = None;
        // With other machines' devices the layers do not all have to fit here.
        let pools = if settings.rpc.is_empty() { memory_check::Pools::read(&hearth_hardware::Roots::default()) } else { None };
        if let Some(pools) = pools {
            let kv = memory_check::kv_bytes(&gguf, path, n_ctx, settings.kv_cache_type);
            let gpu = backend.supports_gpu_offload() && placement != Placement::CpuOnly && settings.gpu_layers != Some(0);
            let need = memory_check::split(&gguf, kv, gpu, settings.gpu_layers, settings.n_cpu_moe.unwrap_or(0));
            match memory_check::judge(need, &pools) {
                memory_check::Verdict::Refused(why) => return Err(EngineError::OutOfMemory(why)),
                memory_check::Verdict::Tight(why) => memory_notice = Some(why),
                memory_check::Verdict::Fits => {}
            }
        }

        let cancelled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cancel_seen = cancelled.clone();
        let mut params = LlamaModelParams::default().with_use_mmap(settings.mmap).with_use_mlock(settings.mlock).with_progress_callback(move |f| {
            let go_on = observer.progress(f);
            if !go_on {
                cancel_seen.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            go_on
        });
        params = place_layers(params, settings.gpu_layers, &placement)?;
        // `--n-cpu-moe N`: the experts of layers 0..N stay in CPU memory. llama.cpp keeps a
        // pointer to each pattern, so the strings live until the load is over.
        let expert_patterns: Vec<std::ffi::CString> = (0..settings.n_cpu_moe.unwrap_or(0))
            .map(|i| std::ffi::CString::new(format!("blk\\.{i}\\.ffn_(up|down|gate)_(ch|)exps")).expect("no NUL"))
            .collect();
        let mut params = std::pin::pin!(params);
        for pattern in &expert_patterns {
            params.as_mut().add_cpu_buft_override(pattern);
        }
        let mark = llama_log::mark();
        let load_mark = mark;
        let model = LlamaModel::load_from_file(backend, path, &params).map_err(|e| {
            if cancelled.load(std::sync::atomic::Ordering::SeqCst) {
                return EngineError::Cancelled;
            }
            match llama_log::failure_since(mark, &e.to_string()) {
                (true, why) => EngineError::OutOfMemory(format!("not enough memory to load the model: {why}")),
                (false, why) => EngineError::LoadFailed(why),
            }
        })?;
        let model = Box::new(model);

        let threads = settings.threads.unwrap_or_else(default_threads).max(1);
        let ctx_params = context_params(settings, n_ctx, threads);
        let parallel = parallel_slots(settings) as usize;
        let mark = llama_log::mark();
        let ctx = model.new_context(backend, ctx_params).map_err(|e| match llama_log::failure_since(mark, &e.to_string()) {
            (true, why) => EngineError::OutOfMemory(format!("not enough memory for a {n_ctx}-token context: {why}")),
            (false, why) => EngineError::ContextFailed(why),
        })?;
        // SAFETY: `ctx` borrows the boxed model, whose heap address never changes; `LoadedModel`
        // declares `ctx` before `model`, so the context is dropped first.
        let ctx: LlamaContext<'static> = unsafe { std::mem::transmute(ctx) };
        let draft_model = match settings.draft_model.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(draft_path) => {
                // All its layers where the target's go; its context one answer's.
                let draft_params = place_layers(LlamaModelParams::default().with_use_mmap(settings.mmap), None, &placement)?;
                let batch = settings.batch_size.clamp(32, 8192);
                Some(crate::draft_model::DraftModel::load(
                    Path::new(draft_path),
                    &model,
                    &draft_params,
                    crate::draft_model::draft_context_params(ctx.n_ctx() / parallel as u32, batch, threads),
                )?)
            }
            None => None,
        };
        // Workers kept for the model's lifetime rather than started for every decode. Where every
        // layer is on a GPU the CPU computes only small pieces of a step (the token embeddings'
        // lookup): workers polling for the next piece would keep every core busy for the whole
        // answer, and take power the GPU could use where they share a package (an APU).
        let n_layers = gguf.arch_u64("block_count").unwrap_or(0) as u32;
        let all_on_gpu = backend.supports_gpu_offload()
            && matches!(&placement, Placement::Devices(d) if !d.is_empty())
            && settings.gpu_layers.is_none_or(|l| l >= n_layers)
            && settings.n_cpu_moe.unwrap_or(0) == 0;
        let thread_pool = ThreadPool::start(threads, !all_on_gpu).filter(|pool| pool.attach_to(&ctx));
        if let (Some(pool), Some(draft)) = (&thread_pool, &draft_model) {
            draft.share_thread_pool(pool);
        }

        let vocab = model.vocab();
        let token_text = |t| vocab.token_to_piece(t, true, None);
        let prompt = ChatPrompt {
            model_template: gguf.get("tokenizer.chat_template").and_then(MetaValue::as_str).map(str::to_string),
            bos_token: String::from_utf8_lossy(&token_text(vocab.bos())).into_owned(),
            eos_token: String::from_utf8_lossy(&token_text(vocab.eos())).into_owned(),
        };
        let summary = gguf.summary();
        let placement_text = device_choice::describe(&placement, settings.gpu_layers, &devices);
        let key = kept_states::model_key(path, &gguf, settings, ctx.n_ctx(), ctx.n_ubatch(), &placement_text);
        let kept = KeptStates::new(key, self.prompt_cache.clone());
        let swa_window = gguf.arch_u64("attention.sliding_window").unwrap_or(0) as usize;
        let info = ModelInfo {
            path: path.display().to_string(),
            name: hearth_gguf::display_name(path),
            architecture: summary.architecture.clone().unwrap_or_else(|| "unknown".into()),
            quant: summary.file_type.clone().unwrap_or_else(|| summary.quant_types.first().map_or("unknown".into(), |q| q.ggml_type.clone())),
            size_bytes: gguf.file_size,
            parameters: model.n_params(),
            layers: model.n_layer(),
            trained_context: model.n_ctx_train(),
            context_length: ctx.n_ctx(),
            threads,
            chat_template: prompt.describe(&model),
            load_ms: started.elapsed().as_millis() as u32,
            sampling_defaults: sampling_defaults(&gguf),
            allocated: allocated_memory::from_log(&llama_log::buffer_reports_since(load_mark)),
            backend: placement_text,
            reasoning_effort: prompt.supports_reasoning_effort(),
            tool_calls: prompt.tool_format(&hearth_protocol::TemplateChoice::Model).template_renders_tools(),
            memory_notice,
            device_reason: settings.devices.iter().all(|d| d.trim().is_empty()).then(|| device_choice::choose_default(&devices).1),
            parallel: parallel as u32,
            draft_model: draft_model.as_ref().map(|d| d.name.clone()),
        };
        self.loaded = Some(LoadedModel {
            draft: settings.draft,
            ctx,
            model,
            info: info.clone(),
            prompt,
            cached_tokens: Vec::new(),
            swa_window,
            kept,
            parallel,
            other_seqs: Vec::new(),
            draft_model,
            _thread_pool: thread_pool,
        });
        Ok(info)
    }

    /// What llama.cpp would allocate for `path` with `settings`, without allocating it: the
    /// model is opened with `no_alloc` (metadata only, allocations simulated) and a context
    /// created the same way. The loaded model, if any, stays loaded.
    pub fn dry_run(path: &Path, settings: &ModelSettings) -> Result<AllocatedMemory, EngineError> {
        let backend = backend()?;
        let gguf = open_gguf(path)?;
        let n_ctx = context_length(&gguf, settings);
        crate::rpc::add_servers(&settings.rpc)?;
        let placement = placement_for(settings, &Engine::devices())?;
        let params = place_layers(LlamaModelParams::default().with_no_alloc(true), settings.gpu_layers, &placement)?;
        let mark = llama_log::mark();
        let model = LlamaModel::load_from_file(backend, path, &params)
            .map_err(|e| EngineError::LoadFailed(llama_log::failure_since(mark, &e.to_string()).1))?;
        let threads = settings.threads.unwrap_or_else(default_threads).max(1);
        let ctx = model
            .new_context(backend, context_params(settings, n_ctx, threads))
            .map_err(|e| EngineError::ContextFailed(llama_log::failure_since(mark, &e.to_string()).1))?;
        drop(ctx);
        let mut memory = allocated_memory::from_log(&llama_log::buffer_reports_since(mark));
        if memory.weights_bytes == 0 {
            // Without allocations the weight buffers are dummies: the weights are the tensors.
            memory.weights_bytes = gguf.tensors.iter().map(|t| t.bytes).sum();
        }
        Ok(memory)
    }
}

/// Where the layers may go: the devices chosen (else the best GPU), with the RPC servers' devices.
fn placement_for(settings: &ModelSettings, devices: &[ComputeDevice]) -> Result<Placement, EngineError> {
    let placement = device_choice::resolve(&settings.devices, devices)?;
    Ok(device_choice::with_rpc(placement, &settings.rpc, devices))
}

/// The GPU layers and the devices they may go to.
fn place_layers(params: LlamaModelParams, gpu_layers: Option<u32>, placement: &Placement) -> Result<LlamaModelParams, EngineError> {
    let mut params = match gpu_layers {
        Some(layers) => params.with_n_gpu_layers(layers),
        None => params,
    };
    match placement {
        // No GPU device at all, not only no GPU layers: with a GPU in the model's device list,
        // llama.cpp still sends a large batch's matrix products to it (op offload), so "CPU only"
        // would not be (seen with Vulkan: the CPU's and the GPU's logits came out identical).
        Placement::CpuOnly => {
            params = params.with_n_gpu_layers(0).with_devices(&[]).map_err(|e| EngineError::UnknownDevice(e.to_string()))?;
        }
        Placement::Devices(indices) => {
            params = params.with_devices(indices).map_err(|e| EngineError::UnknownDevice(e.to_string()))?;
        }
    }
    Ok(params)
}

/// Validates a GGUF before llama.cpp sees it.
pub(crate) fn open_gguf(path: &Path) -> Result<GgufFile, EngineError> {
    let refused = |e: GgufError| match e {
        GgufError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => EngineError::ModelNotFound(path.display().to_string()),
        not_a_file @ GgufError::NotAFile { .. } => EngineError::InvalidModel(not_a_file.to_string()),
        other => EngineError::InvalidModel(format!("{} is not a usable GGUF model: {other}", file_name(path))),
    };
    let gguf = GgufFile::open_model(path).map_err(refused)?;
    hearth_gguf::check_vocabulary(path).map_err(refused)?;
    Ok(gguf)
}

/// The context a load gets: the setting, else the trained context capped.
fn context_length(gguf: &GgufFile, settings: &ModelSettings) -> u32 {
    let trained = gguf.arch_u64("context_length").unwrap_or(4096) as u32;
    settings.context_length.unwrap_or_else(|| trained.min(ModelSettings::DEFAULT_CONTEXT_CAP)).max(ModelSettings::MIN_CONTEXT)
}

/// Answers side by side, as many as llama.cpp allows sequences.
fn parallel_slots(settings: &ModelSettings) -> u32 {
    settings.parallel.unwrap_or(1).clamp(1, 64)
}

fn context_params(settings: &ModelSettings, n_ctx: u32, threads: u32) -> LlamaContextParams {
    let batch = settings.batch_size.clamp(32, 8192);
    let slots = parallel_slots(settings);
    LlamaContextParams::default()
        // A cache of its own for each slot (a share of the context, as llama-server's `-np`
        // without `--kv-unified`): an answer's cells then lie as they would alone, so it sums
        // its attention in the same order and comes out the same. In one shared cache the
        // slots' cells interleave and greedy answers drifted apart (4 of 8 prompts, SmolLM2).
        .with_n_seq_max(slots)
        .with_kv_unified(false)
        .with_n_ctx(NonZeroU32::new(n_ctx))
        .with_n_batch(batch)
        .with_n_ubatch(settings.ubatch_size.map_or(batch.min(hearth_advisor::UBATCH), |u| u.clamp(32, batch)))
        .with_n_threads(threads as i32)
        .with_n_threads_batch(threads as i32)
        .with_flash_attention_policy(match settings.flash_attention {
            FlashAttention::Auto => llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_AUTO,
            FlashAttention::On => llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_ENABLED,
            FlashAttention::Off => llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_DISABLED,
        })
        // llama.cpp's library default is a full-size cache for sliding-window layers; its
        // own server and CLI use the small one (window + ubatch cells). At gpt-oss-120b's
        // 128K context the full one costs 4.5 GiB more for nothing.
        .with_swa_full(false)
        .with_type_k(llama_kv(settings.kv_cache_type))
        .with_type_v(llama_kv(settings.kv_cache_type))
}

fn llama_kv(t: KvCacheType) -> LlamaKv {
    match t {
        KvCacheType::F16 => LlamaKv::F16,
        KvCacheType::Q8_0 => LlamaKv::Q8_0,
        KvCacheType::Q4_0 => LlamaKv::Q4_0,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The model author's recommended sampling, where the GGUF carries it (`general.sampling.*`).
fn sampling_defaults(gguf: &GgufFile) -> SamplingSettings {
    let f = |k: &str| gguf.get(&format!("general.sampling.{k}")).and_then(MetaValue::as_f64);
    SamplingSettings {
        temperature: f("temp").map(|v| v as f32),
        top_k: f("top_k").map(|v| v as i32),
        top_p: f("top_p").map(|v| v as f32),
        min_p: f("min_p").map(|v| v as f32),
        repeat_penalty: f("penalty_repeat").map(|v| v as f32),
        seed: None,
        max_tokens: None,
        ..Default::default()
    }
}
