// Every call into the Rust side lives here. Components import these functions, never `invoke`.
import { invoke, Channel, type InvokeArgs } from "@tauri-apps/api/core";
import { open, save } from "@tauri-apps/plugin-dialog";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { documentDir, homeDir, join } from "@tauri-apps/api/path";
import { exportFileName } from "../format";
import type {
  Advice,
  FirstRunOffer,
  RemoteModelView,
  RemoteServer,
  RemoteServerModels,
  ApiRequestRecord,
  ApiServerSettings,
  ApiServerStatus,
  Commands,
  DocumentOutcome,
  EngineCheck,
  DocumentRecord,
  IndexProgress,
  LibraryEntry,
  PullEvent,
  RepoFile,
  HubSort,
  BenchInput,
  BenchReport,
  Phrase,
  BenchResults,
  AllocatedMemory,
  KvCacheType,
  AdviseInput,
  AdvisorCatalog,
  HardwareSpec,
  MachineRow,
  ModelChoice,
  QuantizeDone,
  QuantizeEvent,
  Recommendation,
  AppInfo,
  Conversation,
  ErrorPayload,
  LoadEvent,
  Message,
  ModelInfo,
  ModelSettings,
  ModelStatus,
  MonitorSample,
  SamplingSettings,
  TemplateChoice,
  TurnEvent,
  ConversationTools,
  NewMcpServer,
  ToolApproval,
} from "./bindings";

export type * from "./bindings";

type CommandName = keyof Commands;
type ArgsOf<K extends CommandName> = Commands[K]["args"];

/** Every command goes through here: its name, arguments and result are read from its Rust
 * signature (the `Commands` interface generated into bindings.ts), so a renamed argument or a
 * changed result fails the type check instead of the call. */
function call<K extends CommandName>(cmd: K, ...args: keyof ArgsOf<K> extends never ? [] : [ArgsOf<K>]): Promise<Commands[K]["result"]> {
  return invoke<Commands[K]["result"]>(cmd, args[0] as InvokeArgs | undefined);
}

/** Every failure from Rust arrives as `{code, message}`; anything else is wrapped into one. */
export function asError(e: unknown): ErrorPayload {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as ErrorPayload;
  return { code: "INTERNAL", message: String(e) };
}

export const appInfo = () => call("app_info");

export const listConversations = (query?: string) => call("list_conversations", { query: query ?? null });
export const searchMessages = (query: string) => call("search_messages", { query });
export const createConversation = () => call("create_conversation");
export const renameConversation = (id: number, title: string) => call("rename_conversation", { id, title });
export const deleteConversation = (id: number) => call("delete_conversation", { id });
/** The save dialog for a conversation's Markdown, named after its title, in the user's
 * Documents folder (a bare name opened wherever the app was started); `null` when cancelled. */
export async function pickExportPath(title: string): Promise<string | null> {
  let defaultPath = exportFileName(title);
  try {
    defaultPath = await join(await documentDir().catch(() => homeDir()), defaultPath);
  } catch {
    // No Documents or home folder known: the dialog's own choice.
  }
  return save({ defaultPath, filters: [{ name: "Markdown", extensions: ["md"] }] });
}
export const exportConversation = (id: number, path: string) => call("export_conversation", { id, path });
export const getMessages = (conversationId: number) => call("get_messages", { conversationId });
export const updateConversation = (id: number, systemPrompt: string, sampling: SamplingSettings, template: TemplateChoice) =>
  call("update_conversation", { id, systemPrompt, sampling, template });

function turnChannel(onEvent: (e: TurnEvent) => void): Channel<TurnEvent> {
  const channel = new Channel<TurnEvent>();
  channel.onmessage = onEvent;
  return channel;
}

export const sendMessage = (conversationId: number, text: string, onEvent: (e: TurnEvent) => void) =>
  call("send_message", { conversationId, text, onEvent: turnChannel(onEvent) });
export const regenerate = (conversationId: number, onEvent: (e: TurnEvent) => void) =>
  call("regenerate", { conversationId, onEvent: turnChannel(onEvent) });
export const editAndResend = (conversationId: number, messageId: number, text: string, onEvent: (e: TurnEvent) => void) =>
  call("edit_and_resend", { conversationId, messageId, text, onEvent: turnChannel(onEvent) });
export const summarizeDocument = (conversationId: number, documentId: number, onEvent: (e: TurnEvent) => void) =>
  call("summarize_document", { conversationId, documentId, onEvent: turnChannel(onEvent) });
export const stopGeneration = () => call("stop_generation");

