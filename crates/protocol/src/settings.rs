//! Model settings, sampling settings, model facts and generation statistics.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A function's result, answering an assistant's tool call (`tool_call_id`).
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    /// An earlier answer's reasoning, kept apart from its text; the template decides whether
    /// the model sees it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reasoning: Option<String>,
    /// The functions an assistant turn called (the API's `tool_calls`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<crate::ToolCall>>", optional)]
    pub tool_calls: Vec<crate::ToolCall>,
    /// The call a `Tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A message of plain text.
    pub fn new(role: Role, content: impl Into<String>) -> ChatMessage {
        ChatMessage { role, content: content.into(), reasoning: None, tool_calls: Vec::new(), tool_call_id: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "lowercase")]
pub enum FlashAttention {
    #[default]
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
pub enum KvCacheType {
    #[default]
    F16,
    Q8_0,
    Q4_0,
}

impl KvCacheType {
    /// Bytes per cached value (ggml block layouts: q8_0 is 34 bytes per 32, q4_0 18 per 32).
    pub fn bytes_per_value(self) -> f64 {
        match self {
            KvCacheType::F16 => 2.0,
            KvCacheType::Q8_0 => 34.0 / 32.0,
            KvCacheType::Q4_0 => 18.0 / 32.0,
        }
    }

    /// The name llama.cpp's tools use (`-ctk q8_0`).
    pub fn llama_name(self) -> &'static str {
        match self {
            KvCacheType::F16 => "f16",
            KvCacheType::Q8_0 => "q8_0",
            KvCacheType::Q4_0 => "q4_0",
        }
    }
}

/// How a model is loaded. Remembered per model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ModelSettings {
    /// Context length in tokens; `None` means the engine's default for this model
    /// (its trained context, capped at [`ModelSettings::DEFAULT_CONTEXT_CAP`]).
    pub context_length: Option<u32>,
    /// Threads for generation and prompt processing; `None` means the engine's default.
    pub threads: Option<u32>,
    /// Layers offloaded to the GPU; `None` means all of them (llama.cpp's default).
    pub gpu_layers: Option<u32>,
    pub flash_attention: FlashAttention,
    pub kv_cache_type: KvCacheType,
    pub mmap: bool,
    pub mlock: bool,
    pub batch_size: u32,
    /// The physical batch (llama.cpp's `--ubatch-size`); `None` means min(batch, 512). Bigger
    /// ubatches speed up prompt processing of MoE models on GPUs, at the cost of compute memory.
    #[serde(default)]
    pub ubatch_size: Option<u32>,
    /// Keep the routed experts of the first N layers in CPU memory (llama.cpp's `--n-cpu-moe`),
    /// so that a MoE model larger than the GPU runs with everything else on the GPU.
    #[serde(default)]
    pub n_cpu_moe: Option<u32>,
    /// The devices the GPU layers go to, by llama.cpp's names (`Vulkan0`, `CUDA1`; as
    /// llama-server's `--device`); `["CPU"]` keeps every layer on the CPU. Empty: every GPU
    /// llama.cpp found (its default).
    #[serde(default)]
    pub devices: Vec<String>,
    /// Speculative decoding for this model's answers (a request's own `draft` wins): drafts from
    /// prompt lookup, checked in one batch. Pays where a wider batch is almost free (GPUs,
    /// unified memory); greedy answers only.
    #[serde(default)]
    pub draft: DraftKind,
    /// The draft model's GGUF for `DraftKind::Model` (loaded beside this one, on the same
    /// devices; its vocabulary must be this model's).
    #[serde(default)]
    pub draft_model: Option<String>,
    /// Other machines' devices through llama.cpp's RPC backend: the `HOST:PORT` of each
    /// `hearth rpc-server`. Their devices (`RPC0`, …) take layers with this machine's GPU (or
    /// those named in `devices`), as llama.cpp splits a model over GPUs.
    #[serde(default)]
    pub rpc: Vec<String>,
    /// Answers generated side by side (llama.cpp's sequences over one unified KV cache, as
    /// llama-server's `--parallel`): the API's clients share the context, their decode steps
    /// batched together. `None` or 1: one answer at a time.
    #[serde(default)]
    pub parallel: Option<u32>,
}

impl ModelSettings {
    /// A default context cap: the KV cache of a 128k context can cost more memory than the weights.
    pub const DEFAULT_CONTEXT_CAP: u32 = 8192;
    /// The smallest context a load gets: the engine raises a smaller one to it, the advisor and
    /// the CLI's `--ctx` refuse one below it.
    pub const MIN_CONTEXT: u32 = 64;
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            context_length: None,
            threads: None,
            gpu_layers: None,
            flash_attention: FlashAttention::Auto,
            kv_cache_type: KvCacheType::F16,
            mmap: true,
            mlock: false,
            batch_size: 512,
            ubatch_size: None,
            n_cpu_moe: None,
            devices: Vec::new(),
            draft: DraftKind::None,
            draft_model: None,
            rpc: Vec::new(),
            parallel: None,
        }
    }
}

