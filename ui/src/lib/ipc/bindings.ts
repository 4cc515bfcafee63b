// Generated from the Rust types by `src-tauri/typescript.rs`. Do not edit.

import type { Channel } from "@tauri-apps/api/core";

export type ErrorCode = "INVALID_MODEL" | "MODEL_NOT_FOUND" | "OUT_OF_MEMORY" | "LOAD_FAILED" | "CONTEXT_FAILED" | "NO_MODEL" | "TEMPLATE_MISSING" | "TEMPLATE_FAILED" | "CONTEXT_OVERFLOW" | "DECODE_FAILED" | "ENGINE_DIED" | "ENGINE_UNAVAILABLE" | "BAD_REQUEST" | "BUSY" | "STORAGE" | "NOT_FOUND" | "QUANTIZE_FAILED" | "REQUANTIZE_NEEDS_CONSENT" | "DISK_FULL" | "DOCUMENT_ENCRYPTED" | "DOCUMENT_NO_TEXT" | "DOCUMENT_UNREADABLE" | "DOCUMENT_UNSUPPORTED" | "CANCELLED" | "REMOTE_UNREACHABLE" | "REMOTE_UNAUTHORIZED" | "REMOTE_FAILED" | "NETWORK" | "UNAUTHORIZED" | "VERIFICATION_FAILED" | "KEYRING" | "SERVER_FAILED" | "IO" | "JOB_FAILED" | "MCP_SERVER_FAILED" | "INTERNAL";

export type ErrorPayload = { code: ErrorCode, message: string, };

export type Phrase = { 
/**
 * The catalog key (`tuning.gttSize.observed`).
 */
key: string, args: Record<string, number | string | Phrase>, 
/**
 * The English, as the CLI prints it; the UI's fallback for a key its catalog lacks.
 */
text: string, };

export type Role = "system" | "user" | "assistant" | "tool";

export type ChatMessage = { role: Role, content: string, 
/**
 * An earlier answer's reasoning, kept apart from its text; the template decides whether
 * the model sees it again.
 */
reasoning?: string, 
/**
 * The functions an assistant turn called (the API's `tool_calls`).
 */
tool_calls?: Array<ToolCall>, 
/**
 * The call a `Tool` message answers.
 */
tool_call_id?: string, };

export type FlashAttention = "auto" | "on" | "off";

export type KvCacheType = "f16" | "q8_0" | "q4_0";

export type ModelSettings = { 
/**
 * Context length in tokens; `None` means the engine's default for this model
 * (its trained context, capped at [`ModelSettings::DEFAULT_CONTEXT_CAP`]).
 */
context_length: number | null, 
/**
 * Threads for generation and prompt processing; `None` means the engine's default.
 */
threads: number | null, 
/**
 * Layers offloaded to the GPU; `None` means all of them (llama.cpp's default).
 */
gpu_layers: number | null, flash_attention: FlashAttention, kv_cache_type: KvCacheType, mmap: boolean, mlock: boolean, batch_size: number, 
/**
 * The physical batch (llama.cpp's `--ubatch-size`); `None` means min(batch, 512). Bigger
 * ubatches speed up prompt processing of MoE models on GPUs, at the cost of compute memory.
 */
ubatch_size: number | null, 
/**
 * Keep the routed experts of the first N layers in CPU memory (llama.cpp's `--n-cpu-moe`),
 * so that a MoE model larger than the GPU runs with everything else on the GPU.
 */
n_cpu_moe: number | null, 
/**
 * The devices the GPU layers go to, by llama.cpp's names (`Vulkan0`, `CUDA1`; as
 * llama-server's `--device`); `["CPU"]` keeps every layer on the CPU. Empty: every GPU
 * llama.cpp found (its default).
 */
devices: Array<string>, 
/**
 * Speculative decoding for this model's answers (a request's own `draft` wins): drafts from
 * prompt lookup, checked in one batch. Pays where a wider batch is almost free (GPUs,
 * unified memory); greedy answers only.
 */
draft: DraftKind, 
/**
 * The draft model's GGUF for `DraftKind::Model` (loaded beside this one, on the same
 * devices; its vocabulary must be this model's).
 */
draft_model: string | null, 
/**
 * Other machines' devices through llama.cpp's RPC backend: the `HOST:PORT` of each
 * `hearth rpc-server`. Their devices (`RPC0`, …) take layers with this machine's GPU (or
 * those named in `devices`), as llama.cpp splits a model over GPUs.
 */
rpc: Array<string>, 
/**
 * Answers generated side by side (llama.cpp's sequences over one unified KV cache, as
 * llama-server's `--parallel`): the API's clients share the context, their decode steps
 * batched together. `None` or 1: one answer at a time.
 */
parallel: number | null, };

