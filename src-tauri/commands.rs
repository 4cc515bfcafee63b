//! Every command the UI can invoke: each one line into `hearth-core` (Tauri runs async commands
//! off the main thread; work that blocks goes to a blocking thread). Failures reach the UI as
//! `{code, message}` with the code the core gave them.

use hearth_advisor::{Advice, HardwareSpec, MachineRow, Recommendation, TuningReport};
use hearth_conversation::{TurnAction, TurnEvent};
use hearth_core::{
    AdviseInput, AdvisorCatalog, ApiServerSettings, ApiServerStatus, AppInfo, BenchInput, BenchResults, Core, CoreError, DocumentOutcome,
    EngineCheck, FirstRunOffer, HubSearchPage, HubSort, LibraryEntry, LoadEvent, McpServerView, ModelChoice, ModelStatus, MonitorSample,
    NewMcpServer, PromptCacheUsage, PullEvent, RemoteModelView, RemoteServer, RemoteServerModels, RepoFile, Result, ToolApproval,
};
use hearth_documents::IndexProgress;
use hearth_openai_api::ApiRequestRecord;
use hearth_protocol::jobs::{QuantizeDone, QuantizeEvent};
use hearth_protocol::{AllocatedMemory, BenchReport, ErrorCode, KvCacheType, ModelInfo, ModelSettings, Phrase, SamplingSettings, TemplateChoice};
use hearth_store::{Conversation, ConversationTools, DocumentRecord, Message, MessageHit};
use tauri::ipc::{Channel, IpcResponse};
use tauri::{AppHandle, Manager, Runtime, State};

use hearth_command_macro::signature;

/// A channel as a plain callback (a closed window is not the core's concern).
fn sink<T: IpcResponse + Send + 'static>(channel: Channel<T>) -> impl Fn(T) + Clone + Send + 'static {
    move |v| {
        let _ = channel.send(v);
    }
}

fn load_progress(channel: Channel<LoadEvent>) -> impl Fn(f32) {
    move |fraction| {
        let _ = channel.send(LoadEvent::Progress { fraction });
    }
}

/// Runs `work` on a blocking thread (it probes the hardware or reads GGUF headers).
async fn blocking<R: Runtime, T: Send + 'static>(app: AppHandle<R>, work: impl FnOnce(&Core) -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(move || work(&app.state::<Core>()))
        .await
        .map_err(|e| CoreError::new(ErrorCode::Internal, format!("the work stopped: {e}")))?
}

// Conversations and turns.

#[signature]
#[tauri::command]
pub async fn list_conversations(core: State<'_, Core>, query: Option<String>) -> Result<Vec<Conversation>> {
    core.list_conversations(query.as_deref())
}

/// The messages that match a search (any case, any script), best first.
#[signature]
#[tauri::command]
pub async fn search_messages(core: State<'_, Core>, query: String) -> Result<Vec<MessageHit>> {
    core.search_messages(&query)
}

#[signature]
#[tauri::command]
pub async fn create_conversation(core: State<'_, Core>) -> Result<Conversation> {
    core.create_conversation()
}

#[signature]
#[tauri::command]
pub async fn rename_conversation(core: State<'_, Core>, id: i64, title: String) -> Result<Conversation> {
    core.rename_conversation(id, &title)
}

/// The conversation as a Markdown file at `path` (chosen in the save dialog).
#[signature]
#[tauri::command]
pub async fn export_conversation<R: Runtime>(app: AppHandle<R>, id: i64, path: String) -> Result<()> {
    blocking(app, move |core| core.export_conversation(id, std::path::Path::new(&path))).await
}

#[signature]
#[tauri::command]
pub async fn delete_conversation(core: State<'_, Core>, id: i64) -> Result<()> {
    core.delete_conversation(id).await
}

#[signature]
#[tauri::command]
pub async fn get_messages(core: State<'_, Core>, conversation_id: i64) -> Result<Vec<Message>> {
    core.messages(conversation_id)
}

#[signature]
#[tauri::command]
pub async fn update_conversation(
    core: State<'_, Core>,
    id: i64,
    system_prompt: String,
    sampling: SamplingSettings,
    template: TemplateChoice,
) -> Result<Conversation> {
    core.update_conversation(id, &system_prompt, &sampling, &template)
}

#[signature]
#[tauri::command]
pub async fn send_message(core: State<'_, Core>, conversation_id: i64, text: String, on_event: Channel<TurnEvent>) -> Result<Message> {
    core.turn(conversation_id, TurnAction::Send { text }, sink(on_event)).await
}

