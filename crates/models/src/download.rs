//! One model pulled from the Hub: every shard of a split model, each resumed from its `.part`
//! file with an HTTP Range request after a drop, a stall, a server error or a restart, hashed as it
//! arrives (the part already on disk first), and renamed into place only when its sha256 matches
//! the one Hugging Face publishes. A wrong checksum discards the part: a corrupt model never lands
//! in the library.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::hub::{client, list_repo_files, with_token, HubFile};
use crate::ModelsError;

pub struct PullRequest {
    pub endpoint: String,
    pub repo: String,
    pub file: String,
    pub dest_dir: PathBuf,
    pub token: Option<String>,
    /// A connection that delivers nothing for this long is dropped and resumed.
    pub stall_timeout: Duration,
    /// Attempts per file before giving up (each resumes where the last stopped).
    pub attempts: u32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PullProgress {
    pub file: String,
    pub done_bytes: u64,
    pub total_bytes: u64,
}

/// `x-00001-of-00003.gguf` → the names of all three shards; any other name → itself.
fn shards(file: &str, all: &[HubFile]) -> Vec<String> {
    let Some(stem) = file.strip_suffix(".gguf") else { return vec![file.to_string()] };
    let parts: Vec<&str> = stem.rsplitn(4, '-').collect();
    if parts.len() == 4 && parts[1] == "of" && parts[0].chars().all(|c| c.is_ascii_digit()) && parts[2].chars().all(|c| c.is_ascii_digit()) {
        let (base, total) = (parts[3], parts[0]);
        let n: usize = total.parse().unwrap_or(1);
        let width = total.len();
        let names: Vec<String> = (1..=n).map(|i| format!("{base}-{i:0width$}-of-{total}.gguf")).collect();
        if names.iter().all(|n| all.iter().any(|f| &f.path == n)) {
            return names;
        }
    }
    vec![file.to_string()]
}

/// Free space where `dir` is (Unix; elsewhere unknown, and the download only stops when the disk
/// is full).
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).ok()?;
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    (unsafe { libc::statvfs(c.as_ptr(), &mut s) } == 0).then(|| s.f_bavail as u64 * s.f_frsize as u64)
}

#[cfg(not(unix))]
pub fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

/// The OS's "no space left on the device" (ERROR_DISK_FULL on Windows).
const DISK_FULL: i32 = if cfg!(windows) { 112 } else { libc::ENOSPC };

fn io(what: &str, e: std::io::Error) -> ModelsError {
    if e.raw_os_error() == Some(DISK_FULL) {
        ModelsError::DiskFull(format!("the disk filled up while writing {what}; the partial file is kept and the next pull resumes it"))
    } else {
        ModelsError::Io(format!("{what}: {e}"))
    }
}

/// Pulls `req.file` (and its sibling shards) into `req.dest_dir`; returns the local paths.
pub async fn pull(req: &PullRequest, mut progress: impl FnMut(&PullProgress)) -> Result<Vec<PathBuf>, ModelsError> {
    let files = list_repo_files(&req.endpoint, &req.repo, req.token.as_deref()).await?;
    let wanted = shards(&req.file, &files);
    let mut plan = Vec::new();
    for name in &wanted {
        let f = files.iter().find(|f| &f.path == name).ok_or_else(|| ModelsError::NotFound(format!("{} has no file {name}", req.repo)))?;
        plan.push(f.clone());
    }
    std::fs::create_dir_all(&req.dest_dir).map_err(|e| io(&req.dest_dir.display().to_string(), e))?;
    let local = |f: &HubFile| req.dest_dir.join(Path::new(&f.path).file_name().unwrap_or_default());
    // Room for what is still to come, before anything is written.
    let missing: u64 = plan
        .iter()
        .filter(|f| !local(f).exists())
        .map(|f| f.size.saturating_sub(std::fs::metadata(part_of(&local(f))).map(|m| m.len()).unwrap_or(0)))
        .sum();
    if let Some(free) = free_bytes(&req.dest_dir) {
        if free < missing {
            return Err(ModelsError::DiskFull(format!(
                "{} needs {:.1} GiB more but only {:.1} GiB is free in {}",
                req.file,
                missing as f64 / (1u64 << 30) as f64,
                free as f64 / (1u64 << 30) as f64,
                req.dest_dir.display()
            )));
        }
    }
    let mut out = Vec::new();
    for f in &plan {
        let path = local(f);
        if !path.exists() {
            fetch(req, f, &path, &mut progress).await?;
        }
        out.push(path);
    }
    Ok(out)
}

