//! Saved sequence states on disk (issue 21): after an answer the engine writes the conversation's
//! KV cache here, and opening it again restores it instead of reading the whole prompt again.
//!
//! One file per owner (a conversation) and model key: `{tag}-{key16}.state`, holding
//! `HEARTHKV`, a format version, a JSON header (what the state is valid for and the token ids it
//! covers) and llama.cpp's own sequence bytes. A file is written beside its final name and
//! renamed, so a reader sees the old file or the new one, never half of one; the payload's
//! length and CRC-32 are checked before llama.cpp reads a byte of it. This crate knows nothing
//! of llama.cpp: the engine fills and reads payloads, the app's core measures, budgets and
//! deletes the files.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 8] = b"HEARTHKV";
const FORMAT: u32 = 1;
const EXTENSION: &str = "state";
/// A header is token ids and a few strings; 64 MiB holds a 4M-token context's ids as JSON.
const MAX_HEADER: u32 = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a Hearth state file")]
    NotAStateFile,
    #[error("written by another Hearth (format {0})")]
    OtherFormat(u32),
    #[error("its header is damaged: {0}")]
    BadHeader(String),
    #[error("it is cut short: {actual} of {expected} bytes")]
    Truncated { expected: u64, actual: u64 },
    #[error("its checksum does not match: the file is damaged")]
    Checksum,
}

/// What a saved state is valid for, and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateHeader {
    /// The model file and the settings that shape its cache, hashed (the engine's `StateKey`).
    pub model_key: String,
    /// Whose state this is (`conversation-12`); the file is named after it.
    pub tag: String,
    /// The chat template the prompt was rendered with.
    pub template: String,
    /// The token ids whose KV entries the payload holds, from position 0.
    pub tokens: Vec<i32>,
    pub payload_len: u64,
    pub payload_crc32: u32,
}

/// A state file as the directory lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateFile {
    pub path: PathBuf,
    pub tag: String,
    pub bytes: u64,
    pub modified: SystemTime,
}

