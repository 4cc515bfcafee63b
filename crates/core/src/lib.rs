//! Hearth's use cases, shared by the app's shell (`src-tauri/`, one line per command) and the
//! `hearth` CLI: the loaded model's lifecycle with its restart policy, conversations and turns,
//! documents, the library with the advisor's verdicts, the first-run offer, the API server,
//! remote servers, benchmark / quantize / embed / dry-run jobs in child processes, and typed
//! settings. Nothing here links llama.cpp or knows Tauri: models run in the `hearth engine`
//! process that [`Core`] spawns, and progress goes to plain callbacks.

mod advisor;
mod api_server;
mod app_core;
mod app_instance;
mod bench;
mod conversations;
mod documents;
mod error;
mod first_load;
mod first_run;
pub mod jobs;
mod library;
mod links;
mod model;
mod monitor;
mod prompt_cache;
mod quantize;
mod remote;
mod secrets;
pub mod settings;
mod tools;

pub use advisor::{calibrated_machine, tuning_report, AdviseInput, AdvisorCatalog, CatalogEntry, HardwareChoice, ModelChoice};
pub use api_server::{ApiServerSettings, ApiServerStatus};
pub use app_core::{engine_executable, Core};
pub use app_instance::{claim_app_instance, AppInstance, FirstApp};
pub use bench::{BenchInput, BenchResults};
pub use documents::DocumentOutcome;
pub use error::{CoreError, Result};
pub use first_run::{DemoModel, FirstRunOffer, RecommendedDownload, DEMO_FILE};
/// Hub search results cross to the UI as hearth-models has them.
pub use hearth_models::{HubModel, HubSearchPage, HubSort};
pub use library::{clear_hf_token, hf_token_status, reveal_model, set_hf_token, LibraryEntry, PullEvent, RepoFile, TransferRate};
pub use links::open_link;
pub use model::{AppInfo, EngineCheck, EngineStatus, LoadEvent, ModelStatus, RestartPolicy};
pub use monitor::MonitorSample;
pub use prompt_cache::PromptCacheUsage;
pub use remote::{RemoteModelView, RemoteServer, RemoteServerModels};
pub use tools::{McpServerView, McpServers, McpToolView, NewMcpServer, ToolApproval, MAX_TOOL_ROUNDS};

/// TypeScript declarations of every type the core hands the UI.
pub fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
    let mut decls = vec![MonitorSample::decl(), PromptCacheUsage::decl()];
    decls.extend(advisor::typescript_declarations());
    decls.extend([BenchInput::decl(), BenchResults::decl()]);
    decls.extend([
        LibraryEntry::decl(),
        RepoFile::decl(),
        PullEvent::decl(),
        hearth_models::HubSort::decl(),
        hearth_models::HubModel::decl(),
        hearth_models::HubSearchPage::decl(),
    ]);
    decls.extend(hearth_openai_api::typescript_declarations());
    decls.extend([ApiServerSettings::decl(), ApiServerStatus::decl()]);
    decls.extend([RemoteServer::decl(), RemoteModelView::decl(), RemoteServerModels::decl()]);
    decls.extend([NewMcpServer::decl(), McpToolView::decl(), McpServerView::decl(), ToolApproval::decl()]);
    decls.extend([DemoModel::decl(), RecommendedDownload::decl(), FirstRunOffer::decl()]);
    decls.extend([hearth_documents::IndexProgress::decl(), DocumentOutcome::decl()]);
    decls.extend([EngineStatus::decl(), AppInfo::decl(), ModelStatus::decl(), LoadEvent::decl(), EngineCheck::decl()]);
    decls
}
