//! The Models page's commands: the library (with the advisor's verdict for this machine), remove,
//! a Hugging Face repo's GGUF files, and a pull that streams progress and can be cancelled (a
//! cancelled pull keeps its `.part`, which the next pull resumes). Downloads run in the app's
//! process: no llama.cpp is involved.

use std::time::{Duration, Instant};

use hearth_advisor::{advise, AdviceRequest, Catalog, Fit, KvCacheType, ModelShape, Use};
use hearth_models::{endpoint, fetch_gguf_header, list_models, list_repo_files, parse_repo_spec, pull, shard_of, sidecar, PullRequest};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use ts_rs::TS;

use crate::state::AppState;
use crate::AppError;

type Result<T> = std::result::Result<T, AppError>;

#[derive(Debug, Clone, Serialize, TS)]
pub struct LibraryEntry {
    pub name: String,
    pub path: String,
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub architecture: Option<String>,
    pub quant: Option<String>,
    #[ts(type = "number | null")]
    pub parameters: Option<u64>,
    #[ts(type = "number | null")]
    pub context_length: Option<u64>,
    pub sha256: Option<String>,
    pub problem: Option<String>,
    /// In Hearth's own models directory (removable here), or in a folder the user added.
    pub in_hearth_dir: bool,
    /// The advisor's verdict for this machine at 8K context, and its predicted generation speed.
    pub fits: Option<Fit>,
    pub predicted_tg_tps: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RepoFile {
    pub path: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub sha256: Option<String>,
    /// The advisor's verdict for this machine at 8K context, from the file's header (read from
    /// the Hub by HTTP Range before any download); for a split model, on its first shard.
    pub fits: Option<Fit>,
    pub predicted_tg_tps: Option<f64>,
    /// Why there is no verdict (a header that could not be read).
    pub verdict_problem: Option<String>,
}

/// The advisor's row for a remote model: the headers of all its shards (tensors merged into the
/// first), judged for this machine.
async fn remote_verdict(
    state: &AppState,
    repo: &str,
    shards: &[&hearth_models::HubFile],
    token: Option<&str>,
) -> std::result::Result<(Fit, f64), String> {
    let mut merged: Option<hearth_gguf::GgufFile> = None;
    for f in shards {
        let header = fetch_gguf_header(&endpoint(), repo, &f.path, token, f.size).await.map_err(|e| e.to_string())?;
        match &mut merged {
            None => merged = Some(header),
            Some(m) => m.tensors.extend(header.tensors),
        }
    }
    let gguf = merged.ok_or("no files")?;
    let shape = ModelShape::from_gguf(&gguf, std::path::Path::new(&shards[0].path)).map_err(|e| e.to_string())?;
    let machine = crate::advisor_commands::detected(state);
    let req = AdviceRequest { shape: &shape, hardware: &machine, backend: None, ctx: 8192, depth: 0, kv_type: KvCacheType::F16, use_case: Use::Chat, quant: None };
    let advice = advise(Catalog::builtin(), &req).map_err(|e| e.to_string())?;
    let row = advice.rows.into_iter().find(|r| r.this_file).ok_or("the advisor has no row for this file")?;
    Ok((row.fits, row.predicted.tg_tps))
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PullEvent {
    pub file: String,
    #[ts(type = "number")]
    pub done_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
    pub bytes_per_s: f64,
}

fn models_error(e: hearth_models::ModelsError) -> AppError {
    AppError::Invalid(e.to_string())
}

#[tauri::command]
pub async fn library<R: Runtime>(app: AppHandle<R>) -> Result<Vec<LibraryEntry>> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let dir = state.home.models();
        let catalog = Catalog::builtin();
        // This machine as the advisor sees it, calibrated by its benchmark runs.
        let machine = crate::advisor_commands::detected(&state);
        let mut dirs = vec![dir.clone()];
        dirs.extend(model_folders(&state).into_iter().map(std::path::PathBuf::from));
        list_models(&dirs)
            .into_iter()
            .map(|m| {
                let verdict = ModelShape::from_gguf_file(&m.path).ok().and_then(|shape| {
                    let req = AdviceRequest { shape: &shape, hardware: &machine, backend: None, ctx: 8192, depth: 0, kv_type: KvCacheType::F16, use_case: Use::Chat, quant: None };
                    advise(catalog, &req).ok()?.rows.into_iter().find(|r| r.this_file)
                });
                LibraryEntry {
                    in_hearth_dir: m.path.parent() == Some(dir.as_path()),
                    name: m.name,
                    path: m.path.display().to_string(),
                    files: m.files.iter().map(|f| f.display().to_string()).collect(),
                    size_bytes: m.size_bytes,
                    architecture: m.architecture,
                    quant: m.quant,
                    parameters: m.parameters,
                    context_length: m.context_length,
                    sha256: m.sha256,
                    problem: m.problem,
                    fits: verdict.as_ref().map(|r| r.fits),
                    predicted_tg_tps: verdict.map(|r| r.predicted.tg_tps),
                }
            })
            .collect()
    })
    .await
    .map_err(|e| AppError::Invalid(e.to_string()))
}