export type SamplingSettings = { 
/**
 * 0 means greedy.
 */
temperature: number | null, top_k: number | null, top_p: number | null, min_p: number | null, repeat_penalty: number | null, seed: number | null, max_tokens: number | null, 
/**
 * How hard a reasoning model thinks, for templates that read `reasoning_effort` (gpt-oss's
 * `Reasoning: low|medium|high`); `None` is the template's own default.
 */
reasoning_effort: ReasoningEffort | null, 
/**
 * Extra variables for the model's Jinja template (the API's `chat_template_kwargs`).
 */
template_kwargs: Record<string, unknown> | null, 
/**
 * Functions the model may call, as OpenAI's `tools` define them (`{"type": "function",
 * "function": {"name", "description", "parameters"}}`): rendered by the template, and the
 * answer's calls parsed from the model's own format.
 */
tools?: unknown[] | null, 
/**
 * What the answer must be, enforced token by token with a grammar.
 */
constraint?: OutputConstraint | null, 
/**
 * Speculative decoding (issue 18): where draft tokens come from. `None` or `none`: plain
 * decoding.
 */
draft?: DraftKind, };

export type OutputConstraint = { "kind": "json", schema: unknown, } | { "kind": "tool_call", names: Array<string>, };

export type ReasoningEffort = "low" | "medium" | "high";

export type DraftKind = "none" | "ngram" | "model";

export type DraftStats = { kind: DraftKind, 
/**
 * Draft tokens checked by the model.
 */
proposed: number, 
/**
 * Of them, the ones the model agreed with (each one a decode step saved).
 */
accepted: number, 
/**
 * Drafting paused or stopped itself at least once: its drafts kept missing, or cost more
 * than they saved.
 */
switched_off: boolean, 
/**
 * Times paused drafting resumed because the answer began repeating its context again.
 */
resumed: number, };

export type TextPart = "answer" | "reasoning";

export type ToolCall = { name: string, 
/**
 * The arguments as the model wrote them (JSON for gpt-oss's `<|constrain|>json`).
 */
arguments: string, 
/**
 * The API's `call_…` id, where a client gave or got one.
 */
id?: string, };

export type TemplateChoice = { "kind": "model" } | { "kind": "builtin", "name": string } | { "kind": "raw" };

export type ModelInfo = { path: string, name: string, architecture: string, 
/**
 * The file type, e.g. `Q4_K_M`.
 */
quant: string, size_bytes: number, parameters: number, layers: number, trained_context: number, 
/**
 * The context this load actually has.
 */
context_length: number, threads: number, 
/**
 * Where the template came from: `llama.cpp`, `jinja`, `builtin:<name>`, or `none`.
 */
chat_template: string, load_ms: number, 
/**
 * The model's own sampling defaults, as far as the GGUF says.
 */
sampling_defaults: SamplingSettings, 
/**
 * What llama.cpp really allocated for this load, from its own report.
 */
allocated: AllocatedMemory, 
/**
 * Where the layers run: `CPU`, or the GPU devices used (e.g. `Vulkan0`).
 */
backend: string, 
/**
 * The model's template reads `reasoning_effort` (gpt-oss's does): offer the setting.
 */
reasoning_effort: boolean, 
/**
 * The model's own template renders tools (gpt-oss, Hermes/Qwen, Llama 3.x): it was trained
 * to call them, so the conversation's documents are offered as a search tool too.
 */
tool_calls: boolean, 
/**
 * A tight fit found by the pre-load memory check (it loaded; little is left).
 */
memory_notice: string | null, 
/**
 * Why the layers went where they did when no device was chosen (which GPU and why, or why
 * none), e.g. "Vulkan0 (Radeon 8060S Graphics): the only GPU"; a phrase so a window in
 * another language says it in that language.
 */
device_reason: Phrase | null, 
/**
 * Answers generated side by side (`ModelSettings::parallel`); each has
 * `context_length / parallel` tokens of context.
 */
parallel: number, 
/**
 * The draft model loaded beside this one for speculative decoding (its file name).
 */
draft_model: string | null, };

export type AllocatedMemory = { weights_bytes: number, kv_bytes: number, 
/**
 * Compute buffers plus the logits output buffer.
 */
compute_bytes: number, 
/**
 * The weights by the buffer llama.cpp put them in (`Vulkan0`, `CUDA0`, `CPU_Mapped`,
 * `CPU_REPACK` …): where the layers and the experts really went.
 */
weights_by_buffer: Record<string, number>, };

export type ComputeDevice = { 
/**
 * e.g. `CPU`, `Vulkan0`, `CUDA0`.
 */
name: string, description: string, 
/**
 * e.g. `CPU`, `Vulkan`, `CUDA`.
 */
backend: string, memory_total_bytes: number, memory_free_bytes: number, 
/**
 * ggml's device type: `gpu` (discrete), `igpu` (integrated: shares the host's memory),
 * `cpu`, `accel`.
 */
kind: string, };

export type BackendLibrary = { 
/**
 * The backend it provides, as ggml names its files: `cpu`, `vulkan`, `cuda`, `hip`.
 */
backend: string, 
/**
 * A CPU variant's name (`haswell`, `zen4` ...), when the file is one of several.
 */
variant: string | null, path: string, loaded: boolean, 
/**
 * Why it did not load: no driver, a missing symbol, a CPU it cannot run on, a variant
 * another one was preferred to.
 */
reason: string | null, };

