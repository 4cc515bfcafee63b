//! The app's switch for Hearth's OpenAI-compatible API (crate `hearth-openai-api`): start and stop
//! it over the app's own engine (it serves whatever model the app has loaded), remember its
//! settings, start it again at launch when it was on, and stream its requests to the Server page.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use hearth_openai_api::{Api, ApiRequestRecord};
use hearth_protocol::{ErrorCode, ErrorPayload};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

const SETTINGS_KEY: &str = "api_server";
/// Requests kept for the Server page.
const RECENT: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiServerSettings {
    /// Started at launch when it was on at exit.
    pub enabled: bool,
    pub port: u16,
    /// Clients must send `Authorization: Bearer KEY`; empty or absent: no key.
    pub api_key: Option<String>,
    /// Listen on every interface (other machines can reach the model), not only 127.0.0.1.
    pub allow_remote: bool,
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
}

/// The server while it runs.
pub struct RunningApi {
    pub api: Arc<Api>,
    address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Default)]
pub struct ApiServerSlot {
    pub running: Option<RunningApi>,
    error: Option<String>,
    recent: Arc<Mutex<VecDeque<ApiRequestRecord>>>,
}

impl Drop for RunningApi {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn saved_settings(state: &AppState) -> Result<ApiServerSettings> {
    let raw = state.store.lock().unwrap().app_state(SETTINGS_KEY)?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

fn save_settings(state: &AppState, settings: &ApiServerSettings) -> Result<()> {
    let json = serde_json::to_string(settings).map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(state.store.lock().unwrap().set_app_state(SETTINGS_KEY, &json)?)
}

fn status(state: &AppState) -> Result<ApiServerStatus> {
    let settings = saved_settings(state)?;
    let slot = state.api_server.lock().unwrap();
    let recent = slot.recent.lock().unwrap().iter().cloned().collect();
    Ok(ApiServerStatus {
        settings,
        base_url: slot.running.as_ref().map(|r| format!("http://{}/v1", r.address)),
        error: slot.error.clone(),
        recent,
    })
}

/// Binds and serves; the model name is the loaded model's (updated on each load).
async fn start(state: &AppState, settings: &ApiServerSettings) -> Result<()> {
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
        AppError::Reported(ErrorPayload::new(ErrorCode::Busy, why))
    })?;
    let address = listener.local_addr().map_err(|e| AppError::Invalid(e.to_string()))?;
    let model = state.model.lock().unwrap().info.as_ref().map(|m| m.name.clone()).unwrap_or_default();
    let api = Api::new(state.engine.clone(), model, settings.api_key.clone());

    let recent = state.api_server.lock().unwrap().recent.clone();
    let mut records = api.subscribe();
    tokio::spawn(async move {
        // Each record replaces the earlier state of the same request.
        while let Ok(record) = records.recv().await {
            let mut recent = recent.lock().unwrap();
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
        let _ = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await;
    });
    let mut slot = state.api_server.lock().unwrap();
    slot.running = Some(RunningApi { api, address, shutdown: Some(tx) });
    slot.error = None;
    Ok(())
}

/// Starts the server (stopping a running one first) and remembers it as on.
#[tauri::command]
pub async fn start_api_server(state: State<'_, AppState>, settings: ApiServerSettings) -> Result<ApiServerStatus> {
    let settings = ApiServerSettings { enabled: true, api_key: settings.api_key.filter(|k| !k.trim().is_empty()), ..settings };
    drop(state.api_server.lock().unwrap().running.take());
    save_settings(&state, &settings)?;
    if let Err(e) = start(&state, &settings).await {
        state.api_server.lock().unwrap().error = Some(e.payload().message);
        return Err(e);
    }
    status(&state)
}

#[tauri::command]
pub async fn stop_api_server(state: State<'_, AppState>) -> Result<ApiServerStatus> {
    drop(state.api_server.lock().unwrap().running.take());
    let settings = ApiServerSettings { enabled: false, ..saved_settings(&state)? };
    save_settings(&state, &settings)?;
    status(&state)
}

#[tauri::command]
pub async fn api_server_status(state: State<'_, AppState>) -> Result<ApiServerStatus> {
    status(&state)
}

/// Streams every request's changes until the page closes (the channel stops accepting).
#[tauri::command]
pub async fn watch_api_requests(state: State<'_, AppState>, on_request: Channel<ApiRequestRecord>) -> Result<()> {
    let Some(mut records) = state.api_server.lock().unwrap().running.as_ref().map(|r| r.api.subscribe()) else {
        return Ok(());
    };
    tokio::spawn(async move {
        loop {
            match records.recv().await {
                Ok(record) => {
                    if on_request.send(record).is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
    });
    Ok(())
}

/// At launch: starts the server when it was on; a failure is kept for the Server page to show.
pub async fn start_if_enabled(state: &AppState) {
    let Ok(settings) = saved_settings(state) else { return };
    if settings.enabled {
        if let Err(e) = start(state, &settings).await {
            state.api_server.lock().unwrap().error = Some(e.payload().message);
        }
    }
}

/// After a model loads: the API lists it under its name.
pub fn model_loaded(state: &AppState, name: &str) {
    if let Some(r) = state.api_server.lock().unwrap().running.as_ref() {
        r.api.set_model(name.to_string());
    }
}

pub fn typescript_declarations() -> Vec<String> {
    let mut decls = hearth_openai_api::typescript_declarations();
    decls.extend([ApiServerSettings::decl(), ApiServerStatus::decl()]);
    decls
}
