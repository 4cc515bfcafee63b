//! The loaded model's lifecycle: load (a bad file keeps the old model), remember the last model
//! and its settings, reload after an engine death before the next turn, restart by hand, and the
//! automatic restart policy (at most once a minute, so a model that kills the engine on load
//! cannot cause a restart loop).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hearth_protocol::{BackendLibrary, ComputeDevice, ErrorCode, ErrorPayload, ModelInfo, ModelSettings};
use serde::Serialize;
use ts_rs::TS;

use crate::settings::LastModel;
use crate::{Core, CoreError, Result};

#[derive(Default, Clone)]
pub(crate) struct ModelSlot {
    pub(crate) info: Option<ModelInfo>,
    /// The model last asked for, with its settings: what a restarted engine reloads.
    pub(crate) wanted: Option<(PathBuf, ModelSettings)>,
    /// The engine died mid-answer: the next turn loads `wanted` again first.
    pub(crate) reload_on_next_turn: bool,
}

/// When an engine that died may be restarted without the user asking.
#[derive(Debug, Clone)]
pub struct RestartPolicy {
    last_automatic: Option<Instant>,
    min_interval: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy { last_automatic: None, min_interval: Duration::from_secs(60) }
    }
}

impl RestartPolicy {
    /// True (and counted) when no automatic restart happened in the last interval.
    pub fn may_restart(&mut self, now: Instant) -> bool {
        if self.last_automatic.is_some_and(|t| now.duration_since(t) < self.min_interval) {
            return false;
        }
        self.last_automatic = Some(now);
        true
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EngineStatus {
    pub running: bool,
    pub pid: Option<u32>,
    /// How the last engine died, if it did.
    pub last_death: Option<String>,
    pub system_info: Option<String>,
    /// The devices the engine can compute on (CPU, GPUs of the backends it was built with).
    pub devices: Vec<ComputeDevice>,
    /// Where a model goes when no device is chosen, and why ("Vulkan0 (…): the only GPU").
    pub default_device: Option<String>,
    /// The backend libraries the engine found (the package): loaded, or why not.
    pub backend_libraries: Vec<BackendLibrary>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub home: String,
    pub models_dir: String,
    /// `.gguf` files in the models directory.
    pub model_files: Vec<String>,
    /// The model to load at start: the last one used, else the first in the models directory.
    pub startup_model: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ModelStatus {
    pub model: Option<ModelInfo>,
    /// The model being loaded or last asked for.
    pub wanted_path: Option<String>,
    pub engine: EngineStatus,
}

/// The status after the restart policy had its say.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EngineCheck {
    pub status: ModelStatus,
    /// Said when Hearth restarted a dead engine by itself and the model came back (a phrase: the
    /// window says it in its language, the engine's last words as they were).
    pub notice: Option<hearth_protocol::Phrase>,
    /// Why the automatic restart failed, when it did (a restart by hand is then up to the user).
    pub error: Option<ErrorPayload>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoadEvent {
    Progress { fraction: f32 },
}

/// Clears the loading flag however the load ends.
struct Loading<'a>(&'a Core);
impl Drop for Loading<'_> {
    fn drop(&mut self) {
        self.0.loading.store(false, Ordering::SeqCst);
    }
}

impl Core {
    pub fn engine_status(&self) -> EngineStatus {
        let s = self.engine.state();
        EngineStatus {
            running: s.running,
            pid: s.pid,
            last_death: s.last_death,
            system_info: s.system_info,
            devices: s.devices,
            default_device: s.default_device,
            backend_libraries: s.backend_libraries,
        }
    }

    pub fn app_info(&self) -> Result<AppInfo> {
        let files: Vec<String> = self.home.model_files().iter().map(|p| p.display().to_string()).collect();
        let last = self.store.lock().setting::<LastModel>()?.filter(|p| std::path::Path::new(p).is_file());
        Ok(AppInfo {
            home: self.home.root().display().to_string(),
            models_dir: self.home.models().display().to_string(),
            startup_model: last.or_else(|| files.first().cloned()),
            model_files: files,
        })
    }

    pub fn model_status(&self) -> ModelStatus {
        let slot = self.model.lock().clone();
        let engine = self.engine_status();
        ModelStatus {
            // A local model is only loaded while its engine lives; a remote one lives on its server.
            model: slot.info.filter(|_| engine.running || self.engine.remote().is_some()),
            wanted_path: slot.wanted.map(|(p, _)| p.display().to_string()),
            engine,
        }
    }

    /// The name and context of the model now loaded.
    pub(crate) fn loaded(&self) -> Option<(String, u32)> {
        self.model.lock().info.as_ref().map(|m| (m.name.clone(), m.context_length))
    }

    /// The settings remembered for a model file, or the defaults.
    pub fn model_settings(&self, path: &str) -> Result<ModelSettings> {
        Ok(self.store.lock().model_settings(path)?.unwrap_or_default())
    }

    /// Saves the settings a model file loads with next time (the model is not reloaded).
    pub fn save_model_settings(&self, path: &str, settings: &ModelSettings) -> Result<()> {
        Ok(self.store.lock().set_model_settings(path, settings)?)
    }