function loadChannel(onProgress: (fraction: number) => void): Channel<LoadEvent> {
  const channel = new Channel<LoadEvent>();
  channel.onmessage = (e) => onProgress(e.fraction);
  return channel;
}

export const loadModel = (path: string, settings: ModelSettings | null, onProgress: (fraction: number) => void) =>
  call("load_model", { path, settings, onProgress: loadChannel(onProgress) });
export const modelStatus = () => call("model_status");
/** The status poll: Rust restarts a dead engine (and reloads its model) when its policy allows. */
export const checkEngine = (onProgress: (fraction: number) => void) => call("check_engine", { onProgress: loadChannel(onProgress) });
export const modelSettings = (path: string) => call("model_settings", { path });
export const restartEngine = (onProgress: (fraction: number) => void) =>
  call("restart_engine", { onProgress: loadChannel(onProgress) });

/** UI preferences, kept in Hearth's database with the other settings. */
export async function loadPreference<T>(key: string, fallback: T): Promise<T> {
  const raw = await call("ui_preference", { key });
  return raw ? (JSON.parse(raw) as T) : fallback;
}
export const savePreference = (key: string, value: unknown) => call("set_ui_preference", { key, value: JSON.stringify(value) });

/** Conversations' kept states on disk (Settings → Instant resume): usage, budget (bytes; null:
 *  the default share of the disk), clearing them. */
export const promptCacheUsage = () => call("prompt_cache_usage");
export const setPromptCacheBudget = (bytes: number | null) => call("set_prompt_cache_budget", { bytes });
export const clearPromptCache = () => call("clear_prompt_cache");

/** Streams a hardware sample about once a second (a newer call replaces the older stream). */
export const setMonitorInterval = (ms: number) => call("set_monitor_interval", { ms });
export function watchHardware(onSample: (s: MonitorSample) => void): Promise<void> {
  const channel = new Channel<MonitorSample>();
  channel.onmessage = onSample;
  return call("watch_hardware", { onSample: channel });
}

/** The native file dialog, filtered to GGUF models. */
export async function pickModelFile(): Promise<string | null> {
  const picked = await open({ multiple: false, directory: false, filters: [{ name: "GGUF model", extensions: ["gguf"] }] });
  return typeof picked === "string" ? picked : null;
}

const DOCUMENT_EXTENSIONS = ["pdf", "txt", "md", "markdown"];
const isDocument = (path: string) => DOCUMENT_EXTENSIONS.includes(path.split(".").pop()?.toLowerCase() ?? "");

/** Files dropped on the window: the first `.gguf` loads as the model, documents (PDF, text,
 * Markdown) go to `onDocuments`; `onHover` while files hover. */
export async function onFileDrop(
  onModel: (path: string) => void,
  onDocuments: (paths: string[]) => void,
  onHover: (hovering: boolean) => void,
): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === "enter" || p.type === "over") onHover(true);
    else if (p.type === "leave") onHover(false);
    else if (p.type === "drop") {
      onHover(false);
      const gguf = p.paths.find((x) => x.toLowerCase().endsWith(".gguf"));
      if (gguf) onModel(gguf);
      const docs = p.paths.filter(isDocument);
      if (docs.length > 0) onDocuments(docs);
    }
  });
}

// Documents on a conversation.
/** The native file dialog, for PDFs, text and Markdown files. */
export async function pickDocuments(): Promise<string[]> {
  const picked = await open({ multiple: true, directory: false, filters: [{ name: "Documents", extensions: DOCUMENT_EXTENSIONS }] });
  if (!picked) return [];
  return Array.isArray(picked) ? picked : [picked];
}
export function addDocuments(conversationId: number, paths: string[], onProgress: (p: IndexProgress) => void): Promise<DocumentOutcome[]> {
  const channel = new Channel<IndexProgress>();
  channel.onmessage = onProgress;
  return call("add_documents", { conversationId, paths, onProgress: channel });
}
export const cancelDocuments = () => call("cancel_documents");
export const conversationDocuments = (conversationId: number) => call("conversation_documents", { conversationId });
export const removeDocument = (conversationId: number, documentId: number) => call("remove_document", { conversationId, documentId });
export const documentPage = (documentId: number, page: number) => call("document_page", { documentId, page });

// The advisor.
export const advisorCatalog = () => call("advisor_catalog");
export const adviseModel = (input: AdviseInput) => call("advise_model", { input });
export const compareMachines = (model: ModelChoice, quant: string, ctx: number, depth: number, custom: HardwareSpec | null) =>
  call("compare_machines", { model, quant, ctx, depth, custom });