export type BenchReport = { model: string, model_path: string, quant: string, size_bytes: number, parameters: number, 
/**
 * Where the layers ran: `cpu`, or the GPU backend's devices (e.g. `CUDA0`).
 */
backend: string, threads: number, n_prompt: number, n_gen: number, depth: number, reps: number, load_ms: number, ttft_prompt: number, ttft_ms: number | null, pp_tps: number | null, pp_tps_stdev: number | null, tg_tps: number | null, tg_tps_stdev: number | null, peak_rss_bytes: number | null, 
/**
 * Average power while generating (CPU package + GPUs), where measurable.
 */
power_w: number | null, joules_per_token: number | null, 
/**
 * Speculative decoding measured beside plain decoding (`hearth bench --draft`).
 */
speculative?: SpeculativeBench, };

export type SpeculativeBench = { kind: DraftKind, 
/**
 * The draft model's file, for `model` drafts.
 */
draft_model?: string, 
/**
 * Generation speed of the answer, tokens/s (mean over the repetitions).
 */
plain_tg_tps: number, draft_tg_tps: number, 
/**
 * Draft tokens checked and kept, over all repetitions.
 */
proposed: number, accepted: number, 
/**
 * Both ways wrote the same text in every repetition.
 */
same_text: boolean, };

export type GenerationStats = { 
/**
 * Tokens in the whole prompt.
 */
prompt_tokens: number, 
/**
 * Prompt tokens actually evaluated (the rest were reused from the KV cache).
 */
prompt_evaluated: number, 
/**
 * Prompt tokens taken from a kept state rather than decoded (`prompt_tokens -
 * prompt_evaluated`: the last prompt token is always decoded again for its logits).
 */
cached_tokens: number, 
/**
 * Where those tokens' KV entries came from.
 */
reused_from: ReusedFrom, gen_tokens: number, ttft_ms: number, 
/**
 * Prompt tokens evaluated per second.
 */
pp_tps: number, 
/**
 * Generated tokens per second, after the first.
 */
tg_tps: number, total_ms: number, 
/**
 * Old messages dropped so that the conversation fits the context.
 */
dropped_messages: number, stop_reason: StopReason, 
/**
 * Why the model's own chat template was not used for this answer (it failed; llama.cpp's
 * built-in one rendered instead).
 */
template_notice?: string, 
/**
 * Why text that looked like a tool call was kept as text (malformed JSON, an unknown
 * function).
 */
tool_call_notice?: string, 
/**
 * Speculative decoding's drafts, when it was on.
 */
draft?: DraftStats, };

export type ReusedFrom = "nothing" | "live" | "memory" | "disk";

export type StopReason = "end_of_turn" | "max_tokens" | "context_full" | "cancelled";

export type QuantizeEvent = { "kind": "started", output: string, warning: string | null, } | { "kind": "progress", fraction: number, };

export type QuantizeDone = { output: string, size_bytes: number, seconds: number, source_type: string, warning: string | null, };

export type MessageStatus = "complete" | "streaming" | "stopped" | "interrupted" | "failed";

export type Message = { id: number, conversation_id: number, role: Role, content: string, status: MessageStatus, stats: GenerationStats | null, error: ErrorPayload | null, 
/**
 * The model that wrote an assistant message.
 */
model: string | null, created_at: number, 
/**
 * For an answer from documents: the pages it cites, with the passages behind them.
 */
citations: Array<Citation>, 
/**
 * An answer's reasoning, apart from its text (empty for other messages and for answers
 * stored before the engine split them, whose `content` still carries the markup).
 */
reasoning: string, 
/**
 * The functions an answer called (each answered by a `tool` message after it).
 */
tool_calls: Array<ToolCall>, 
/**
 * For a `tool` message: the call it answers (its `content` is the result).
 */
tool_result: ToolResult | null, };

export type Conversation = { id: number, title: string, system_prompt: string, sampling: SamplingSettings, template: TemplateChoice, 
/**
 * The MCP servers whose tools the model may call here.
 */
tools: ConversationTools, created_at: number, updated_at: number, };

export type BenchRecord = { id: number, machine: string, 
/**
 * Milliseconds since the epoch.
 */
created_at: number, report: BenchReport, };

export type DocumentRecord = { id: number, sha256: string, name: string, path: string, 
/**
 * `pdf`, `text` or `markdown`.
 */
kind: string, pages: number, 
/**
 * Tokens of the whole text (the tokenizer of the model it was indexed for, else an estimate).
 */
tokens: number, 
/**
 * 1-based pages whose text could not be read (the rest of the document still is).
 */
unreadable_pages: Array<number>, created_at: number, };

