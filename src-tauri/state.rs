//! What the shell holds between commands: the home directory, the database, the engine process,
//! the loaded model and the running generation.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hearth_conversation::SharedStore;
use hearth_engine_client::EngineClient;
use hearth_protocol::{ModelInfo, ModelSettings};
use hearth_store::{HearthHome, Store, StoreError};

pub struct AppState {
    pub home: HearthHome,
    pub store: SharedStore,
    pub engine: EngineClient,
    pub model: Mutex<ModelSlot>,
    /// Generation ids of turns now running (one per conversation at most).
    pub generations: Mutex<Vec<u64>>,
    /// The hardware watch now streaming; a newer watch stops older ones.
    pub hardware_watch: std::sync::atomic::AtomicU64,
    /// Stops the quantization now running, if any.
    pub quantize_cancel: crate::cli_child::CancelSlot,
    /// Stops the benchmark now running, if any.
    pub bench_cancel: crate::cli_child::CancelSlot,
    /// Pauses the download now running, if any.
    pub pull_cancel: crate::cli_child::CancelSlot,
    /// Stops adding documents.
    pub documents_cancel: Arc<std::sync::atomic::AtomicBool>,
    /// Hearth's OpenAI-compatible API when the user has switched it on.
    pub api_server: Mutex<crate::api_server_commands::ApiServerSlot>,
}

#[derive(Default, Clone)]
pub struct ModelSlot {
    pub info: Option<ModelInfo>,
    /// The model last asked for, with its settings: what a restarted engine reloads.
    pub wanted: Option<(PathBuf, ModelSettings)>,
}

/// The `hearth` binary that serves as the engine: `$HEARTH_ENGINE`, else beside this executable.
pub fn engine_executable() -> PathBuf {
    if let Some(p) = std::env::var_os("HEARTH_ENGINE").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    // `cargo test` binaries live in target/<profile>/deps; the engine is one level up.
    let candidates = [dir.join("hearth"), dir.parent().map(|p| p.join("hearth")).unwrap_or_default()];
    candidates.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| candidates[0].clone())
}

impl AppState {
    pub fn from_env() -> Result<AppState, StoreError> {
        Self::new(HearthHome::from_env(), EngineClient::new(engine_executable()))
    }

    pub fn new(home: HearthHome, engine: EngineClient) -> Result<AppState, StoreError> {
        let store = Store::open(&home.database())?;
        // Answers that were streaming when the last app process died stay, marked interrupted.
        store.recover_interrupted()?;
        Ok(AppState {
            home,
            store: Arc::new(Mutex::new(store)),
            engine,
            model: Mutex::new(ModelSlot::default()),
            generations: Mutex::new(Vec::new()),
            hardware_watch: std::sync::atomic::AtomicU64::new(0),
            quantize_cancel: Mutex::new(None),
            bench_cancel: Mutex::new(None),
            pull_cancel: Mutex::new(None),
            documents_cancel: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            api_server: Mutex::new(Default::default()),
        })
    }
}
