//! Remote engines in the app: the OpenAI-compatible servers the user added (vLLM, SGLang,
//! llama-server, Ollama, another Hearth), their models beside the local ones, and choosing one
//! for chat (the engine handle then sends generations there; loading a local model switches back).

use hearth_engine_client::{Endpoint, RemoteModel, RemoteTarget};
use hearth_protocol::{AllocatedMemory, ModelInfo, SamplingSettings};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::AppError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

const SERVERS_KEY: &str = "remote_servers";
/// What a remote model is assumed to hold when its server does not say.
const UNKNOWN_CONTEXT: u32 = 8192;

/// A server as stored (the key included).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredServer {
    name: String,
    base_url: String,
    api_key: Option<String>,
}

/// A server as the UI sees it: never the key itself.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteServer {
    pub name: String,
    pub base_url: String,
    pub has_key: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteServerModels {
    pub server: RemoteServer,
    pub models: Vec<RemoteModelView>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteModelView {
    pub id: String,
    pub context_length: Option<u32>,
}

impl From<RemoteModel> for RemoteModelView {
    fn from(m: RemoteModel) -> Self {
        RemoteModelView { id: m.id, context_length: m.context_length }
    }
}

fn view(s: &StoredServer) -> RemoteServer {
    RemoteServer { name: s.name.clone(), base_url: s.base_url.clone(), has_key: s.api_key.is_some() }
}

fn stored(state: &AppState) -> Result<Vec<StoredServer>> {
    let raw = state.store.lock().unwrap().app_state(SERVERS_KEY)?;
    Ok(raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default())
}

fn save(state: &AppState, servers: &[StoredServer]) -> Result<()> {
    let json = serde_json::to_string(servers).map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(state.store.lock().unwrap().set_app_state(SERVERS_KEY, &json)?)
}

fn endpoint(s: &StoredServer) -> Result<Endpoint> {
    Endpoint::new(&s.base_url, s.api_key.clone()).map_err(|e| AppError::Reported(e.payload()))
}

fn find(state: &AppState, name: &str) -> Result<StoredServer> {
    stored(state)?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| AppError::Invalid(format!("no remote server named {name:?}")))
}

async fn models_of(s: &StoredServer) -> Result<Vec<RemoteModel>> {
    hearth_remote_list(&endpoint(s)?).await
}

async fn hearth_remote_list(e: &Endpoint) -> Result<Vec<RemoteModel>> {
    hearth_engine_client::list_remote_models(e).await.map_err(|e| AppError::Reported(e.payload()))
}

#[tauri::command]
pub async fn list_remote_servers(state: State<'_, AppState>) -> Result<Vec<RemoteServer>> {
    Ok(stored(&state)?.iter().map(view).collect())
}

/// Adds (or replaces, by name) a server once it answers with its models; an unreachable server,
/// a wrong key or an address that is no server is an error and nothing is saved.
#[tauri::command]
pub async fn add_remote_server(state: State<'_, AppState>, name: String, base_url: String, api_key: Option<String>) -> Result<RemoteServerModels> {
    let name = name.trim().to_string();
    let endpoint = Endpoint::new(&base_url, api_key.clone()).map_err(|e| AppError::Reported(e.payload()))?;
    let name = if name.is_empty() { endpoint.host() } else { name };
    let models = hearth_remote_list(&endpoint).await?;
    let server = StoredServer { name: name.clone(), base_url: endpoint.base_url.clone(), api_key: endpoint.api_key.clone() };
    let mut servers = stored(&state)?;
    servers.retain(|s| s.name != name);
    servers.push(server.clone());
    save(&state, &servers)?;
    Ok(RemoteServerModels { server: view(&server), models: models.into_iter().map(Into::into).collect() })
}

#[tauri::command]
pub async fn remove_remote_server(state: State<'_, AppState>, name: String) -> Result<()> {
    let mut servers = stored(&state)?;
    servers.retain(|s| s.name != name);
    save(&state, &servers)
}

#[tauri::command]
pub async fn remote_models(state: State<'_, AppState>, name: String) -> Result<Vec<RemoteModelView>> {
    let server = find(&state, &name)?;
    Ok(models_of(&server).await?.into_iter().map(Into::into).collect())
}

/// Chats go to `model` on server `name` from now on; the model bar shows it.
#[tauri::command]
pub async fn use_remote_model(state: State<'_, AppState>, name: String, model: String) -> Result<ModelInfo> {
    let server = find(&state, &name)?;
    let endpoint = endpoint(&server)?;
    let listed = hearth_remote_list(&endpoint).await?;
    let Some(found) = listed.into_iter().find(|m| m.id == model) else {
        return Err(AppError::Invalid(format!("{} does not serve a model named {model:?}", endpoint.host())));
    };
    let context_length = found.context_length.unwrap_or(UNKNOWN_CONTEXT);
    let info = ModelInfo {
        path: format!("{}/{}", endpoint.base_url, model),
        name: model.clone(),
        architecture: "remote".into(),
        quant: String::new(),
        size_bytes: 0,
        parameters: 0,
        layers: 0,
        trained_context: context_length,
        context_length,
        threads: 0,
        chat_template: "the server's".into(),
        load_ms: 0,
        sampling_defaults: SamplingSettings::default(),
        allocated: AllocatedMemory::default(),
        backend: format!("remote {}", endpoint.host()),
    };
    state.engine.set_remote(Some(RemoteTarget { endpoint, model }));
    {
        let mut slot = state.model.lock().unwrap();
        slot.info = Some(info.clone());
        // Nothing for a restarted local engine to reload.
        slot.wanted = None;
    }
    crate::api_server_commands::model_loaded(&state, &info.name);
    Ok(info)
}

pub fn typescript_declarations() -> Vec<String> {
    vec![RemoteServer::decl(), RemoteModelView::decl(), RemoteServerModels::decl()]
}