export type Passage = { chunk_id: number, document_id: number, 
/**
 * The document's file name.
 */
document: string, 
/**
 * 1-based.
 */
page: number, text: string, tokens: number, 
/**
 * BM25 relevance (higher is better); 0 where the passage was not ranked.
 */
score: number, };

export type Citation = { 
/**
 * The label as it reads in the answer (`p. 12`), or as Hearth gives it when inferred.
 */
label: string, document_id: number, document: string, page: number, 
/**
 * The passage of that page that was in the prompt.
 */
text: string, 
/**
 * True when the model cited nothing usable and Hearth chose the passage the answer uses most.
 */
inferred: boolean, };

export type MessageHit = { conversation_id: number, conversation_title: string, message_id: number, role: Role, 
/**
 * A few words around the match; matched words between `MATCH_START` (U+0002) and
 * `MATCH_END` (U+0003).
 */
snippet: string, };

export type ConversationTools = { servers: Array<string>, 
/**
 * `SERVER/TOOL` of tools switched off.
 */
off: Array<string>, 
/**
 * The model must call a tool before it answers (the API's `tool_choice: required`), once a turn.
 */
required: boolean, 
/**
 * The conversation's documents offered as a search tool: `None` when the model's own
 * template renders tools (it calls them well), else as the user chose.
 */
documents: boolean | null, };

export type ToolOutcome = "ran" | "failed" | "denied";

export type ToolResult = { call_id: string, name: string, arguments: string, 
/**
 * The MCP server that has the tool (empty when none has).
 */
server: string, outcome: ToolOutcome, };

export type TurnEvent = { "kind": "started", 
/**
 * The user's message as stored (absent for regenerate).
 */
user_message: Message | null, assistant_message: Message, 
/**
 * Pass to `stop_generation`.
 */
generation_id: number, } | { "kind": "context_trimmed", dropped_messages: number, } | { "kind": "documents_used", passages: number, whole: boolean, pages: Array<number>, } | { "kind": "summary_progress", section: number, sections: number, } | { "kind": "prompt_done", prompt_tokens: number, } | { "kind": "token", text: string, part: TextPart, } | { "kind": "finished", message: Message, } | { "kind": "tool_approval", approval_id: number, call: ToolCall, server: string, } | { "kind": "tool_result", message: Message, } | { "kind": "tool_notice", text: string, };

export type MemorySnapshot = { total_bytes: number | null, available_bytes: number | null, used_bytes: number | null, source: string, };

export type CpuSnapshot = { name: string | null, cores: number | null, usage_percent: number | null, temperature_c: number | null, 
/**
 * Package power from RAPL energy counters, where readable.
 */
power_w: number | null, source: string, };

export type MemoryKind = "dedicated" | "unified" | "dedicated+shared";

export type GpuSnapshot = { name: string, vendor: string, memory_kind: MemoryKind, dedicated_total_bytes: number | null, shared_total_bytes: number | null, 
/**
 * What llama.cpp can put on this GPU: VRAM plus GTT on amdgpu, the system pool on unified NVIDIA.
 */
addressable_total_bytes: number | null, used_bytes: number | null, utilization_percent: number | null, temperature_c: number | null, power_w: number | null, clock_mhz: number | null, 
/**
 * The power cap in force and the GPU's default, where the driver says both (discrete amdgpu
 * hwmon, NVML; amdgpu shows none for Strix Halo, whose limits are the platform profile's).
 */
power_cap: PowerCap | null, 
/**
 * Where the numbers come from, and anything the user should know about them.
 */
source: string, note: string | null, };

export type PowerCap = { limit_w: number, default_w: number, 
/**
 * The sysfs file that sets it (amdgpu's hwmon `power1_cap`, microwatts); none for NVIDIA.
 */
path: string | null, };

export type SensorReading = { label: string, 
/**
 * `cpu`, `gpu`, `memory`, `storage` or `other`.
 */
kind: string, temperature_c: number, source: string, };

export type HardwareSnapshot = { memory: MemorySnapshot, cpu: CpuSnapshot, gpus: Array<GpuSnapshot>, sensors: Array<SensorReading>, };

export type MonitorSample = { snapshot: HardwareSnapshot, 
/**
 * Resident memory of the engine process (the model's weights that are paged in, its KV cache).
 */
engine_rss_bytes: number | null, };

export type PromptCacheUsage = { 
/**
 * Bytes the kept states take now.
 */
used_bytes: number, 
/**
 * Conversations (per model) with a kept state.
 */
states: number, 
/**
 * The most they may take; the least recently used go first beyond it.
 */
budget_bytes: number, 
/**
 * The budget is the default share of the disk, not one the user set.
 */
budget_is_default: boolean, dir: string, };

export type CatalogEntry = { id: string, name: string, };

export type AdvisorCatalog = { models: Array<CatalogEntry>, hardware: Array<HardwareSpec>, quants: Array<string>, 
/**
 * This machine, as the advisor sees it.
 */
this_machine: HardwareSpec, };

export type ModelChoice = { "kind": "catalog", id: string, } | { "kind": "file", path: string, };

