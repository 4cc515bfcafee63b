//! Hearth's OpenAI-compatible API (crate `hearth-openai-api`) over the core's engine: start and
//! stop it (it serves whatever model is loaded, its name following each load), remember its
//! settings, start it again at launch when it was on, and keep the latest requests for the
//! Server page.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use hearth_openai_api::{Api, ApiRequestRecord};
use hearth_protocol::ErrorCode;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secrets::{KeptIn, LOST_NOTE};
use crate::settings::ApiServer;
use crate::{Core, CoreError, Result};

/// The keyring entry of the API server's key.
const KEY_NAME: &str = "api server key";

/// The settings as stored in the database: whether there is a key, not the key (it is in the
/// keyring under [`KEY_NAME`]).
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredApiServer {
    enabled: bool,
    port: u16,
    allow_remote: bool,
    #[serde(default)]
    has_key: bool,
    /// Rows written before keys moved to the keyring held the key here: moved once, never written.
    #[serde(default, skip_serializing)]
    api_key: Option<String>,
}

impl Default for StoredApiServer {
    fn default() -> Self {
        let d = ApiServerSettings::default();
        StoredApiServer { enabled: d.enabled, port: d.port, allow_remote: d.allow_remote, has_key: false, api_key: None }
    }
}

/// Requests kept for the Server page.
const RECENT: usize = 100;

#[derive(Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiServerSettings {
    /// Started at launch when it was on at exit.
    pub enabled: bool,
    pub port: u16,
    /// Clients must send `Authorization: Bearer KEY`; empty or absent: no key.
    pub api_key: Option<String>,
    /// Listen on every interface (other machines can reach the model), not only 127.0.0.1.
    pub allow_remote: bool,
}

/// Never the key itself.
impl std::fmt::Debug for ApiServerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServerSettings")
            .field("enabled", &self.enabled)
            .field("port", &self.port)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("allow_remote", &self.allow_remote)
            .finish()
    }
}

