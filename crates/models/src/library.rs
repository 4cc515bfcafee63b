//! The library: every GGUF in Hearth's models directory (and folders the user adds), described
//! from its header; the shards of a split model are one model.

use std::path::{Path, PathBuf};

use hearth_gguf::GgufFile;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct LibraryModel {
    pub name: String,
    /// The first (or only) file; llama.cpp loads the other shards beside it.
    pub path: PathBuf,
    pub files: Vec<PathBuf>,
    pub size_bytes: u64,
    pub architecture: Option<String>,
    pub quant: Option<String>,
    pub parameters: Option<u64>,
    pub context_length: Option<u64>,
    /// Known when Hearth downloaded it (verified against the Hub), else `None`.
    pub sha256: Option<String>,
    /// Why the header could not be read, for a damaged file.
    pub problem: Option<String>,
}

/// `x-00002-of-00003` → (`x`, 2); anything else → `None`.
pub fn shard_of(stem: &str) -> Option<(&str, u32)> {
    let parts: Vec<&str> = stem.rsplitn(4, '-').collect();
    (parts.len() == 4 && parts[1] == "of").then_some(())?;
    Some((parts[3], parts[2].parse().ok()?))
}

pub fn list_models(dirs: &[PathBuf]) -> Vec<LibraryModel> {
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("gguf")))
        .collect();
    files.sort();
    let mut out: Vec<LibraryModel> = Vec::new();
    for path in files {
        let stem = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if let Some((base, n)) = shard_of(&stem) {
            if n > 1 {
                if let Some(m) = out.iter_mut().find(|m| m.name == base && m.path.parent() == path.parent()) {
                    m.files.push(path);
                    m.size_bytes += size;
                    continue;
                }
            }
        }
        let name = shard_of(&stem).map_or(stem.clone(), |(b, _)| b.to_string());
        let sha256 = std::fs::read_to_string(sidecar(&path)).ok().map(|s| s.trim().to_string());
        let mut m = LibraryModel {
            name,
            path: path.clone(),
            files: vec![path.clone()],
            size_bytes: size,
            architecture: None,
            quant: None,
            parameters: None,
            context_length: None,
            sha256,
            problem: None,
        };
        match GgufFile::open_model(&path) {
            Ok(g) => {
                let s = g.summary();
                m.architecture = s.architecture;
                m.quant = s.file_type;
                m.parameters = Some(s.parameters);
                m.context_length = s.context_length;
            }
            Err(e) => m.problem = Some(e.to_string()),
        }
        out.push(m);
    }
    out
}

/// Where a verified download's sha256 is kept: `model.gguf.sha256` beside it.
pub fn sidecar(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}