/** The host tuning checks, against `model` at `ctx` (the loaded model, where there is one). */
export const checkTuning = (model: ModelChoice | null, ctx: number | null) => call("check_tuning", { model, ctx });
export const applyAdvice = (path: string, recommendation: Recommendation) =>
  call("apply_advice", { path, recommendation });
export function quantizeModel(path: string, quant: string, allowRequantize: boolean, onEvent: (e: QuantizeEvent) => void): Promise<QuantizeDone> {
  const channel = new Channel<QuantizeEvent>();
  channel.onmessage = onEvent;
  return call("quantize_model", { path, quant, allowRequantize, onEvent: channel });
}
export const cancelQuantize = () => call("cancel_quantize");
// The model library and downloads.
export const library = () => call("library");
export const removeModel = (path: string) => call("remove_model", { path });
export const revealModel = (path: string) => call("reveal_model", { path });
export const openLink = (url: string) => call("open_link", { url });
export const modelFolders = () => call("list_model_folders");
export const addModelFolder = (path: string) => call("add_model_folder", { path });
export const removeModelFolder = (path: string) => call("remove_model_folder", { path });
/** The native folder dialog. */
export async function pickFolder(): Promise<string | null> {
  const picked = await open({ multiple: false, directory: true });
  return typeof picked === "string" ? picked : null;
}
export const repoFiles = (spec: string) => call("repo_files", { spec });
export const searchHub = (query: string, sort: HubSort, page: string | null = null) => call("search_hub", { query, sort, page });
export function pullModel(spec: string, file: string, onProgress: (e: PullEvent) => void): Promise<string[]> {
  const channel = new Channel<PullEvent>();
  channel.onmessage = onProgress;
  return call("pull_model", { spec, file, onProgress: channel });
}
export const cancelPull = () => call("cancel_pull");

// The benchmark.
export function runBenchmark(input: BenchInput, onStep: (step: Phrase) => void): Promise<BenchReport> {
  const channel = new Channel<Phrase>();
  channel.onmessage = onStep;
  return call("run_benchmark", { input, onStep: channel });
}
export const cancelBenchmark = () => call("cancel_benchmark");
export const benchResults = (allMachines: boolean) => call("bench_results", { allMachines });
export const dryRunModel = (path: string, ctx: number, kvType: KvCacheType) => call("dry_run_model", { path, ctx, kvType });

// Hearth's OpenAI-compatible API server (the Server page).
export const apiServerStatus = () => call("api_server_status");
export const startApiServer = (settings: ApiServerSettings) => call("start_api_server", { settings });
export const stopApiServer = () => call("stop_api_server");
/** Every change of every API request while the server runs (the page's live list). */
export function watchApiRequests(onRequest: (r: ApiRequestRecord) => void): Promise<void> {
  const channel = new Channel<ApiRequestRecord>();
  channel.onmessage = onRequest;
  return call("watch_api_requests", { onRequest: channel });
}

// Remote servers (OpenAI-compatible endpoints) whose models chat like local ones.
export const listRemoteServers = () => call("list_remote_servers");
export const addRemoteServer = (name: string, baseUrl: string, apiKey: string | null) =>
  call("add_remote_server", { name, baseUrl, apiKey });
export const removeRemoteServer = (name: string) => call("remove_remote_server", { name });
export const remoteModels = (name: string) => call("remote_models", { name });
export const useRemoteModel = (name: string, model: string) => call("use_remote_model", { name, model });

// The first run: the demo model and the advisor's recommended downloads.
export const firstRunOffer = () => call("first_run_offer");
export const useDemoModel = () => call("use_demo_model");

// The Hugging Face access token, kept in the OS keyring.
export const hfTokenStatus = () => call("hf_token_status");
export const setHfToken = (token: string) => call("set_hf_token", { token });
export const clearHfToken = () => call("clear_hf_token");

// MCP servers (Settings → Tools), the tools a conversation offers, and the user's answer to a
// call waiting for approval.
export const listMcpServers = () => call("list_mcp_servers");
export const addMcpServer = (server: NewMcpServer) => call("add_mcp_server", { server });
export const removeMcpServer = (name: string) => call("remove_mcp_server", { name });
export const startMcpServer = (name: string) => call("start_mcp_server", { name });
export const setMcpToolAlways = (server: string, tool: string, always: boolean) => call("set_mcp_tool_always", { server, tool, always });
export const setConversationTools = (id: number, tools: ConversationTools) => call("set_conversation_tools", { id, tools });
export const answerToolCall = (approvalId: number, answer: ToolApproval) => call("answer_tool_call", { approvalId, answer });