export type HardwareChoice = { "kind": "detect" } | { "kind": "catalog", id: string, } | { "kind": "custom", spec: HardwareSpec, };

export type AdviseInput = { model: ModelChoice, hardware: HardwareChoice, backend: string | null, ctx: number, depth: number, kv_type: KvCacheType, use_case: Use, quant: string | null, };

export type HardwareSpec = { id: string, name: string, kind: HardwareKind, ram_gib: number, gpu_memory_gib: number, bandwidth_gbs: number, host_bandwidth_gbs: number, matmul_tflops: number, backend: string, 
/**
 * Every backend llama.cpp runs well on this machine, where there is a choice (Strix Halo:
 * Vulkan and ROCm); the advisor then picks one per use.
 */
backends: Array<string>, power_w: number | null, price_usd: number | null, source: string, note: string | null, 
/**
 * `name` and `note` for the UI to say in the user's language, where the advisor wrote them
 * (this machine); catalog machines have their names and notes as they are.
 */
name_phrase?: Phrase, note_phrases?: Array<Phrase>, 
/**
 * Measured / predicted generation speed on this machine (its own benchmark runs), applied
 * to every prediction for it; absent for catalog machines.
 */
tg_calibration: number | null, 
/**
 * The same for prompt processing.
 */
pp_calibration: number | null, };

export type HardwareKind = "discrete" | "unified" | "cpu";

export type Fit = "gpu" | "unified" | "partial" | "cpu" | "no";

export type Use = "chat" | "long_documents" | "coding";

export type MemoryEstimate = { weights_bytes: number, kv_bytes: number, compute_bytes: number, overhead_bytes: number, total_bytes: number, };

export type Predicted = { 
/**
 * Prompt processing at the requested depth, tokens/s.
 */
pp_tps: number, 
/**
 * Prompt processing with an empty context, tokens/s.
 */
pp_tps_start: number, 
/**
 * Seconds to read the requested depth's worth of prompt into an empty context (a document
 * of that many tokens), attention's growth included.
 */
prefill_seconds: number, 
/**
 * Generation at the requested depth, tokens/s.
 */
tg_tps: number, 
/**
 * Generation with an empty context, tokens/s.
 */
tg_tps_start: number, 
/**
 * The bands around `tg_tps` and `pp_tps` that published runs of one model on one machine
 * span (builds, drivers, stacks): "about 42 tok/s (40-44)".
 */
tg_low: number, tg_high: number, pp_low: number, pp_high: number, };

export type QuantRow = { 
/**
 * The quant's id, or the file's own (e.g. `Q4_1 (this file)`).
 */
quant: string, this_file: boolean, memory: MemoryEstimate, fits: Fit, gpu_layers: number, n_cpu_moe: number, predicted: Predicted, 
/**
 * Mean KL divergence vs F16 (Llama-3-8B), where measured.
 */
kld: number | null, kld_imatrix: boolean, 
/**
 * Perplexity increase vs F16 (Llama-3-8B), where listed.
 */
dppl: number | null, };

export type Recommendation = { quant: string, 
/**
 * Layers on the GPU; 999 means all (llama.cpp's convention).
 */
gpu_layers: number, n_cpu_moe: number, ctx: number, flash_attention: boolean, kv_type: KvCacheType, mmap: boolean, mlock: boolean, reason: string, 
/**
 * `reason` for the UI to say in the user's language.
 */
reason_phrase: Phrase, 
/**
 * The llama.cpp backend to run it with.
 */
backend: string, 
/**
 * The same settings as a llama-server command line.
 */
launch: string, };

export type ModelFacts = { id: string, name: string, params_total: number, params_active: number, layers: number, experts: number, experts_used: number, native_ctx: number, };

export type Advice = { model: ModelFacts, hardware: HardwareSpec, backend: string, ctx: number, depth: number, 
/**
 * What the GPU can hold and what RAM can, bytes.
 */
gpu_pool_bytes: number, ram_pool_bytes: number, rows: Array<QuantRow>, 
/**
 * The row asked about with `quant`, or the recommended one.
 */
selected: QuantRow | null, recommendation: Recommendation | null, 
/**
 * Why there is no recommendation, when there is none.
 */
no_recommendation: string | null, no_recommendation_phrase: Phrase | null, 
/**
 * Things the user should know about the request itself (e.g. a context beyond the model's).
 */
notes: Array<string>, note_phrases: Array<Phrase>, sources: Array<string>, 
/**
 * Where the machine has more than one usable backend: each, with its recommended quant's
 * speeds, side by side; `backend` is the one chosen for the use, for `backend_choice`.
 */
backend_options: Array<BackendOption>, backend_choice: Phrase | null, };

export type MachineRow = { hardware: HardwareSpec, backend: string, fits: Fit, gpu_layers: number, n_cpu_moe: number, total_bytes: number, pp_tps: number, tg_tps: number, 
/**
 * Generated tokens per joule at the machine's power under load, where known.
 */
tokens_per_joule: number | null, };

