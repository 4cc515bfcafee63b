//! [`Core`]: what Hearth holds between calls (the home directory, the database, the engine
//! process, the loaded model, the running generations and jobs, the API server). The app keeps one
//! for its lifetime; a CLI command makes one for its run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use hearth_conversation::SharedStore;
use hearth_engine_client::EngineClient;
use hearth_protocol::ErrorCode;
use hearth_store::{HearthHome, Store};
use parking_lot::Mutex;

use crate::jobs::CancelSlot;
use crate::model::{ModelSlot, RestartPolicy};
use crate::{CoreError, Result};

pub struct Core {
    pub home: HearthHome,
    pub store: SharedStore,
    pub engine: EngineClient,
    pub(crate) model: Mutex<ModelSlot>,
    /// A load is under way (the restart policy leaves the engine alone meanwhile).
    pub(crate) loading: AtomicBool,
    pub(crate) restart_policy: Mutex<RestartPolicy>,
    /// Generation ids of turns now running (one per conversation at most).
    pub(crate) generations: Mutex<Vec<u64>>,
    /// The Stop flag of each turn now running.
    pub(crate) turn_stops: Mutex<Vec<Arc<AtomicBool>>>,
    /// The hardware watch now streaming; a newer watch stops older ones.
    pub(crate) hardware_watch: Arc<AtomicU64>,
    /// Milliseconds between hardware samples (`set_monitor_interval`).
    pub(crate) hardware_interval_ms: Arc<AtomicU64>,
    pub(crate) quantize_cancel: CancelSlot,
    pub(crate) bench_cancel: CancelSlot,
    pub(crate) pull_cancel: CancelSlot,
    pub(crate) documents_cancel: Arc<AtomicBool>,
    pub(crate) api_server: Mutex<crate::api_server::ApiServerSlot>,
    /// Where the app's bundled files are (the demo model in `demo/`), when it has any.
    resource_dir: Mutex<Option<PathBuf>>,
    /// Remote servers' and the API server's keys (the OS keyring, else this session).
    pub(crate) keys: crate::secrets::KeyVault,
    /// MCP servers running for the conversations' tools, and calls waiting for approval.
    pub(crate) mcp: crate::tools::McpHub,
    /// Held while this process is the home's first Hearth (see `claim_home`).
    _home_lock: Option<std::fs::File>,
}

/// The lock a Hearth process holds on its home while it runs: `Some` when no other Hearth (the
/// app, `hearth send`) has the home. Only such a process may take answers left `streaming` for
/// interrupted; another one's may be streaming right now.
fn claim_home(home: &HearthHome) -> Option<std::fs::File> {
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(home.root().join("hearth.lock")).ok()?;
    file.try_lock().ok().map(|()| file)
}

/// Starts a launcher (xdg-open, open, explorer) with no stdio and waits for it on a thread of
/// its own, so it does not stay a zombie for as long as the app runs. It is never killed: when
/// no browser runs yet, xdg-open's child *is* the user's new browser window. `what` names the
/// program it should bring up, for the error.
pub(crate) fn launch_detached(mut cmd: std::process::Command, what: &str) -> Result<()> {
    use std::process::Stdio;
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = cmd.spawn().map_err(|e| CoreError::new(ErrorCode::Io, format!("no {what} could be opened ({e})")))?;
    let _ = std::thread::Builder::new().name("launcher-reaper".into()).spawn(move || child.wait());
    Ok(())
}

/// The `hearth` binary that serves as the engine and runs jobs: `$HEARTH_ENGINE`, else beside
/// this executable.
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

impl Core {
    /// Hearth's home from `$HEARTH_HOME` (else `~/.local/share/hearth`) and the engine found by
    /// [`engine_executable`].
    pub fn from_env() -> Result<Core> {
        Self::new(HearthHome::from_env(), EngineClient::new(engine_executable()))
    }

    pub fn new(home: HearthHome, engine: EngineClient) -> Result<Core> {
        let store = Store::open(&home.database())?;
        let home_lock = claim_home(&home);
        // Answers that were streaming when the last process died stay, marked interrupted; not
        // while another Hearth runs on this home (its answer may be streaming now).
        if home_lock.is_some() {
            store.recover_interrupted()?;
        }
        let keys = crate::secrets::KeyVault::new(home.root());
        Ok(Core {
            home,
            store: Arc::new(Mutex::new(store)),
            engine,
            model: Mutex::new(ModelSlot::default()),
            loading: AtomicBool::new(false),
            restart_policy: Mutex::new(RestartPolicy::default()),
            generations: Mutex::new(Vec::new()),
            turn_stops: Mutex::new(Vec::new()),
            mcp: Default::default(),
            hardware_watch: Arc::new(AtomicU64::new(0)),
            hardware_interval_ms: Arc::new(AtomicU64::new(crate::monitor::DEFAULT_INTERVAL_MS)),
            quantize_cancel: CancelSlot::default(),
            bench_cancel: CancelSlot::default(),
            pull_cancel: CancelSlot::default(),
            documents_cancel: Arc::new(AtomicBool::new(false)),
            api_server: Mutex::new(Default::default()),
            resource_dir: Mutex::new(None),
            keys,
            _home_lock: home_lock,
        })
    }

    /// The app's bundled resources (set by the shell once it knows them).
    pub fn set_resource_dir(&self, dir: Option<PathBuf>) {
        *self.resource_dir.lock() = dir;
    }

    pub(crate) fn resource_dir(&self) -> Option<PathBuf> {
        self.resource_dir.lock().clone()
    }

    /// Generation ids of the turns now running.
    pub fn running_generations(&self) -> Vec<u64> {
        self.generations.lock().clone()
    }

    /// Stops the engine process (at the app's exit).
    pub async fn shutdown(&self) {
        self.engine.shutdown().await;
        self.stop_mcp_servers().await;
    }
}