const FOLDERS_KEY: &str = "model_folders";

/// Folders the user added to the library (beside Hearth's own models directory).
pub fn model_folders(state: &AppState) -> Vec<String> {
    let raw = state.store.lock().unwrap().app_state(FOLDERS_KEY).ok().flatten();
    raw.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default()
}

#[tauri::command]
pub async fn list_model_folders(state: State<'_, AppState>) -> Result<Vec<String>> {
    Ok(model_folders(&state))
}

/// Adds a folder whose GGUF files join the library (they stay where they are).
#[tauri::command]
pub async fn add_model_folder(state: State<'_, AppState>, path: String) -> Result<Vec<String>> {
    if !std::path::Path::new(&path).is_dir() {
        return Err(AppError::Invalid(format!("{path} is not a folder")));
    }
    let mut folders = model_folders(&state);
    if !folders.contains(&path) {
        folders.push(path);
    }
    state.store.lock().unwrap().set_app_state(FOLDERS_KEY, &serde_json::to_string(&folders).unwrap_or_default())?;
    Ok(folders)
}

/// Takes a folder out of the library; its files are not touched.
#[tauri::command]
pub async fn remove_model_folder(state: State<'_, AppState>, path: String) -> Result<Vec<String>> {
    let folders: Vec<String> = model_folders(&state).into_iter().filter(|f| *f != path).collect();
    state.store.lock().unwrap().set_app_state(FOLDERS_KEY, &serde_json::to_string(&folders).unwrap_or_default())?;
    Ok(folders)
}

/// Shows a model in the system's file manager: its folder opened with the file selected where the
/// platform can (macOS `open -R`, Windows `explorer /select,`), else the folder (`xdg-open`).
#[tauri::command]
pub async fn reveal_model(path: String) -> Result<()> {
    let file = std::path::Path::new(&path);
    if !file.exists() {
        return Err(AppError::Invalid(format!("{path} does not exist")));
    }
    let dir = file.parent().unwrap_or(file).to_path_buf();
    let mut cmd = if cfg!(target_os = "macos") {
        let mut c = std::process::Command::new("open");
        c.arg("-R").arg(file);
        c
    } else if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("explorer");
        c.arg(format!("/select,{}", file.display()));
        c
    } else {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(&dir);
        c
    };
    // The file manager outlives the command; it is not waited for.
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    cmd.spawn().map_err(|e| AppError::Invalid(format!("no file manager could be opened ({e})")))?;
    Ok(())
}

/// Removes a library model (all its shards); only files inside Hearth's models directory.
#[tauri::command]
pub async fn remove_model(state: State<'_, AppState>, path: String) -> Result<()> {
    let dir = state.home.models();
    let models = list_models(std::slice::from_ref(&dir));
    let m = models
        .iter()
        .find(|m| m.path.display().to_string() == path)
        .ok_or_else(|| AppError::Invalid(format!("{path} is not a model in {}", dir.display())))?;
    for f in &m.files {
        std::fs::remove_file(f).map_err(|e| AppError::Invalid(format!("removing {}: {e}", f.display())))?;
        let _ = std::fs::remove_file(sidecar(f));
    }
    Ok(())
}