/// "Summarize this document": map-reduce over its sections when it is longer than the context.
#[signature]
#[tauri::command]
pub async fn summarize_document(core: State<'_, Core>, conversation_id: i64, document_id: i64, on_event: Channel<TurnEvent>) -> Result<Message> {
    core.turn(conversation_id, TurnAction::Summarize { document_id }, sink(on_event)).await
}

#[signature]
#[tauri::command]
pub async fn regenerate(core: State<'_, Core>, conversation_id: i64, on_event: Channel<TurnEvent>) -> Result<Message> {
    core.turn(conversation_id, TurnAction::Regenerate, sink(on_event)).await
}

#[signature]
#[tauri::command]
pub async fn edit_and_resend(
    core: State<'_, Core>,
    conversation_id: i64,
    message_id: i64,
    text: String,
    on_event: Channel<TurnEvent>,
) -> Result<Message> {
    core.turn(conversation_id, TurnAction::EditAndResend { message_id, text }, sink(on_event)).await
}

#[signature]
#[tauri::command]
pub async fn stop_generation(core: State<'_, Core>) -> Result<()> {
    core.stop_generation().await
}

#[signature]
#[tauri::command]
pub async fn ui_preference(core: State<'_, Core>, key: String) -> Result<Option<String>> {
    core.ui_preference(&key)
}

#[signature]
#[tauri::command]
pub async fn set_ui_preference(core: State<'_, Core>, key: String, value: String) -> Result<()> {
    core.set_ui_preference(&key, &value)
}

// The model and the engine.

#[signature]
#[tauri::command]
pub async fn app_info(core: State<'_, Core>) -> Result<AppInfo> {
    core.app_info()
}

#[signature]
#[tauri::command]
pub async fn load_model(core: State<'_, Core>, path: String, settings: Option<ModelSettings>, on_progress: Channel<LoadEvent>) -> Result<ModelInfo> {
    core.load_model(&path, settings, load_progress(on_progress)).await
}

#[signature]
#[tauri::command]
pub async fn model_status(core: State<'_, Core>) -> Result<ModelStatus> {
    Ok(core.model_status())
}

/// The status poll: restarts a dead engine when the restart policy allows.
#[signature]
#[tauri::command]
pub async fn check_engine(core: State<'_, Core>, on_progress: Channel<LoadEvent>) -> Result<EngineCheck> {
    Ok(core.check_engine(load_progress(on_progress)).await)
}

#[signature]
#[tauri::command]
pub async fn model_settings(core: State<'_, Core>, path: String) -> Result<ModelSettings> {
    core.model_settings(&path)
}

#[signature]
#[tauri::command]
pub async fn restart_engine(core: State<'_, Core>, on_progress: Channel<LoadEvent>) -> Result<Option<ModelInfo>> {
    core.restart_engine(load_progress(on_progress)).await
}

#[signature]
#[tauri::command]
pub async fn watch_hardware(core: State<'_, Core>, on_sample: Channel<MonitorSample>) -> Result<()> {
    core.watch_hardware(move |sample| on_sample.send(sample).is_ok())
}

#[signature]
#[tauri::command]
pub async fn set_monitor_interval(core: State<'_, Core>, ms: u64) -> Result<()> {
    core.set_monitor_interval(ms);
    Ok(())
}

// Conversations' kept states (issue 21).

#[signature]
#[tauri::command]
pub async fn prompt_cache_usage(core: State<'_, Core>) -> Result<PromptCacheUsage> {
    core.prompt_cache_usage()
}

#[signature]
#[tauri::command]
pub async fn set_prompt_cache_budget(core: State<'_, Core>, bytes: Option<u64>) -> Result<PromptCacheUsage> {
    core.set_prompt_cache_budget(bytes).await
}

#[signature]
#[tauri::command]
pub async fn clear_prompt_cache(core: State<'_, Core>) -> Result<PromptCacheUsage> {
    core.clear_prompt_cache()
}

// The advisor.

#[signature]
#[tauri::command]
pub async fn advisor_catalog<R: Runtime>(app: AppHandle<R>) -> Result<AdvisorCatalog> {
    blocking(app, |core| Ok(core.advisor_catalog())).await
}

#[signature]
#[tauri::command]
pub async fn advise_model<R: Runtime>(app: AppHandle<R>, input: AdviseInput) -> Result<Advice> {
    blocking(app, move |core| core.advise_model(&input)).await
}

#[signature]
#[tauri::command]
pub async fn compare_machines<R: Runtime>(
    app: AppHandle<R>,
    model: ModelChoice,
    quant: String,
    ctx: u32,
    depth: u32,
    custom: Option<HardwareSpec>,
) -> Result<Vec<MachineRow>> {
    blocking(app, move |core| core.compare_machines(&model, &quant, ctx, depth, custom)).await
}