export type TuningReport = { kernel_release: string | null, 
/**
 * The model and context the memory checks were made against, where one was given.
 */
model: string | null, model_phrase: Phrase | null, model_need_bytes: number | null, 
/**
 * Problems first, then advice, then what is fine.
 */
findings: Array<TuningFinding>, };

export type TuningFinding = { id: string, title: string, severity: Severity, 
/**
 * The value read, in words (with where it was read).
 */
observed: string, recommended: string, 
/**
 * The exact change (kernel parameter, BIOS setting, command); none when nothing to change.
 */
fix: string | null, why: string, source: string, 
/**
 * `observed`, `recommended` and `fix` for the UI to say in the user's language (the title
 * and why are the catalog's, keyed by `id`).
 */
phrases: FindingPhrases, };

export type FindingPhrases = { observed: Phrase, recommended: Phrase, fix: Phrase | null, };

export type BackendOption = { backend: string, quant: string, tg_tps: number, 
/**
 * Prompt processing at `depth`.
 */
pp_tps: number, 
/**
 * The depth compared at: the request's, or half the context for long documents.
 */
depth: number, 
/**
 * Reading `depth` tokens from empty, seconds.
 */
prefill_seconds: number, 
/**
 * Known problems of this backend with the model's family; such a backend is chosen only
 * when every backend has one.
 */
problems: Array<BackendProblem>, };

export type BackendProblem = { backend: string, 
/**
 * The GGUF architecture (`general.architecture`) it concerns.
 */
architecture: string, 
/**
 * The machine it was seen on, where it is specific to one.
 */
hardware: string | null, what: string, source: string, };

export type Severity = "problem" | "advice" | "ok";

export type BenchInput = { path: string, n_prompt: number, n_gen: number, depth: number, ttft_prompt: number, reps: number, threads: number | null, gpu_layers: number | null, 
/**
 * The devices the GPU layers go to (llama.cpp's names; `CPU`: none); empty: every GPU.
 */
devices: Array<string>, };

export type BenchResults = { 
/**
 * This machine's label, as the results are keyed.
 */
machine: string, records: Array<BenchRecord>, };

export type LibraryEntry = { name: string, path: string, files: Array<string>, size_bytes: number, architecture: string | null, quant: string | null, parameters: number | null, context_length: number | null, sha256: string | null, problem: string | null, 
/**
 * In Hearth's own models directory (removable here), or in a folder the user added.
 */
in_hearth_dir: boolean, 
/**
 * The advisor's verdict for this machine at 8K context, and its predicted generation speed.
 */
fits: Fit | null, predicted_tg_tps: number | null, };

export type RepoFile = { path: string, size_bytes: number, sha256: string | null, 
/**
 * The advisor's verdict for this machine at 8K context, from the file's header (read from
 * the Hub by HTTP Range before any download); for a split model, on its first shard.
 */
fits: Fit | null, predicted_tg_tps: number | null, 
/**
 * Why there is no verdict (a header that could not be read).
 */
verdict_problem: string | null, };

export type PullEvent = { file: string, done_bytes: number, total_bytes: number, bytes_per_s: number, };

export type HubSort = "downloads" | "likes" | "updated";

export type HubModel = { id: string, downloads: number, likes: number, 
/**
 * When the repo last changed (the Hub's ISO 8601 time), where it says.
 */
updated: string | null, };

export type HubSearchPage = { models: Array<HubModel>, 
/**
 * The URL of the next page, to pass back as `page`.
 */
next: string | null, };

export type RequestState = "queued" | "running" | "done" | "failed" | "cancelled";

export type ApiRequestRecord = { id: number, 
/**
 * e.g. `POST /v1/chat/completions`.
 */
route: string, model: string, stream: boolean, state: RequestState, 
/**
 * The HTTP status answered, once known.
 */
http_status: number | null, prompt_tokens: number | null, completion_tokens: number | null, 
/**
 * Unix milliseconds.
 */
started_at_ms: number, duration_ms: number | null, error: string | null, 
/**
 * How an answer that did not fail ended, where that is not the usual (cut short for the
 * app's chat).
 */
note: string | null, };

export type ApiServerSettings = { 
/**
 * Started at launch when it was on at exit.
 */
enabled: boolean, port: number, 
/**
 * Clients must send `Authorization: Bearer KEY`; empty or absent: no key.
 */
api_key: string | null, 
/**
 * Listen on every interface (other machines can reach the model), not only 127.0.0.1.
 */
allow_remote: boolean, };

export type ApiServerStatus = { settings: ApiServerSettings, 
/**
 * `http://ADDR/v1` while it runs.
 */
base_url: string | null, 
/**
 * Why it last failed to start, if it did.
 */
error: string | null, 
/**
 * The latest requests, newest last.
 */
recent: Array<ApiRequestRecord>, 
/**
 * Said when the key is not safely kept: only until Hearth quits (no OS keyring), or lost.
 */
key_note: string | null, };

