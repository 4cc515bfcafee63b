//! Where Hearth keeps its files: `$HEARTH_HOME` if set (tests, portable installs), otherwise the
//! platform's data directory (`~/.local/share/hearth` on Linux).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct HearthHome {
    root: PathBuf,
}

impl HearthHome {
    pub fn from_env() -> HearthHome {
        let root = std::env::var_os("HEARTH_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("hearth"));
        HearthHome { root }
    }

    pub fn at(root: impl Into<PathBuf>) -> HearthHome {
        HearthHome { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn database(&self) -> PathBuf {
        self.root.join("hearth.db")
    }
    pub fn models(&self) -> PathBuf {
        self.root.join("models")
    }
    /// Conversations' sequence states kept by the engine (`hearth-prompt-cache` files).
    pub fn prompt_cache(&self) -> PathBuf {
        self.root.join("prompt-cache")
    }

    /// The `.gguf` files directly in the models directory, sorted by name.
    pub fn model_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.models()) else { return Vec::new() };
        let mut files: Vec<PathBuf> =
            entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("gguf"))).collect();
        files.sort();
        files
    }
}