    /// Loads a model. `settings` absent means the ones remembered for this file, or the defaults.
    pub async fn load_model(&self, path: &str, settings: Option<ModelSettings>, on_progress: impl Fn(f32)) -> Result<ModelInfo> {
        let path = PathBuf::from(path);
        if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gguf")) {
            return Err(CoreError::new(ErrorCode::InvalidModel, format!("{} is not a .gguf file", path.display())));
        }
        let saved = match settings {
            Some(s) => Some(s),
            None => crate::settings::saved_model_settings(&self.store.lock(), &path)?,
        };
        let settings = match saved {
            Some(s) => s,
            // The first load of this file: the advisor's settings for it on this machine (the
            // header read and the hardware probe off the async runtime).
            None => {
                let (store, file) = (self.store.clone(), path.clone());
                tokio::task::spawn_blocking(move || {
                    let machine = crate::advisor::machine_with_runs_in(&store);
                    hearth_advisor::ModelShape::from_gguf_file(&file)
                        .map(|shape| crate::first_load::first_load_settings(&shape, &machine, None))
                        .unwrap_or_default()
                })
                .await
                .unwrap_or_default()
            }
        };
        self.load(path, settings, on_progress).await
    }

    pub(crate) async fn load(&self, path: PathBuf, settings: ModelSettings, on_progress: impl Fn(f32)) -> Result<ModelInfo> {
        self.loading.store(true, Ordering::SeqCst);
        let _loading = Loading(self);
        // A local model: chats come back from any remote server to the engine process.
        self.engine.set_remote(None);
        let previous = {
            let mut slot = self.model.lock();
            let previous = (slot.info.take(), slot.wanted.clone());
            slot.wanted = Some((path.clone(), settings.clone()));
            previous
        };
        // Conversations' states are kept on disk for this model (issue 21).
        if let Ok(cache) = self.prompt_cache_settings() {
            self.engine.set_prompt_cache(Some(cache)).await;
        }
        match self.engine.load(&path, &settings, on_progress).await {
            Ok(model) => {
                {
                    let mut slot = self.model.lock();
                    slot.info = Some(model.clone());
                    slot.reload_on_next_turn = false;
                }
                self.api_model_changed(&model.name, model.parallel);
                let store = self.store.lock();
                let key = path.display().to_string();
                store.set_model_settings(&key, &settings)?;
                store.set_setting::<LastModel>(&Some(key))?;
                Ok(model)
            }
            Err(e) => {
                let code = e.payload().code;
                let mut slot = self.model.lock();
                if matches!(code, ErrorCode::InvalidModel | ErrorCode::ModelNotFound) {
                    // The engine rejects a bad file before it unloads anything: the old model stays.
                    (slot.info, slot.wanted) = previous;
                } else if code == ErrorCode::EngineDied {
                    // This model took the engine down while loading: it is not loaded again by
                    // itself (that would crash again, in a loop); the user sees why and decides.
                    (slot.wanted, slot.reload_on_next_turn) = (None, false);
                }
                Err(e.into())
            }
        }
    }

    /// Before a turn: an engine that died while idle (the OOM killer, a user's kill) gets the
    /// model back first.
    pub(crate) async fn reload_if_dead(&self) -> Result<()> {
        let stale = {
            let slot = self.model.lock();
            if (slot.info.is_some() || slot.reload_on_next_turn) && !self.engine.state().running && self.engine.remote().is_none() {
                slot.wanted.clone()
            } else {
                None
            }
        };
        if let Some((path, settings)) = stale {
            self.load(path, settings, |_| {}).await?;
        }
        Ok(())
    }

    /// Starts a fresh engine and reloads the model the user last asked for.
    pub async fn restart_engine(&self, on_progress: impl Fn(f32)) -> Result<Option<ModelInfo>> {
        self.engine.restart().await?;
        let wanted = self.model.lock().wanted.clone();
        match wanted {
            Some((path, settings)) => Ok(Some(self.load(path, settings, on_progress).await?)),
            None => Ok(None),
        }
    }

    /// The status, after restarting an engine that died (and reloading its model) when the
    /// restart policy allows; the UI calls this on its status poll.
    pub async fn check_engine(&self, on_progress: impl Fn(f32)) -> EngineCheck {
        let status = self.model_status();
        let dead = !status.engine.running && self.engine.remote().is_none();
        let Some(death) = status.engine.last_death.clone().filter(|_| dead && status.wanted_path.is_some()) else {
            return EngineCheck { status, notice: None, error: None };
        };
        if self.loading.load(Ordering::SeqCst) || !self.restart_policy.lock().may_restart(Instant::now()) {
            return EngineCheck { status, notice: None, error: None };
        }
        let (notice, error) = match self.restart_engine(on_progress).await {
            Ok(_) => (
                Some(hearth_protocol::phrase!(
                    "said.engine.restarted",
                    "{death}. Hearth restarted the engine and reloaded the model; the conversation is kept.",
                    death = death
                )),
                None,
            ),
            Err(e) => (None, Some(e.payload())),
        };
        EngineCheck { status: self.model_status(), notice, error }
    }

    /// After a turn whose engine died: the model died with it.
    pub(crate) fn model_died(&self, error: Option<&ErrorPayload>) {
        if error.is_some_and(|e| e.code == ErrorCode::EngineDied) {
            let mut slot = self.model.lock();
            slot.info = None;
            // Not dropped: the next turn (or the status poll's restart) brings it back.
            slot.reload_on_next_turn = slot.wanted.is_some();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_restarts_happen_at_most_once_a_minute() {
        let mut policy = RestartPolicy::default();
        let t0 = Instant::now();
        assert!(policy.may_restart(t0), "the first death is restarted");
        assert!(!policy.may_restart(t0 + Duration::from_secs(5)), "a model that kills the engine again at once is left dead");
        assert!(!policy.may_restart(t0 + Duration::from_secs(59)));
        assert!(policy.may_restart(t0 + Duration::from_secs(61)), "a minute later Hearth tries again");
    }
}