export type RemoteServer = { name: string, base_url: string, has_key: boolean, 
/**
 * Said when the key is not safely kept: only until Hearth quits (no OS keyring), or lost.
 */
key_note: string | null, };

export type RemoteModelView = { id: string, context_length: number | null, };

export type RemoteServerModels = { server: RemoteServer, models: Array<RemoteModelView>, };

export type NewMcpServer = { name: string, command: string | null, url: string | null, headers: Array<string>, 
/**
 * Sent as `Authorization: Bearer TOKEN`; kept in the OS keyring.
 */
token: string | null, };

export type McpToolView = { name: string, description: string, };

export type McpServerView = { name: string, command: string | null, url: string | null, headers: Array<string>, has_token: boolean, 
/**
 * Said when the token is not safely kept (no OS keyring) or was lost.
 */
token_note: string | null, 
/**
 * Tools run without asking.
 */
always: Array<string>, running: boolean, 
/**
 * Its tools, once it has been started.
 */
tools: Array<McpToolView>, 
/**
 * Why it is not running, when it failed.
 */
error: string | null, };

export type ToolApproval = "once" | "always" | "deny";

export type DemoModel = { path: string, size_bytes: number, };

export type RecommendedDownload = { model: string, 
/**
 * The Hugging Face repo to list files from (Models page).
 */
repo: string, quant: string, size_bytes: number, fits: Fit, predicted_tg_tps: number, source: string, 
/**
 * Where the advisor puts it when it does not fit the GPU whole ("30 of 36 layers on the
 * GPU", "the experts of 12 layers kept in system memory"); the same settings are applied at
 * its first load.
 */
placement: string | null, };

export type FirstRunOffer = { demo: DemoModel | null, recommendations: Array<RecommendedDownload>, 
/**
 * The machine the recommendations are for.
 */
machine: string, 
/**
 * The same, as a phrase the window says in its language.
 */
machine_phrase: Phrase | null, 
/**
 * Where a model will run, in the engine's words ("Vulkan0 (Radeon 8060S Graphics, 96.0 GiB):
 * an integrated GPU …", "the CPU: no GPU was found …"); None when the engine could not say.
 */
device: string | null, 
/**
 * The same, as a phrase the window says in its language.
 */
device_phrase: Phrase | null, };

export type IndexProgress = { 
/**
 * The file's name.
 */
document: string, 
/**
 * `reading` (pages extracted so far), `indexing`, `embedding` (passages embedded so far), `done`.
 */
stage: string, page: number, pages: number, };

export type DocumentOutcome = { path: string, document: DocumentRecord | null, error: ErrorPayload | null, };

export type EngineStatus = { running: boolean, pid: number | null, 
/**
 * How the last engine died, if it did.
 */
last_death: string | null, system_info: string | null, 
/**
 * The devices the engine can compute on (CPU, GPUs of the backends it was built with).
 */
devices: Array<ComputeDevice>, 
/**
 * Where a model goes when no device is chosen, and why ("Vulkan0 (…): the only GPU").
 */
default_device: string | null, 
/**
 * The backend libraries the engine found (the package): loaded, or why not.
 */
backend_libraries: Array<BackendLibrary>, };

export type AppInfo = { home: string, models_dir: string, 
/**
 * `.gguf` files in the models directory.
 */
model_files: Array<string>, 
/**
 * The model to load at start: the last one used, else the first in the models directory.
 */
startup_model: string | null, };

export type ModelStatus = { model: ModelInfo | null, 
/**
 * The model being loaded or last asked for.
 */
wanted_path: string | null, engine: EngineStatus, };

export type LoadEvent = { "kind": "progress", fraction: number, };

export type EngineCheck = { status: ModelStatus, 
/**
 * Said when Hearth restarted a dead engine by itself and the model came back (a phrase: the
 * window says it in its language, the engine's last words as they were).
 */
notice: Phrase | null, 
/**
 * Why the automatic restart failed, when it did (a restart by hand is then up to the user).
 */
error: ErrorPayload | null, };

