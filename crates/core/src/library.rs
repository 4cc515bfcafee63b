//! The model library: GGUFs in Hearth's models directory and the folders the user added (split
//! models as one), each with the advisor's verdict for this machine; removing and revealing a
//! model; a Hugging Face repo's GGUF files with their verdicts (from headers read by HTTP Range
//! before any download); downloads that stream progress and pause (the `.part` is kept and the
//! next download resumes it); the access token in the OS keyring.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hearth_advisor::{Fit, HardwareSpec, ModelShape};
use hearth_models::{
    endpoint, fetch_gguf_header, list_models, list_repo_files, parse_repo_spec, pull, shard_of, sidecar, HubFile, HubSearchPage, HubSort, PullRequest,
};
use hearth_protocol::ErrorCode;
use serde::Serialize;
use ts_rs::TS;

use crate::advisor::verdict_for;
use crate::error::join_error;
use crate::settings::ModelFolders;
use crate::{Core, CoreError, Result};

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

#[derive(Debug, Clone, Serialize, TS)]
pub struct PullEvent {
    pub file: String,
    #[ts(type = "number")]
    pub done_bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
    pub bytes_per_s: f64,
}

/// A download's speed: bytes fetched by this run over its time, per file. A resumed file or the
/// next shard of a split model starts with bytes already on disk, which are not this run's.
#[derive(Debug, Default)]
pub struct TransferRate {
    /// Each file's first `done_bytes` seen, and when.
    started: HashMap<String, (u64, Instant)>,
}

impl TransferRate {
    pub fn bytes_per_s(&mut self, file: &str, done_bytes: u64, now: Instant) -> f64 {
        let (base, since) = *self.started.entry(file.to_string()).or_insert((done_bytes, now));
        let secs = now.duration_since(since).as_secs_f64().max(0.001);
        // A restarted transfer (a server that ignored the Range) can report fewer bytes than the
        // first sample: no speed rather than a wrapped-around one.
        done_bytes.saturating_sub(base) as f64 / secs
    }
}

impl Core {
    /// Folders the user added to the library (beside Hearth's own models directory).
    pub fn model_folders(&self) -> Result<Vec<String>> {
        Ok(self.store.lock().setting::<ModelFolders>()?)
    }

    /// Adds a folder whose GGUF files join the library (they stay where they are).
    pub fn add_model_folder(&self, path: &str) -> Result<Vec<String>> {
        if !std::path::Path::new(path).is_dir() {
            return Err(CoreError::new(ErrorCode::NotFound, format!("{path} is not a folder")));
        }
        let store = self.store.lock();
        let mut folders = store.setting::<ModelFolders>()?;
        if !folders.iter().any(|f| f == path) {
            folders.push(path.to_string());
        }
        store.set_setting::<ModelFolders>(&folders)?;
        Ok(folders)
    }

    /// Takes a folder out of the library; its files are not touched.
    pub fn remove_model_folder(&self, path: &str) -> Result<Vec<String>> {
        let store = self.store.lock();
        let folders: Vec<String> = store.setting::<ModelFolders>()?.into_iter().filter(|f| f != path).collect();
        store.set_setting::<ModelFolders>(&folders)?;
        Ok(folders)
    }