#[signature]
#[tauri::command]
pub async fn check_tuning<R: Runtime>(app: AppHandle<R>, model: Option<ModelChoice>, ctx: Option<u32>) -> Result<TuningReport> {
    blocking(app, move |core| core.check_tuning(model, ctx)).await
}

#[signature]
#[tauri::command]
pub async fn dry_run_model(core: State<'_, Core>, path: String, ctx: u32, kv_type: KvCacheType) -> Result<AllocatedMemory> {
    core.dry_run_model(&path, ctx, kv_type).await
}

#[signature]
#[tauri::command]
pub async fn apply_advice(core: State<'_, Core>, path: String, recommendation: Recommendation) -> Result<ModelSettings> {
    core.apply_advice(&path, &recommendation)
}

// Jobs: quantize and benchmark.

#[signature]
#[tauri::command]
pub async fn quantize_model(
    core: State<'_, Core>,
    path: String,
    quant: String,
    allow_requantize: bool,
    on_event: Channel<QuantizeEvent>,
) -> Result<QuantizeDone> {
    core.quantize_model(&path, &quant, allow_requantize, sink(on_event)).await
}

#[signature]
#[tauri::command]
pub async fn cancel_quantize(core: State<'_, Core>) -> Result<()> {
    core.cancel_quantize()
}

#[signature]
#[tauri::command]
pub async fn run_benchmark(core: State<'_, Core>, input: BenchInput, on_step: Channel<Phrase>) -> Result<BenchReport> {
    core.run_benchmark(&input, sink(on_step)).await
}

#[signature]
#[tauri::command]
pub async fn cancel_benchmark(core: State<'_, Core>) -> Result<()> {
    core.cancel_benchmark()
}

#[signature]
#[tauri::command]
pub async fn bench_results(core: State<'_, Core>, all_machines: bool) -> Result<BenchResults> {
    core.bench_results(all_machines).await
}

// The library and downloads.

#[signature]
#[tauri::command]
pub async fn library<R: Runtime>(app: AppHandle<R>) -> Result<Vec<LibraryEntry>> {
    blocking(app, |core| core.library()).await
}

#[signature]
#[tauri::command]
pub async fn remove_model(core: State<'_, Core>, path: String) -> Result<()> {
    core.remove_model(&path)
}

#[signature]
#[tauri::command]
pub async fn reveal_model(path: String) -> Result<()> {
    hearth_core::reveal_model(&path)
}

/// A link from an answer, opened in the system's browser (never in the app's window).
#[signature]
#[tauri::command]
pub async fn open_link(url: String) -> Result<()> {
    hearth_core::open_link(&url)
}

#[signature]
#[tauri::command]
pub async fn list_model_folders(core: State<'_, Core>) -> Result<Vec<String>> {
    core.model_folders()
}

#[signature]
#[tauri::command]
pub async fn add_model_folder(core: State<'_, Core>, path: String) -> Result<Vec<String>> {
    core.add_model_folder(&path)
}

#[signature]
#[tauri::command]
pub async fn remove_model_folder(core: State<'_, Core>, path: String) -> Result<Vec<String>> {
    core.remove_model_folder(&path)
}

#[signature]
#[tauri::command]
pub async fn repo_files(core: State<'_, Core>, spec: String) -> Result<Vec<RepoFile>> {
    core.repo_files(&spec).await
}

/// GGUF repos on the Hub matching a query, a page at a time.
#[signature]
#[tauri::command]
pub async fn search_hub(core: State<'_, Core>, query: String, sort: HubSort, page: Option<String>) -> Result<HubSearchPage> {
    core.search_hub(&query, sort, page.as_deref()).await
}

#[signature]
#[tauri::command]
pub async fn hf_token_status() -> Result<String> {
    hearth_core::hf_token_status().await
}

#[signature]
#[tauri::command]
pub async fn set_hf_token(token: String) -> Result<()> {
    hearth_core::set_hf_token(token).await
}

#[signature]
#[tauri::command]
pub async fn clear_hf_token() -> Result<()> {
    hearth_core::clear_hf_token().await
}

#[signature]
#[tauri::command]
pub async fn pull_model(core: State<'_, Core>, spec: String, file: String, on_progress: Channel<PullEvent>) -> Result<Vec<String>> {
    core.pull_model(&spec, &file, sink(on_progress)).await
}

#[signature]
#[tauri::command]
pub async fn cancel_pull(core: State<'_, Core>) -> Result<()> {
    core.pause_pull()
}

// Documents.