/// Tags name files: letters, digits, `-` and `_`, at most 64.
pub fn tag_is_valid(tag: &str) -> bool {
    !tag.is_empty() && tag.len() <= 64 && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The file that holds `tag`'s state for the model key.
pub fn path_for(dir: &Path, tag: &str, model_key: &str) -> PathBuf {
    let short: String = model_key.chars().take(16).collect();
    dir.join(format!("{tag}-{short}.{EXTENSION}"))
}

/// Writes a state (its checksum computed here) beside its final name, then renames it into place.
pub fn write(dir: &Path, mut header: StateHeader, payload: &[u8]) -> Result<PathBuf, StateFileError> {
    if !tag_is_valid(&header.tag) {
        return Err(StateFileError::BadHeader(format!("{:?} cannot name a file", header.tag)));
    }
    header.payload_len = payload.len() as u64;
    header.payload_crc32 = crc32fast::hash(payload);
    let json = serde_json::to_vec(&header).map_err(|e| StateFileError::BadHeader(e.to_string()))?;
    std::fs::create_dir_all(dir)?;
    let path = path_for(dir, &header.tag, &header.model_key);
    let partial = path.with_extension("partial");
    let written = (|| -> std::io::Result<()> {
        let mut f = std::io::BufWriter::with_capacity(1 << 20, File::create(&partial)?);
        f.write_all(MAGIC)?;
        f.write_all(&FORMAT.to_le_bytes())?;
        f.write_all(&(json.len() as u32).to_le_bytes())?;
        f.write_all(&json)?;
        f.write_all(payload)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_data()?;
        std::fs::rename(&partial, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    Ok(path)
}

fn read_header_from(f: &mut impl Read) -> Result<StateHeader, StateFileError> {
    let mut fixed = [0u8; 16];
    f.read_exact(&mut fixed).map_err(|_| StateFileError::NotAStateFile)?;
    if &fixed[..8] != MAGIC {
        return Err(StateFileError::NotAStateFile);
    }
    let format = u32::from_le_bytes(fixed[8..12].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(StateFileError::OtherFormat(format));
    }
    let len = u32::from_le_bytes(fixed[12..16].try_into().expect("4 bytes"));
    if len > MAX_HEADER {
        return Err(StateFileError::BadHeader(format!("a {len}-byte header")));
    }
    let mut json = vec![0u8; len as usize];
    f.read_exact(&mut json).map_err(|_| StateFileError::BadHeader("cut short".into()))?;
    serde_json::from_slice(&json).map_err(|e| StateFileError::BadHeader(e.to_string()))
}

/// The header alone (to index the directory without reading the states).
pub fn read_header(path: &Path) -> Result<StateHeader, StateFileError> {
    read_header_from(&mut std::io::BufReader::new(File::open(path)?))
}

/// The header and the payload, the payload's length and checksum verified.
pub fn read(path: &Path) -> Result<(StateHeader, Vec<u8>), StateFileError> {
    let mut f = File::open(path)?;
    let header = read_header_from(&mut f)?;
    let mut payload = Vec::with_capacity(header.payload_len.min(1 << 34) as usize);
    f.take(header.payload_len.saturating_add(1)).read_to_end(&mut payload)?;
    if payload.len() as u64 != header.payload_len {
        return Err(StateFileError::Truncated { expected: header.payload_len, actual: payload.len() as u64 });
    }
    if crc32fast::hash(&payload) != header.payload_crc32 {
        return Err(StateFileError::Checksum);
    }
    Ok((header, payload))
}

/// Marks a state as just used, for the least-recently-used order.
pub fn touch(path: &Path) {
    if let Ok(f) = File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// The state files in `dir`, oldest first.
pub fn list(dir: &Path) -> Vec<StateFile> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<StateFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            if path.extension().is_none_or(|x| x != EXTENSION) {
                return None;
            }
            let stem = path.file_stem()?.to_str()?;
            let tag = stem.rsplit_once('-')?.0.to_string();
            let meta = e.metadata().ok()?;
            Some(StateFile { tag, bytes: meta.len(), modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), path })
        })
        .collect();
    files.sort_by_key(|f| f.modified);
    files
}

/// Bytes the state files in `dir` take.
pub fn usage(dir: &Path) -> u64 {
    list(dir).iter().map(|f| f.bytes).sum()
}

/// Deletes the least recently used states until the rest fit `budget`; `keep` (the state just
/// written) goes last, and only if it alone is over the budget. Returns what was deleted.
/// Writes an engine killed mid-way left behind go too, once they are an hour old.
pub fn evict_to(dir: &Path, budget: u64, keep: Option<&Path>) -> Vec<PathBuf> {
    remove_stale_partials(dir);
    let mut files = list(dir);
    // The kept file moves to the end: the last to go.
    files.sort_by_key(|f| (Some(f.path.as_path()) == keep, f.modified));
    let mut total: u64 = files.iter().map(|f| f.bytes).sum();
    let mut removed = Vec::new();
    for f in files {
        if total <= budget {
            break;
        }
        if std::fs::remove_file(&f.path).is_ok() {
            total -= f.bytes;
            removed.push(f.path);
        }
    }
    removed
}

fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in entries.filter_map(Result::ok) {
        let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < hour_ago);
        if old && e.path().extension().is_some_and(|x| x == "partial") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Deletes every state of `tag` (a deleted conversation's), for any model.
pub fn remove_tag(dir: &Path, tag: &str) -> u32 {
    list(dir).into_iter().filter(|f| f.tag == tag).filter(|f| std::fs::remove_file(&f.path).is_ok()).count() as u32
}

/// Deletes every state file, and files a write left behind.
pub fn clear(dir: &Path) -> u32 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == EXTENSION || x == "partial"))
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(tag: &str) -> StateHeader {
        StateHeader {
            model_key: "0123456789abcdef0123".into(),
            tag: tag.into(),
            template: "model".into(),
            tokens: vec![1, 2, 3],
            payload_len: 0,
            payload_crc32: 0,
        }
    }

    #[test]
    fn a_state_round_trips_and_damage_is_found_before_it_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        let path = write(dir.path(), header("conversation-1"), &payload).unwrap();
        assert_eq!(path.file_name().unwrap(), "conversation-1-0123456789abcdef.state");
        let (h, p) = read(&path).unwrap();
        assert_eq!((h.tokens.as_slice(), p.len()), (&[1, 2, 3][..], payload.len()));
        assert_eq!(read_header(&path).unwrap(), h);

        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 10] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(read(&path), Err(StateFileError::Checksum)));

        std::fs::write(&path, &bytes[..n - 1000]).unwrap();
        assert!(matches!(read(&path), Err(StateFileError::Truncated { .. })));
        std::fs::write(&path, &bytes[..20]).unwrap();
        assert!(matches!(read(&path), Err(StateFileError::BadHeader(_))));
        std::fs::write(&path, b"GGUF and more").unwrap();
        assert!(matches!(read(&path), Err(StateFileError::NotAStateFile)));
    }

    #[test]
    fn the_budget_drops_the_least_recently_used_and_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..4 {
            let p = write(dir.path(), header(&format!("conversation-{i}")), &[0u8; 1000]).unwrap();
            let f = File::options().append(true).open(&p).unwrap();
            f.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i)).unwrap();
            paths.push(p);
        }
        touch(&paths[0]);
        let each = list(dir.path())[0].bytes;
        let removed = evict_to(dir.path(), each * 2, Some(&paths[1]));
        assert_eq!(removed, vec![paths[2].clone(), paths[3].clone()]);
        assert_eq!(usage(dir.path()), each * 2);
        // A state bigger than the whole budget is not kept either.
        assert_eq!(evict_to(dir.path(), 10, Some(&paths[1])).last(), Some(&paths[1]));
    }

    #[test]
    fn a_deleted_conversation_loses_its_states_and_only_its_own() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), header("conversation-1"), b"a").unwrap();
        write(dir.path(), header("conversation-12"), b"b").unwrap();
        write(dir.path(), StateHeader { model_key: "ffff000011112222".into(), ..header("conversation-1") }, b"c").unwrap();
        assert_eq!(remove_tag(dir.path(), "conversation-1"), 2);
        assert_eq!(list(dir.path()).iter().map(|f| f.tag.as_str()).collect::<Vec<_>>(), ["conversation-12"]);
        assert!(!tag_is_valid("../x") && !tag_is_valid("") && tag_is_valid("api_1-x"));
        assert!(write(dir.path(), header("../escape"), b"x").is_err());
        assert_eq!(clear(dir.path()), 1);
    }
}