    /// Every model of the library with its verdict for this machine (reads headers: call off the UI thread).
    pub fn library(&self) -> Result<Vec<LibraryEntry>> {
        let dir = self.home.models();
        // This machine as the advisor sees it, calibrated by its benchmark runs.
        let machine = self.this_machine();
        let mut dirs = vec![dir.clone()];
        dirs.extend(self.model_folders()?.into_iter().map(std::path::PathBuf::from));
        Ok(list_models(&dirs)
            .into_iter()
            .map(|m| {
                let verdict = ModelShape::from_gguf_file(&m.path).ok().and_then(|shape| verdict_for(&shape, &machine));
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
            .collect())
    }

    /// Removes a library model (all its shards); only files inside Hearth's models directory.
    pub fn remove_model(&self, path: &str) -> Result<()> {
        let dir = self.home.models();
        let models = list_models(std::slice::from_ref(&dir));
        let m = models
            .iter()
            .find(|m| m.path.display().to_string() == path)
            .ok_or_else(|| CoreError::new(ErrorCode::NotFound, format!("{path} is not a model in {}", dir.display())))?;
        for f in &m.files {
            std::fs::remove_file(f).map_err(|e| CoreError::new(ErrorCode::Io, format!("removing {}: {e}", f.display())))?;
            let _ = std::fs::remove_file(sidecar(f));
        }
        Ok(())
    }

    /// The advisor's row for a remote model: the headers of all its shards (tensors merged into
    /// the first), judged for this machine.
    async fn remote_verdict(
        &self,
        repo: &str,
        shards: &[&HubFile],
        token: Option<&str>,
        machine: &HardwareSpec,
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
        let row = verdict_for(&shape, machine).ok_or("the advisor has no row for this file")?;
        Ok((row.fits, row.predicted.tg_tps))
    }

    /// GGUF repos on the Hub (or `HF_ENDPOINT`) matching `query`, 30 a page, with the user's
    /// token; `page` is an earlier answer's `next`.
    pub async fn search_hub(&self, query: &str, sort: HubSort, page: Option<&str>) -> Result<HubSearchPage> {
        let token = access_token().await?;
        Ok(hearth_models::search_models(&endpoint(), query, sort, 30, token.as_deref(), page).await?)
    }

    /// A Hugging Face repo's GGUF files, each model (a split one once) with its verdict.
    pub async fn repo_files(&self, spec: &str) -> Result<Vec<RepoFile>> {
        let (repo, _) = parse_repo_spec(spec)?;
        let token = access_token().await?;
        let files = list_repo_files(&endpoint(), &repo, token.as_deref()).await?;
        // The machine is probed once for all the repo's files.
        let store = self.store.clone();
        let machine = tokio::task::spawn_blocking(move || crate::advisor::machine_with_runs_in(&store))
            .await
            .map_err(|e| join_error("reading the machine", e))?;
        let mut out = Vec::new();
        for f in &files {
            let stem = f.path.trim_end_matches(".gguf").trim_end_matches(".GGUF");
            // A split model is judged once, on its first shard, with every shard's tensors.
            let shards: Vec<&HubFile> = match shard_of(stem) {
                Some((base, 1)) => files.iter().filter(|g| shard_of(g.path.trim_end_matches(".gguf")).is_some_and(|(b, _)| b == base)).collect(),
                Some(_) => Vec::new(),
                None => vec![f],
            };
            let (fits, predicted_tg_tps, verdict_problem) = if shards.is_empty() {
                (None, None, None)
            } else {
                match self.remote_verdict(&repo, &shards, token.as_deref(), &machine).await {
                    Ok((fits, tps)) => (Some(fits), Some(tps), None),
                    Err(why) => (None, None, Some(why)),
                }
            };
            out.push(RepoFile { path: f.path.clone(), size_bytes: f.size, sha256: f.sha256.clone(), fits, predicted_tg_tps, verdict_problem });
        }
        Ok(out)
    }

    /// Downloads `file` of repo `spec` into the models directory; `pause_pull` stops it with
    /// `CANCELLED`, keeping the partial file for the next download to resume.
    pub async fn pull_model(&self, spec: &str, file: &str, on_progress: impl Fn(PullEvent)) -> Result<Vec<String>> {
        let (repo, _) = parse_repo_spec(spec)?;
        let token = access_token().await?;
        let req = PullRequest {
            endpoint: endpoint(),
            repo,
            file: file.to_string(),
            dest_dir: self.home.models(),
            token,
            stall_timeout: Duration::from_secs(30),
            attempts: 20,
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        *self.pull_cancel.0.lock() = Some(tx);
        let mut rate = TransferRate::default();
        let work = pull(&req, |p| {
            let bytes_per_s = rate.bytes_per_s(&p.file, p.done_bytes, Instant::now());
            on_progress(PullEvent { file: p.file.clone(), done_bytes: p.done_bytes, total_bytes: p.total_bytes, bytes_per_s });
        });
        let result = tokio::select! {
            r = work => r.map_err(CoreError::from),
            _ = rx => Err(CoreError::new(ErrorCode::Cancelled, "the download was paused; its partial file is kept and the next download resumes it")),
        };
        self.pull_cancel.0.lock().take();
        Ok(result?.into_iter().map(|p| p.display().to_string()).collect())
    }

    pub fn pause_pull(&self) -> Result<()> {
        self.pull_cancel.cancel();
        Ok(())
    }
}

/// The Hugging Face token (environment first, then the keyring) and where it came from, read off
/// the async threads.
async fn token_and_source() -> Result<(Option<String>, hearth_models::TokenSource)> {
    tokio::task::spawn_blocking(hearth_models::access_token).await.map_err(|e| join_error("reading the access token", e))
}

async fn access_token() -> Result<Option<String>> {
    Ok(token_and_source().await?.0)
}

/// Where the Hugging Face token in use comes from: `environment`, `keyring` or `none`.
pub async fn hf_token_status() -> Result<String> {
    let (_, source) = token_and_source().await?;
    Ok(serde_json::to_value(source).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
}

/// Stores the token in the OS keyring (never in a file); refused when there is no keyring.
pub async fn set_hf_token(token: String) -> Result<()> {
    Ok(tokio::task::spawn_blocking(move || hearth_models::store_token(&token)).await.map_err(|e| join_error("the keyring", e))??)
}

pub async fn clear_hf_token() -> Result<()> {
    Ok(tokio::task::spawn_blocking(hearth_models::clear_token).await.map_err(|e| join_error("the keyring", e))??)
}

/// Shows a model in the system's file manager: its folder opened with the file selected where the
/// platform can (macOS `open -R`, Windows `explorer /select,`), else the folder (`xdg-open`).
pub fn reveal_model(path: &str) -> Result<()> {
    let file = std::path::Path::new(path);
    if !file.exists() {
        return Err(CoreError::new(ErrorCode::NotFound, format!("{path} does not exist")));
    }
    let dir = file.parent().unwrap_or(file).to_path_buf();
    let cmd = if cfg!(target_os = "macos") {
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
    // The file manager outlives the call; it is not waited for.
    crate::app_core::launch_detached(cmd, "file manager")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_of_a_second_shard_does_not_underflow() {
        // Regression: the app subtracted the first file's first `done_bytes` from every later
        // sample on u64, which wrapped around (a panic in debug builds) when the second shard of a
        // split model started below it.
        let mut rate = TransferRate::default();
        let t0 = Instant::now();
        assert_eq!(rate.bytes_per_s("m-00001-of-00002.gguf", 5_000_000, t0), 0.0);
        let first = rate.bytes_per_s("m-00001-of-00002.gguf", 7_000_000, t0 + Duration::from_secs(1));
        assert!((first - 2_000_000.0).abs() < 1.0, "{first}");
        rate.bytes_per_s("m-00002-of-00002.gguf", 1_000, t0 + Duration::from_secs(2));
        let second = rate.bytes_per_s("m-00002-of-00002.gguf", 1_001_000, t0 + Duration::from_secs(3));
        assert!((second - 1_000_000.0).abs() < 1.0, "{second}");
    }

    #[test]
    fn a_restarted_transfer_reports_no_speed_rather_than_a_wrapped_one() {
        let mut rate = TransferRate::default();
        let t0 = Instant::now();
        rate.bytes_per_s("m.gguf", 9_000, t0);
        assert_eq!(rate.bytes_per_s("m.gguf", 10, t0 + Duration::from_secs(1)), 0.0);
    }
}