/// How tokens are chosen. Remembered per conversation. `None` fields take the model's own
/// defaults (`general.sampling.*` in the GGUF) or llama.cpp's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, Default)]
#[serde(default)]
pub struct SamplingSettings {
    /// 0 means greedy.
    pub temperature: Option<f32>,
    pub top_k: Option<i32>,
    pub top_p: Option<f32>,
    pub min_p: Option<f32>,
    pub repeat_penalty: Option<f32>,
    pub seed: Option<u32>,
    pub max_tokens: Option<u32>,
    /// How hard a reasoning model thinks, for templates that read `reasoning_effort` (gpt-oss's
    /// `Reasoning: low|medium|high`); `None` is the template's own default.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Extra variables for the model's Jinja template (the API's `chat_template_kwargs`).
    #[ts(type = "Record<string, unknown> | null")]
    pub template_kwargs: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// Functions the model may call, as OpenAI's `tools` define them (`{"type": "function",
    /// "function": {"name", "description", "parameters"}}`): rendered by the template, and the
    /// answer's calls parsed from the model's own format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "unknown[] | null")]
    pub tools: Option<Vec<serde_json::Value>>,
    /// What the answer must be, enforced token by token with a grammar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<OutputConstraint>,
    /// Speculative decoding (issue 18): where draft tokens come from. `None` or `none`: plain
    /// decoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub draft: Option<DraftKind>,
}

/// Where speculative decoding's draft tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum DraftKind {
    #[default]
    None,
    /// Prompt lookup: the tokens that followed the answer's last few tokens where they appeared
    /// earlier in the conversation (its documents' passages above all).
    Ngram,
    /// A smaller model with the same vocabulary (`ModelSettings::draft_model`) writes them.
    Model,
}

impl std::str::FromStr for DraftKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(DraftKind::None),
            "ngram" => Ok(DraftKind::Ngram),
            "model" => Ok(DraftKind::Model),
            other => Err(format!("a draft is none, ngram or a draft model's GGUF file, not {other:?}")),
        }
    }
}

/// How speculative decoding went for one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DraftStats {
    pub kind: DraftKind,
    /// Draft tokens checked by the model.
    pub proposed: u32,
    /// Of them, the ones the model agreed with (each one a decode step saved).
    pub accepted: u32,
    /// Drafting paused or stopped itself at least once: its drafts kept missing, or cost more
    /// than they saved.
    pub switched_off: bool,
    /// Times paused drafting resumed because the answer began repeating its context again.
    #[serde(default)]
    pub resumed: u32,
}

/// An answer held to a shape by llama.cpp's grammar sampler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputConstraint {
    /// JSON valid against this JSON schema (the API's `response_format`).
    Json {
        #[ts(type = "unknown")]
        schema: serde_json::Value,
    },
    /// A call of one of `tools` (by name, from `SamplingSettings::tools`), its arguments valid
    /// against that function's `parameters` (the API's `tool_choice: required` or a named one).
    ToolCall { names: Vec<String> },
}

/// OpenAI's `reasoning_effort`, as gpt-oss's template takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    Low,
    Medium,
    High,
}

impl ReasoningEffort {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }
}

impl std::str::FromStr for ReasoningEffort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(ReasoningEffort::Low),
            "medium" => Ok(ReasoningEffort::Medium),
            "high" => Ok(ReasoningEffort::High),
            other => Err(format!("reasoning effort must be low, medium or high, not {other:?}")),
        }
    }
}

/// Which chat template renders the prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum TemplateChoice {
    /// The GGUF's own template (llama.cpp's matcher, then Jinja).
    #[default]
    Model,
    /// One of llama.cpp's built-in templates by name (e.g. `chatml`, `llama3`, `gemma`), used
    /// when the model has none or its own fails.
    Builtin(String),
    /// No template: the messages' text as it is, one after another (`/v1/completions`' prompt).
    Raw,
}