#[signature]
#[tauri::command]
pub async fn add_documents(
    core: State<'_, Core>,
    conversation_id: i64,
    paths: Vec<String>,
    on_progress: Channel<IndexProgress>,
) -> Result<Vec<DocumentOutcome>> {
    core.add_documents(conversation_id, paths, sink(on_progress)).await
}

#[signature]
#[tauri::command]
pub async fn cancel_documents(core: State<'_, Core>) -> Result<()> {
    core.cancel_documents()
}

#[signature]
#[tauri::command]
pub async fn conversation_documents(core: State<'_, Core>, conversation_id: i64) -> Result<Vec<DocumentRecord>> {
    core.conversation_documents(conversation_id)
}

#[signature]
#[tauri::command]
pub async fn remove_document(core: State<'_, Core>, conversation_id: i64, document_id: i64) -> Result<()> {
    core.remove_document(conversation_id, document_id)
}

#[signature]
#[tauri::command]
pub async fn document_page(core: State<'_, Core>, document_id: i64, page: u32) -> Result<String> {
    core.document_page(document_id, page)
}

// The API server.

#[signature]
#[tauri::command]
pub async fn start_api_server(core: State<'_, Core>, settings: ApiServerSettings) -> Result<ApiServerStatus> {
    core.start_api_server(settings).await
}

#[signature]
#[tauri::command]
pub async fn stop_api_server(core: State<'_, Core>) -> Result<ApiServerStatus> {
    core.stop_api_server()
}

#[signature]
#[tauri::command]
pub async fn api_server_status(core: State<'_, Core>) -> Result<ApiServerStatus> {
    core.api_server_status()
}

/// Streams every request's changes until the page closes (the channel stops accepting).
#[signature]
#[tauri::command]
pub async fn watch_api_requests(core: State<'_, Core>, on_request: Channel<ApiRequestRecord>) -> Result<()> {
    crate::channels::forward(core.api_requests(), on_request)
}

// Remote servers.

#[signature]
#[tauri::command]
pub async fn list_mcp_servers(core: State<'_, Core>) -> Result<Vec<McpServerView>> {
    core.list_mcp_servers().await
}

#[signature]
#[tauri::command]
pub async fn add_mcp_server(core: State<'_, Core>, server: NewMcpServer) -> Result<McpServerView> {
    core.add_mcp_server(server).await
}

#[signature]
#[tauri::command]
pub async fn remove_mcp_server(core: State<'_, Core>, name: String) -> Result<()> {
    core.remove_mcp_server(&name).await
}

#[signature]
#[tauri::command]
pub async fn start_mcp_server(core: State<'_, Core>, name: String) -> Result<McpServerView> {
    core.start_mcp_server(&name).await
}

#[signature]
#[tauri::command]
pub async fn set_mcp_tool_always(core: State<'_, Core>, server: String, tool: String, always: bool) -> Result<()> {
    core.set_mcp_tool_always(&server, &tool, always)
}

#[signature]
#[tauri::command]
pub async fn set_conversation_tools(core: State<'_, Core>, id: i64, tools: ConversationTools) -> Result<Conversation> {
    core.set_conversation_tools(id, &tools)
}

#[signature]
#[tauri::command]
pub async fn answer_tool_call(core: State<'_, Core>, approval_id: u64, answer: ToolApproval) -> Result<()> {
    core.answer_tool_call(approval_id, answer)
}

#[signature]
#[tauri::command]
pub async fn list_remote_servers(core: State<'_, Core>) -> Result<Vec<RemoteServer>> {
    core.list_remote_servers()
}

#[signature]
#[tauri::command]
pub async fn add_remote_server(core: State<'_, Core>, name: String, base_url: String, api_key: Option<String>) -> Result<RemoteServerModels> {
    core.add_remote_server(&name, &base_url, api_key).await
}

#[signature]
#[tauri::command]
pub async fn remove_remote_server(core: State<'_, Core>, name: String) -> Result<()> {
    core.remove_remote_server(&name)
}

#[signature]
#[tauri::command]
pub async fn remote_models(core: State<'_, Core>, name: String) -> Result<Vec<RemoteModelView>> {
    core.remote_models(&name).await
}

#[signature]
#[tauri::command]
pub async fn use_remote_model(core: State<'_, Core>, name: String, model: String) -> Result<ModelInfo> {
    core.use_remote_model(&name, &model).await
}

// The first run.

#[signature]
#[tauri::command]
pub async fn first_run_offer<R: Runtime>(app: AppHandle<R>) -> Result<FirstRunOffer> {
    blocking(app, |core| Ok(core.first_run_offer())).await
}

#[signature]
#[tauri::command]
pub async fn use_demo_model(core: State<'_, Core>) -> Result<String> {
    core.use_demo_model().await
}