export interface Commands {
  app_info: { args: {}; result: AppInfo };
  list_conversations: { args: { query: string | null }; result: Array<Conversation> };
  search_messages: { args: { query: string }; result: Array<MessageHit> };
  create_conversation: { args: {}; result: Conversation };
  rename_conversation: { args: { id: number; title: string }; result: Conversation };
  export_conversation: { args: { id: number; path: string }; result: void };
  delete_conversation: { args: { id: number }; result: void };
  get_messages: { args: { conversationId: number }; result: Array<Message> };
  update_conversation: { args: { id: number; systemPrompt: string; sampling: SamplingSettings; template: TemplateChoice }; result: Conversation };
  send_message: { args: { conversationId: number; text: string; onEvent: Channel<TurnEvent> }; result: Message };
  regenerate: { args: { conversationId: number; onEvent: Channel<TurnEvent> }; result: Message };
  summarize_document: { args: { conversationId: number; documentId: number; onEvent: Channel<TurnEvent> }; result: Message };
  edit_and_resend: { args: { conversationId: number; messageId: number; text: string; onEvent: Channel<TurnEvent> }; result: Message };
  stop_generation: { args: {}; result: void };
  load_model: { args: { path: string; settings: ModelSettings | null; onProgress: Channel<LoadEvent> }; result: ModelInfo };
  model_status: { args: {}; result: ModelStatus };
  check_engine: { args: { onProgress: Channel<LoadEvent> }; result: EngineCheck };
  model_settings: { args: { path: string }; result: ModelSettings };
  restart_engine: { args: { onProgress: Channel<LoadEvent> }; result: ModelInfo | null };
  ui_preference: { args: { key: string }; result: string | null };
  set_ui_preference: { args: { key: string; value: string }; result: void };
  watch_hardware: { args: { onSample: Channel<MonitorSample> }; result: void };
  set_monitor_interval: { args: { ms: number }; result: void };
  prompt_cache_usage: { args: {}; result: PromptCacheUsage };
  set_prompt_cache_budget: { args: { bytes: number | null }; result: PromptCacheUsage };
  clear_prompt_cache: { args: {}; result: PromptCacheUsage };
  advisor_catalog: { args: {}; result: AdvisorCatalog };
  advise_model: { args: { input: AdviseInput }; result: Advice };
  compare_machines: { args: { model: ModelChoice; quant: string; ctx: number; depth: number; custom: HardwareSpec | null }; result: Array<MachineRow> };
  check_tuning: { args: { model: ModelChoice | null; ctx: number | null }; result: TuningReport };
  apply_advice: { args: { path: string; recommendation: Recommendation }; result: ModelSettings };
  dry_run_model: { args: { path: string; ctx: number; kvType: KvCacheType }; result: AllocatedMemory };
  quantize_model: { args: { path: string; quant: string; allowRequantize: boolean; onEvent: Channel<QuantizeEvent> }; result: QuantizeDone };
  cancel_quantize: { args: {}; result: void };
  run_benchmark: { args: { input: BenchInput; onStep: Channel<Phrase> }; result: BenchReport };
  cancel_benchmark: { args: {}; result: void };
  bench_results: { args: { allMachines: boolean }; result: BenchResults };
  library: { args: {}; result: Array<LibraryEntry> };
  remove_model: { args: { path: string }; result: void };
  reveal_model: { args: { path: string }; result: void };
  open_link: { args: { url: string }; result: void };
  list_model_folders: { args: {}; result: Array<string> };
  add_model_folder: { args: { path: string }; result: Array<string> };
  remove_model_folder: { args: { path: string }; result: Array<string> };
  repo_files: { args: { spec: string }; result: Array<RepoFile> };
  search_hub: { args: { query: string; sort: HubSort; page: string | null }; result: HubSearchPage };
  hf_token_status: { args: {}; result: string };
  set_hf_token: { args: { token: string }; result: void };
  clear_hf_token: { args: {}; result: void };
  pull_model: { args: { spec: string; file: string; onProgress: Channel<PullEvent> }; result: Array<string> };
  cancel_pull: { args: {}; result: void };
  add_documents: { args: { conversationId: number; paths: Array<string>; onProgress: Channel<IndexProgress> }; result: Array<DocumentOutcome> };
  cancel_documents: { args: {}; result: void };
  conversation_documents: { args: { conversationId: number }; result: Array<DocumentRecord> };
  remove_document: { args: { conversationId: number; documentId: number }; result: void };
  document_page: { args: { documentId: number; page: number }; result: string };
  start_api_server: { args: { settings: ApiServerSettings }; result: ApiServerStatus };
  stop_api_server: { args: {}; result: ApiServerStatus };
  api_server_status: { args: {}; result: ApiServerStatus };
  watch_api_requests: { args: { onRequest: Channel<ApiRequestRecord> }; result: void };
  list_mcp_servers: { args: {}; result: Array<McpServerView> };
  add_mcp_server: { args: { server: NewMcpServer }; result: McpServerView };
  remove_mcp_server: { args: { name: string }; result: void };
  start_mcp_server: { args: { name: string }; result: McpServerView };
  set_mcp_tool_always: { args: { server: string; tool: string; always: boolean }; result: void };
  set_conversation_tools: { args: { id: number; tools: ConversationTools }; result: Conversation };
  answer_tool_call: { args: { approvalId: number; answer: ToolApproval }; result: void };
  list_remote_servers: { args: {}; result: Array<RemoteServer> };
  add_remote_server: { args: { name: string; baseUrl: string; apiKey: string | null }; result: RemoteServerModels };
  remove_remote_server: { args: { name: string }; result: void };
  remote_models: { args: { name: string }; result: Array<RemoteModelView> };
  use_remote_model: { args: { name: string; model: string }; result: ModelInfo };
  first_run_offer: { args: {}; result: FirstRunOffer };
  use_demo_model: { args: {}; result: string };
}