/// What the user sees about a loaded model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ModelInfo {
    pub path: String,
    pub name: String,
    pub architecture: String,
    /// The file type, e.g. `Q4_K_M`.
    pub quant: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    #[ts(type = "number")]
    pub parameters: u64,
    pub layers: u32,
    pub trained_context: u32,
    /// The context this load actually has.
    pub context_length: u32,
    pub threads: u32,
    /// Where the template came from: `llama.cpp`, `jinja`, `builtin:<name>`, or `none`.
    pub chat_template: String,
    pub load_ms: u32,
    /// The model's own sampling defaults, as far as the GGUF says.
    pub sampling_defaults: SamplingSettings,
    /// What llama.cpp really allocated for this load, from its own report.
    #[serde(default)]
    pub allocated: AllocatedMemory,
    /// Where the layers run: `CPU`, or the GPU devices used (e.g. `Vulkan0`).
    #[serde(default)]
    pub backend: String,
    /// The model's template reads `reasoning_effort` (gpt-oss's does): offer the setting.
    #[serde(default)]
    pub reasoning_effort: bool,
    /// The model's own template renders tools (gpt-oss, Hermes/Qwen, Llama 3.x): it was trained
    /// to call them, so the conversation's documents are offered as a search tool too.
    #[serde(default)]
    pub tool_calls: bool,
    /// A tight fit found by the pre-load memory check (it loaded; little is left).
    #[serde(default)]
    pub memory_notice: Option<String>,
    /// Why the layers went where they did when no device was chosen (which GPU and why, or why
    /// none), e.g. "Vulkan0 (Radeon 8060S Graphics): the only GPU"; a phrase so a window in
    /// another language says it in that language.
    #[serde(default)]
    pub device_reason: Option<crate::Phrase>,
    /// Answers generated side by side (`ModelSettings::parallel`); each has
    /// `context_length / parallel` tokens of context.
    #[serde(default = "one_slot")]
    pub parallel: u32,
    /// The draft model loaded beside this one for speculative decoding (its file name).
    #[serde(default)]
    pub draft_model: Option<String>,
}

fn one_slot() -> u32 {
    1
}

/// A device llama.cpp can compute on (its ggml backend devices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ComputeDevice {
    /// e.g. `CPU`, `Vulkan0`, `CUDA0`.
    pub name: String,
    pub description: String,
    /// e.g. `CPU`, `Vulkan`, `CUDA`.
    pub backend: String,
    #[ts(type = "number")]
    pub memory_total_bytes: u64,
    #[ts(type = "number")]
    pub memory_free_bytes: u64,
    /// ggml's device type: `gpu` (discrete), `igpu` (integrated: shares the host's memory),
    /// `cpu`, `accel`.
    #[serde(default)]
    pub kind: String,
}

/// One of ggml's backend libraries found beside Hearth (a build with backends loaded at run
/// time): whether it loaded, and if not, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BackendLibrary {
    /// The backend it provides, as ggml names its files: `cpu`, `vulkan`, `cuda`, `hip`.
    pub backend: String,
    /// A CPU variant's name (`haswell`, `zen4` ...), when the file is one of several.
    pub variant: Option<String>,
    pub path: String,
    pub loaded: bool,
    /// Why it did not load: no driver, a missing symbol, a CPU it cannot run on, a variant
    /// another one was preferred to.
    pub reason: Option<String>,
}

/// Buffers llama.cpp allocated for a loaded model, summed over devices (bytes; 0 where llama.cpp
/// reported none). The advisor's estimates are checked against these.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct AllocatedMemory {
    #[ts(type = "number")]
    pub weights_bytes: u64,
    #[ts(type = "number")]
    pub kv_bytes: u64,
    /// Compute buffers plus the logits output buffer.
    #[ts(type = "number")]
    pub compute_bytes: u64,
    /// The weights by the buffer llama.cpp put them in (`Vulkan0`, `CUDA0`, `CPU_Mapped`,
    /// `CPU_REPACK` …): where the layers and the experts really went.
    #[serde(default)]
    #[ts(type = "Record<string, number>")]
    pub weights_by_buffer: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model ended its turn.
    EndOfTurn,
    /// `max_tokens` reached.
    MaxTokens,
    /// The context filled up.
    ContextFull,
    /// The user stopped it.
    Cancelled,
}

/// Where a prompt's reused KV entries came from (issue 21).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReusedFrom {
    /// Nothing reused: the whole prompt was decoded.
    #[default]
    Nothing,
    /// The engine's cache as the previous answer left it.
    Live,
    /// A state kept in the engine's memory (a conversation switched away from).
    Memory,
    /// A state saved on disk (after a restart, or one pushed out of memory).
    Disk,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GenerationStats {
    /// Tokens in the whole prompt.
    pub prompt_tokens: u32,
    /// Prompt tokens actually evaluated (the rest were reused from the KV cache).
    pub prompt_evaluated: u32,
    /// Prompt tokens taken from a kept state rather than decoded (`prompt_tokens -
    /// prompt_evaluated`: the last prompt token is always decoded again for its logits).
    #[serde(default)]
    pub cached_tokens: u32,
    /// Where those tokens' KV entries came from.
    #[serde(default)]
    pub reused_from: ReusedFrom,
    pub gen_tokens: u32,
    pub ttft_ms: f64,
    /// Prompt tokens evaluated per second.
    pub pp_tps: f64,
    /// Generated tokens per second, after the first.
    pub tg_tps: f64,
    pub total_ms: f64,
    /// Old messages dropped so that the conversation fits the context.
    pub dropped_messages: u32,
    pub stop_reason: StopReason,
    /// Why the model's own chat template was not used for this answer (it failed; llama.cpp's
    /// built-in one rendered instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template_notice: Option<String>,
    /// Why text that looked like a tool call was kept as text (malformed JSON, an unknown
    /// function).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tool_call_notice: Option<String>,
    /// Speculative decoding's drafts, when it was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub draft: Option<DraftStats>,
}