impl Default for ApiServerSettings {
    fn default() -> Self {
        // llama-server's port; LM Studio uses 1234, Jan 1337, Ollama 11434.
        ApiServerSettings { enabled: false, port: 8080, api_key: None, allow_remote: false }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ApiServerStatus {
    pub settings: ApiServerSettings,
    /// `http://ADDR/v1` while it runs.
    pub base_url: Option<String>,
    /// Why it last failed to start, if it did.
    pub error: Option<String>,
    /// The latest requests, newest last.
    pub recent: Vec<ApiRequestRecord>,
    /// Said when the key is not safely kept: only until Hearth quits (no OS keyring), or lost.
    pub key_note: Option<String>,
}

/// The server while it runs.
pub(crate) struct RunningApi {
    api: Arc<Api>,
    address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for RunningApi {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Default)]
pub(crate) struct ApiServerSlot {
    running: Option<RunningApi>,
    error: Option<String>,
    recent: Arc<Mutex<VecDeque<ApiRequestRecord>>>,
    /// How long an API answer goes on once the app's chat waits behind it; `None`: the API's
    /// default (`hearth_openai_api::DEFAULT_YIELD_GRACE`).
    yield_grace: Option<std::time::Duration>,
}

impl Core {
    /// The settings with the key from the keyring (a key an older Hearth left in the database is
    /// moved there first; it stays where it is when no keyring runs, so nothing is lost), and
    /// what to say about the key.
    fn api_server_settings(&self) -> Result<(ApiServerSettings, Option<String>)> {
        let store = self.store.lock();
        let mut stored = store.setting::<ApiServer>()?;
        if let Some(key) = stored.api_key.clone() {
            if self.keys.put(KEY_NAME, &key) == KeptIn::Keyring {
                (stored.api_key, stored.has_key) = (None, true);
                store.set_setting::<ApiServer>(&stored)?;
            }
        }
        drop(store);
        let (api_key, note) = match (&stored.api_key, stored.has_key) {
            (Some(legacy), _) => (Some(legacy.clone()), None),
            (None, true) => (self.keys.get(KEY_NAME).map(|(k, _)| k), self.keys.note(KEY_NAME)),
            (None, false) => (None, None),
        };
        Ok((ApiServerSettings { enabled: stored.enabled, port: stored.port, api_key, allow_remote: stored.allow_remote }, note))
    }

    /// Saves the settings: the key to the keyring (or this session), the rest to the database.
    fn save_api_server_settings(&self, settings: &ApiServerSettings) -> Result<()> {
        match &settings.api_key {
            Some(key) => {
                self.keys.put(KEY_NAME, key);
            }
            None => self.keys.remove(KEY_NAME),
        }
        let stored = StoredApiServer {
            enabled: settings.enabled,
            port: settings.port,
            allow_remote: settings.allow_remote,
            has_key: settings.api_key.is_some(),
            api_key: None,
        };
        Ok(self.store.lock().set_setting::<ApiServer>(&stored)?)
    }

    pub fn api_server_status(&self) -> Result<ApiServerStatus> {
        let (settings, key_note) = self.api_server_settings()?;
        let slot = self.api_server.lock();
        let recent = slot.recent.lock().iter().cloned().collect();
        Ok(ApiServerStatus {
            settings,
            base_url: slot.running.as_ref().map(|r| format!("http://{}/v1", r.address)),
            error: slot.error.clone(),
            recent,
            key_note,
        })
    }

    /// Binds and serves; the model name is the loaded model's (updated on each load).
    async fn serve_api(&self, settings: &ApiServerSettings) -> Result<()> {
        let host = if settings.allow_remote { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::LOCALHOST) };
        let mut bound = tokio::net::TcpListener::bind((host, settings.port)).await;
        // A server just stopped lets go of its port from its own task: give it a moment.
        for _ in 0..10 {
            match &bound {
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    bound = tokio::net::TcpListener::bind((host, settings.port)).await;
                }
                _ => break,
            }
        }
        let listener = bound.map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                format!("port {} is already in use by another program: choose another port", settings.port)
            } else {
                format!("cannot listen on {host}:{}: {e}", settings.port)
            };
            CoreError::new(ErrorCode::Busy, why)
        })?;
        let address = listener.local_addr().map_err(|e| CoreError::new(ErrorCode::Io, e.to_string()))?;
        let model = self.loaded().map(|(name, _)| name).unwrap_or_default();
        let api = Api::new(self.engine.clone(), model, settings.api_key.clone(), settings.allow_remote);
        // As many requests at once as the loaded model answers side by side.
        api.set_parallel(self.model.lock().info.as_ref().map_or(1, |m| m.parallel) as usize);
        if let Some(grace) = self.api_server.lock().yield_grace {
            api.set_yield_grace(grace);
        }

        let recent = self.api_server.lock().recent.clone();
        let mut records = api.subscribe();
        tokio::spawn(async move {
            // Each record replaces the earlier state of the same request.
            while let Ok(record) = records.recv().await {
                let mut recent = recent.lock();
                match recent.iter_mut().find(|r| r.id == record.id) {
                    Some(r) => *r = record,
                    None => recent.push_back(record),
                }
                while recent.len() > RECENT {
                    recent.pop_front();
                }
            }
        });

        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = hearth_openai_api::router(api.clone());
        tokio::spawn(async move {
            hearth_openai_api::serve(listener, router, hearth_openai_api::DEFAULT_IDLE_TIMEOUT, async move {
                let _ = rx.await;
            })
            .await;
        });
        let mut slot = self.api_server.lock();
        slot.running = Some(RunningApi { api, address, shutdown: Some(tx) });
        slot.error = None;
        Ok(())
    }

    /// Starts the server (stopping a running one first) and remembers it as on.
    pub async fn start_api_server(&self, settings: ApiServerSettings) -> Result<ApiServerStatus> {
        let settings = ApiServerSettings { enabled: true, api_key: settings.api_key.filter(|k| !k.trim().is_empty()), ..settings };
        if settings.allow_remote && settings.api_key.is_none() {
            // Without a key any machine that reaches this one (or a page in its browser) could use it.
            return Err(CoreError::new(ErrorCode::BadRequest, "letting other machines use the model needs an API key"));
        }
        drop(self.api_server.lock().running.take());
        self.save_api_server_settings(&settings)?;
        if let Err(e) = self.serve_api(&settings).await {
            self.api_server.lock().error = Some(e.payload().message);
            return Err(e);
        }
        self.api_server_status()
    }

    /// How long an API answer goes on once the app's own chat waits behind it (then it ends as
    /// a `length` finish): the bound on the app's wait. For this server and later ones.
    pub fn set_api_yield_grace(&self, grace: std::time::Duration) {
        let mut slot = self.api_server.lock();
        slot.yield_grace = Some(grace);
        if let Some(running) = &slot.running {
            running.api.set_yield_grace(grace);
        }
    }

    pub fn stop_api_server(&self) -> Result<ApiServerStatus> {
        drop(self.api_server.lock().running.take());
        let store = self.store.lock();
        let stored = StoredApiServer { enabled: false, ..store.setting::<ApiServer>()? };
        store.set_setting::<ApiServer>(&stored)?;
        drop(store);
        self.api_server_status()
    }

    /// Every request's changes as they happen, while the server runs (none when it is off).
    pub fn api_requests(&self) -> Option<tokio::sync::broadcast::Receiver<ApiRequestRecord>> {
        self.api_server.lock().running.as_ref().map(|r| r.api.subscribe())
    }

    /// At launch: starts the server when it was on; a failure is kept for the Server page to show.
    pub async fn start_api_server_if_enabled(&self) {
        let Ok((settings, key_note)) = self.api_server_settings() else { return };
        if settings.enabled {
            if settings.api_key.is_none() && key_note.is_some() {
                // The key is gone: starting without it would open the model to anyone.
                self.api_server.lock().error = Some(format!("not started: {LOST_NOTE}"));
                return;
            }
            if let Err(e) = self.serve_api(&settings).await {
                self.api_server.lock().error = Some(e.payload().message);
            }
        }
    }

    /// After a model loads (or a remote one is chosen): the API lists it under its name.
    pub(crate) fn api_model_changed(&self, name: &str, parallel: u32) {
        if let Some(r) = self.api_server.lock().running.as_ref() {
            r.api.set_model(name.to_string());
            r.api.set_parallel(parallel as usize);
        }
    }
}
