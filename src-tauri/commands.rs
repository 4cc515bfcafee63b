//! Every command the UI can invoke. Each is async (Tauri runs it off the main thread) and
//! a thin call into the crates; failures reach the UI as `{code, message}`.

use std::path::PathBuf;

use hearth_conversation::{run_turn, TurnAction, TurnEvent, TurnModel};
use hearth_protocol::{ComputeDevice, ErrorCode, ErrorPayload, Event, ModelInfo, ModelSettings, Request, SamplingSettings, TemplateChoice};
use hearth_store::{Conversation, Message};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::state::AppState;
use crate::AppError;

type Result<T> = std::result::Result<T, AppError>;

#[derive(Debug, Clone, Serialize, TS)]
pub struct EngineStatus {
    pub running: bool,
    pub pid: Option<u32>,
    /// How the last engine died, if it did.
    pub last_death: Option<String>,
    pub system_info: Option<String>,
    /// The devices the engine can compute on (CPU, GPUs of the backends it was built with).
    pub devices: Vec<ComputeDevice>,
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

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoadEvent {
    Progress { fraction: f32 },
}

fn engine_status(state: &AppState) -> EngineStatus {
    let s = state.engine.state();
    EngineStatus { running: s.running, pid: s.pid, last_death: s.last_death, system_info: s.system_info, devices: s.devices }
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo> {
    let files: Vec<String> = state.home.model_files().iter().map(|p| p.display().to_string()).collect();
    let last = state.store.lock().unwrap().app_state("last_model")?.filter(|p| std::path::Path::new(p).is_file());
    Ok(AppInfo {
        home: state.home.root().display().to_string(),
        models_dir: state.home.models().display().to_string(),
        startup_model: last.or_else(|| files.first().cloned()),
        model_files: files,
    })
}

#[tauri::command]
pub async fn list_conversations(state: State<'_, AppState>, query: Option<String>) -> Result<Vec<Conversation>> {
    let store = state.store.lock().unwrap();
    Ok(match query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => store.search_conversations(q)?,
        None => store.conversations()?,
    })
}

#[tauri::command]
pub async fn create_conversation(state: State<'_, AppState>) -> Result<Conversation> {
    Ok(state.store.lock().unwrap().create_conversation("New chat")?)
}

#[tauri::command]
pub async fn rename_conversation(state: State<'_, AppState>, id: i64, title: String) -> Result<Conversation> {
    let title = title.trim();
    if title.is_empty() {
        return Err(AppError::Invalid("a conversation needs a name".into()));
    }
    Ok(state.store.lock().unwrap().rename_conversation(id, title)?)
}

#[tauri::command]
pub async fn delete_conversation(state: State<'_, AppState>, id: i64) -> Result<()> {
    Ok(state.store.lock().unwrap().delete_conversation(id)?)
}

#[tauri::command]
pub async fn get_messages(state: State<'_, AppState>, conversation_id: i64) -> Result<Vec<Message>> {
    Ok(state.store.lock().unwrap().messages(conversation_id)?)
}

#[tauri::command]
pub async fn update_conversation(
    state: State<'_, AppState>,
    id: i64,
    system_prompt: String,
    sampling: SamplingSettings,
    template: TemplateChoice,
) -> Result<Conversation> {
    let store = state.store.lock().unwrap();
    store.set_system_prompt(id, &system_prompt)?;
    store.set_sampling(id, &sampling)?;
    Ok(store.set_template(id, &template)?)
}

async fn turn(state: &AppState, conversation_id: i64, action: TurnAction, channel: Channel<TurnEvent>) -> Result<Message> {
    // The engine died while idle (the OOM killer, a user's kill): bring the model back first.
    let stale = {
        let slot = state.model.lock().unwrap();
        if slot.info.is_some() && !state.engine.state().running { slot.wanted.clone() } else { None }
    };
    if let Some((path, settings)) = stale {
        load(state, path, settings, |_| {}).await?;
    }
    let (model_name, context_length) = {
        let slot = state.model.lock().unwrap();
        (slot.info.as_ref().map(|m| m.name.clone()), slot.info.as_ref().map_or(0, |m| m.context_length))
    };
    if model_name.is_none() {
        return Err(AppError::Reported(ErrorPayload::new(ErrorCode::NoModel, "load a model first")));
    }
    let query_embedding = crate::documents_commands::query_embedding(state, conversation_id, &action).await?;
    let mut my_generation = None;
    let model = TurnModel { name: model_name.as_deref(), context_length, query_embedding };
    let result = run_turn(&state.store, &state.engine, conversation_id, action, model, |ev| {
        if let TurnEvent::Started { generation_id, .. } = &ev {
            my_generation = Some(*generation_id);
            state.generations.lock().unwrap().push(*generation_id);
        }
        // A closed window is not a reason to stop saving the answer.
        let _ = channel.send(ev);
    })
    .await;
    if let Some(id) = my_generation {
        state.generations.lock().unwrap().retain(|g| *g != id);
    }
    let message = result?;
    if message.error.as_ref().is_some_and(|e| e.code == ErrorCode::EngineDied) {
        // The model died with the engine.
        state.model.lock().unwrap().info = None;
    }
    Ok(message)
}

#[tauri::command]
pub async fn send_message(state: State<'_, AppState>, conversation_id: i64, text: String, on_event: Channel<TurnEvent>) -> Result<Message> {
    turn(&state, conversation_id, TurnAction::Send { text }, on_event).await
}

/// "Summarize this document": a turn whose answer summarizes one of the conversation's documents
/// (map-reduce over its sections when it is longer than the context, with progress events).
#[tauri::command]
pub async fn summarize_document(state: State<'_, AppState>, conversation_id: i64, document_id: i64, on_event: Channel<TurnEvent>) -> Result<Message> {
    turn(&state, conversation_id, TurnAction::Summarize { document_id }, on_event).await
}

#[tauri::command]
pub async fn regenerate(state: State<'_, AppState>, conversation_id: i64, on_event: Channel<TurnEvent>) -> Result<Message> {
    turn(&state, conversation_id, TurnAction::Regenerate, on_event).await
}

#[tauri::command]
pub async fn edit_and_resend(
    state: State<'_, AppState>,
    conversation_id: i64,
    message_id: i64,
    text: String,
    on_event: Channel<TurnEvent>,
) -> Result<Message> {
    turn(&state, conversation_id, TurnAction::EditAndResend { message_id, text }, on_event).await
}

/// Stops every running generation; their partial answers are kept.
#[tauri::command]
pub async fn stop_generation(state: State<'_, AppState>) -> Result<()> {
    let ids = state.generations.lock().unwrap().clone();
    for id in ids {
        state.engine.cancel(id).await;
    }
    Ok(())
}

async fn load(state: &AppState, path: PathBuf, settings: ModelSettings, on_progress: impl Fn(f32)) -> Result<ModelInfo> {
    // A local model: chats come back from any remote server to the engine process.
    state.engine.set_remote(None);
    let previous = {
        let mut slot = state.model.lock().unwrap();
        let previous = (slot.info.take(), slot.wanted.clone());
        slot.wanted = Some((path.clone(), settings.clone()));
        previous
    };
    let mut stream = state.engine.request(|id| Request::Load { id, path: path.clone(), settings: settings.clone() }).await?;
    loop {
        match stream.next().await {
            Some(Event::LoadProgress { fraction, .. }) => on_progress(fraction),
            Some(Event::Loaded { model, .. }) => {
                let model = *model;
                state.model.lock().unwrap().info = Some(model.clone());
                crate::api_server_commands::model_loaded(state, &model.name);
                let store = state.store.lock().unwrap();
                let key = path.display().to_string();
                store.set_model_settings(&key, &settings)?;
                store.set_app_state("last_model", &key)?;
                return Ok(model);
            }
            Some(Event::Error { error, .. }) => {
                // The engine rejects a bad file before it unloads anything: the old model stays.
                if matches!(error.code, ErrorCode::InvalidModel | ErrorCode::ModelNotFound) {
                    let mut slot = state.model.lock().unwrap();
                    (slot.info, slot.wanted) = previous;
                }
                return Err(AppError::Reported(error));
            }
            Some(_) => {}
            None => return Err(AppError::Reported(ErrorPayload::new(ErrorCode::EngineDied, "the engine stopped while loading"))),
        }
    }
}

/// Loads a model. `settings` absent means the ones remembered for this file, or the defaults.
#[tauri::command]
pub async fn load_model(
    state: State<'_, AppState>,
    path: String,
    settings: Option<ModelSettings>,
    on_progress: Channel<LoadEvent>,
) -> Result<ModelInfo> {
    let path = PathBuf::from(path);
    if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gguf")) {
        return Err(AppError::Reported(ErrorPayload::new(
            ErrorCode::InvalidModel,
            format!("{} is not a .gguf file", path.display()),
        )));
    }
    let settings = match settings {
        Some(s) => s,
        None => state.store.lock().unwrap().model_settings(&path.display().to_string())?.unwrap_or_default(),
    };
    load(&state, path, settings, progress_sender(on_progress)).await
}