/// Where the Hugging Face token in use comes from: `environment`, `keyring` or `none`.
#[tauri::command]
pub async fn hf_token_status() -> Result<String> {
    let (_, source) = tauri::async_runtime::spawn_blocking(hearth_models::access_token).await.map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(serde_json::to_value(source).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
}

/// Stores the token in the OS keyring (never in a file); refused when there is no keyring.
#[tauri::command]
pub async fn set_hf_token(token: String) -> Result<()> {
    tauri::async_runtime::spawn_blocking(move || hearth_models::store_token(&token))
        .await
        .map_err(|e| AppError::Invalid(e.to_string()))?
        .map_err(models_error)
}

#[tauri::command]
pub async fn clear_hf_token() -> Result<()> {
    tauri::async_runtime::spawn_blocking(hearth_models::clear_token)
        .await
        .map_err(|e| AppError::Invalid(e.to_string()))?
        .map_err(models_error)
}

#[tauri::command]
pub async fn repo_files(state: State<'_, AppState>, spec: String) -> Result<Vec<RepoFile>> {
    let (repo, _) = parse_repo_spec(&spec).map_err(models_error)?;
    let (token, _) = tauri::async_runtime::spawn_blocking(hearth_models::access_token).await.map_err(|e| AppError::Invalid(e.to_string()))?;
    let files = list_repo_files(&endpoint(), &repo, token.as_deref()).await.map_err(models_error)?;
    let mut out = Vec::new();
    for f in &files {
        let stem = f.path.trim_end_matches(".gguf").trim_end_matches(".GGUF");
        // A split model is judged once, on its first shard, with every shard's tensors.
        let shards: Vec<&hearth_models::HubFile> = match shard_of(stem) {
            Some((base, 1)) => files.iter().filter(|g| shard_of(g.path.trim_end_matches(".gguf")).is_some_and(|(b, _)| b == base)).collect(),
            Some(_) => Vec::new(),
            None => vec![f],
        };
        let (fits, predicted_tg_tps, verdict_problem) = if shards.is_empty() {
            (None, None, None)
        } else {
            match remote_verdict(&state, &repo, &shards, token.as_deref()).await {
                Ok((fits, tps)) => (Some(fits), Some(tps), None),
                Err(why) => (None, None, Some(why)),
            }
        };
        out.push(RepoFile { path: f.path.clone(), size_bytes: f.size, sha256: f.sha256.clone(), fits, predicted_tg_tps, verdict_problem });
    }
    Ok(out)
}

#[tauri::command]
pub async fn pull_model(state: State<'_, AppState>, spec: String, file: String, on_progress: Channel<PullEvent>) -> Result<Vec<String>> {
    let (repo, _) = parse_repo_spec(&spec).map_err(models_error)?;
    let (token, _) = tauri::async_runtime::spawn_blocking(hearth_models::access_token).await.map_err(|e| AppError::Invalid(e.to_string()))?;
    let req = PullRequest {
        endpoint: endpoint(),
        repo,
        file,
        dest_dir: state.home.models(),
        token,
        stall_timeout: Duration::from_secs(30),
        attempts: 20,
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    *state.pull_cancel.lock().unwrap() = Some(tx);
    let started = Instant::now();
    let mut first: Option<u64> = None;
    let work = pull(&req, |p| {
        let base = *first.get_or_insert(p.done_bytes);
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let _ = on_progress.send(PullEvent {
            file: p.file.clone(),
            done_bytes: p.done_bytes,
            total_bytes: p.total_bytes,
            bytes_per_s: (p.done_bytes - base) as f64 / secs,
        });
    });
    let result = tokio::select! {
        r = work => r.map_err(models_error),
        _ = rx => Err(AppError::Invalid("the download was paused; its partial file is kept and the next download resumes it".into())),
    };
    state.pull_cancel.lock().unwrap().take();
    Ok(result?.into_iter().map(|p| p.display().to_string()).collect())
}

#[tauri::command]
pub async fn cancel_pull(state: State<'_, AppState>) -> Result<()> {
    if let Some(tx) = state.pull_cancel.lock().unwrap().take() {
        let _ = tx.send(());
    }
    Ok(())
}

pub fn typescript_declarations() -> Vec<String> {
    vec![LibraryEntry::decl(), RepoFile::decl(), PullEvent::decl()]
}