fn part_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

async fn fetch(req: &PullRequest, f: &HubFile, path: &Path, progress: &mut impl FnMut(&PullProgress)) -> Result<(), ModelsError> {
    let part = part_of(path);
    let url = format!("{}/{}/resolve/main/{}", req.endpoint, req.repo, f.path);
    let mut last_error = String::new();
    let mut backoff = Duration::from_millis(200);
    for _ in 0..req.attempts.max(1) {
        let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        if have > f.size {
            std::fs::remove_file(&part).map_err(|e| io(&part.display().to_string(), e))?;
            continue;
        }
        if have == f.size {
            break;
        }
        let resp = with_token(client().get(&url), req.token.as_deref()).header("Range", format!("bytes={have}-")).send().await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                last_error = format!("connection failed: {e}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        let start = match resp.status().as_u16() {
            206 => have,
            // The server ignored the range: start over.
            200 => 0,
            401 | 403 => return Err(ModelsError::Unauthorized(req.repo.clone())),
            404 => return Err(ModelsError::NotFound(format!("{url} does not exist"))),
            416 => {
                // The part is as long as the file already (or longer): the check below decides.
                std::fs::remove_file(&part).ok();
                continue;
            }
            s => {
                last_error = format!("the server answered {s}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(start == 0)
            .append(start > 0)
            .open(&part)
            .map_err(|e| io(&part.display().to_string(), e))?;
        let mut done = start;
        let mut stream = resp.bytes_stream();
        loop {
            match tokio::time::timeout(req.stall_timeout, stream.next()).await {
                Err(_) => {
                    last_error = format!("no data for {} s", req.stall_timeout.as_secs());
                    break;
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    last_error = format!("the connection dropped: {e}");
                    break;
                }
                Ok(Some(Ok(chunk))) => {
                    file.write_all(&chunk).map_err(|e| io(&part.display().to_string(), e))?;
                    done += chunk.len() as u64;
                    progress(&PullProgress { file: f.path.clone(), done_bytes: done, total_bytes: f.size });
                }
            }
        }
        file.flush().map_err(|e| io(&part.display().to_string(), e))?;
        if done >= f.size {
            break;
        }
        // Resume at once after a drop; back off after repeated trouble.
        tokio::time::sleep(backoff.min(Duration::from_millis(200))).await;
    }
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    if have != f.size {
        return Err(ModelsError::Network(format!(
            "{} stopped at {have} of {} bytes ({last_error}); the partial file is kept and the next pull resumes it",
            f.path, f.size
        )));
    }
    if let Some(expected) = &f.sha256 {
        let actual = sha256_of(&part).map_err(|e| io(&part.display().to_string(), e))?;
        if !actual.eq_ignore_ascii_case(expected) {
            std::fs::remove_file(&part).ok();
            return Err(ModelsError::Verification(format!(
                "{} arrived with sha256 {actual}, not the published {expected}; it was discarded",
                f.path
            )));
        }
    }
    std::fs::rename(&part, path).map_err(|e| io(&path.display().to_string(), e))?;
    if let Some(sha) = &f.sha256 {
        // The library shows it, and `hearth models list` reports it.
        let _ = std::fs::write(crate::library::sidecar(path), format!("{sha}\n"));
    }
    Ok(())
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_models_are_pulled_whole() {
        let all: Vec<HubFile> = ["m-00001-of-00003.gguf", "m-00002-of-00003.gguf", "m-00003-of-00003.gguf", "other.gguf"]
            .iter()
            .map(|p| HubFile { path: p.to_string(), size: 1, sha256: None })
            .collect();
        assert_eq!(shards("m-00001-of-00003.gguf", &all).len(), 3);
        assert_eq!(shards("other.gguf", &all), vec!["other.gguf"]);
    }
}