fn progress_sender(channel: Channel<LoadEvent>) -> impl Fn(f32) {
    move |fraction| {
        let _ = channel.send(LoadEvent::Progress { fraction });
    }
}

#[tauri::command]
pub async fn model_status(state: State<'_, AppState>) -> Result<ModelStatus> {
    let slot = state.model.lock().unwrap().clone();
    let engine = engine_status(&state);
    Ok(ModelStatus {
        // A local model is only loaded while its engine lives; a remote one lives on its server.
        model: slot.info.filter(|_| engine.running || state.engine.remote().is_some()),
        wanted_path: slot.wanted.map(|(p, _)| p.display().to_string()),
        engine,
    })
}

/// The settings remembered for a model file, or the defaults.
#[tauri::command]
pub async fn model_settings(state: State<'_, AppState>, path: String) -> Result<ModelSettings> {
    Ok(state.store.lock().unwrap().model_settings(&path)?.unwrap_or_default())
}

/// Starts a fresh engine and reloads the model the user last asked for.
#[tauri::command]
pub async fn restart_engine(state: State<'_, AppState>, on_progress: Channel<LoadEvent>) -> Result<Option<ModelInfo>> {
    state.engine.restart().await?;
    let wanted = state.model.lock().unwrap().wanted.clone();
    match wanted {
        Some((path, settings)) => Ok(Some(load(&state, path, settings, progress_sender(on_progress)).await?)),
        None => Ok(None),
    }
}

/// A UI preference (JSON text) kept in the database with the other settings.
#[tauri::command]
pub async fn ui_preference(state: State<'_, AppState>, key: String) -> Result<Option<String>> {
    Ok(state.store.lock().unwrap().app_state(&format!("ui.{key}"))?)
}

#[tauri::command]
pub async fn set_ui_preference(state: State<'_, AppState>, key: String, value: String) -> Result<()> {
    if serde_json::from_str::<serde_json::Value>(&value).is_err() {
        return Err(AppError::Invalid(format!("the preference {key} is not JSON")));
    }
    Ok(state.store.lock().unwrap().set_app_state(&format!("ui.{key}"), &value)?)
}
