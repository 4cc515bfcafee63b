//! Typed settings (each one a type naming its key and value; see `hearth_store::Setting`), and
//! the settings a model is launched with: the ones the app saved for its file, with a CLI flag
//! winning over each.

use std::path::Path;

use hearth_protocol::ModelSettings;
use hearth_store::{Setting, Store};

use crate::Result;

/// The model last loaded (by its path), loaded again at the next start.
pub struct LastModel;
impl Setting for LastModel {
    const KEY: &'static str = "last_model";
    type Value = Option<String>;
}

/// Folders the user added to the library, beside Hearth's own models directory.
pub struct ModelFolders;
impl Setting for ModelFolders {
    const KEY: &'static str = "model_folders";
    type Value = Vec<String>;
}

/// The API server's port and reach, whether it has a key (the key is in the OS keyring), and
/// whether it was on.
pub struct ApiServer;
impl Setting for ApiServer {
    const KEY: &'static str = "api_server";
    type Value = crate::api_server::StoredApiServer;
}

/// The remote servers the user added (whether each has a key; the keys are in the OS keyring).
pub struct RemoteServers;
impl Setting for RemoteServers {
    const KEY: &'static str = "remote_servers";
    type Value = Vec<crate::remote::StoredServer>;
}

/// The GGUF that embeds documents for hybrid retrieval (Settings → Documents); none: BM25 only.
/// Its key is the one the Settings page has always written.
pub struct EmbeddingModel;
impl Setting for EmbeddingModel {
    const KEY: &'static str = "ui.embedding_model";
    type Value = Option<String>;
}

/// Flags of a CLI command that override a model's saved settings (`None` / empty: keep them).
#[derive(Debug, Clone, Default)]
pub struct SettingsOverrides {
    pub context_length: Option<u32>,
    pub threads: Option<u32>,
    pub gpu_layers: Option<u32>,
    pub devices: Vec<String>,
    pub n_cpu_moe: Option<u32>,
    pub kv_cache_type: Option<hearth_protocol::KvCacheType>,
    pub flash_attention: Option<hearth_protocol::FlashAttention>,
    pub batch_size: Option<u32>,
    pub ubatch_size: Option<u32>,
    /// `Some(false)`: read the whole file into memory instead of mapping it.
    pub mmap: Option<bool>,
    pub mlock: Option<bool>,
    /// Speculative decoding (`--draft`).
    pub draft: Option<hearth_protocol::DraftKind>,
    /// The draft model's file (`--draft FILE`).
    pub draft_model: Option<String>,
    /// RPC servers whose devices take layers (`--rpc`).
    pub rpc: Vec<String>,
    /// Answers side by side (`hearth serve --parallel`).
    pub parallel: Option<u32>,
}

/// The settings saved for a model file: looked up by the path as given, then by its canonical
/// form (the app saves absolute paths; a CLI user may type a relative one).
pub fn saved_model_settings(store: &Store, path: &Path) -> Result<Option<ModelSettings>> {
    if let Some(s) = store.model_settings(&path.display().to_string())? {
        return Ok(Some(s));
    }
    match std::fs::canonicalize(path) {
        Ok(canonical) if canonical != path => Ok(store.model_settings(&canonical.display().to_string())?),
        _ => Ok(None),
    }
}

/// What a command launches `path` with: the saved settings (else the defaults), each flag given
/// winning over its saved value.
pub fn launch_settings(store: &Store, path: &Path, flags: &SettingsOverrides) -> Result<ModelSettings> {
    Ok(flags.apply(saved_model_settings(store, path)?.unwrap_or_default()))
}

impl SettingsOverrides {
    /// `settings` with each flag given put in.
    pub fn apply(&self, mut settings: ModelSettings) -> ModelSettings {
        if self.context_length.is_some() {
            settings.context_length = self.context_length;
        }
        if self.threads.is_some() {
            settings.threads = self.threads;
        }
        if self.gpu_layers.is_some() {
            settings.gpu_layers = self.gpu_layers;
        }
        if !self.devices.is_empty() {
            settings.devices = self.devices.clone();
        }
        if self.n_cpu_moe.is_some() {
            settings.n_cpu_moe = self.n_cpu_moe;
        }
        if self.ubatch_size.is_some() {
            settings.ubatch_size = self.ubatch_size;
        }
        settings.kv_cache_type = self.kv_cache_type.unwrap_or(settings.kv_cache_type);
        settings.flash_attention = self.flash_attention.unwrap_or(settings.flash_attention);
        settings.batch_size = self.batch_size.unwrap_or(settings.batch_size);
        settings.mmap = self.mmap.unwrap_or(settings.mmap);
        settings.mlock = self.mlock.unwrap_or(settings.mlock);
        settings.draft = self.draft.unwrap_or(settings.draft);
        if self.parallel.is_some() {
            settings.parallel = self.parallel;
        }
        if self.draft_model.is_some() {
            settings.draft_model = self.draft_model.clone();
        }
        if !self.rpc.is_empty() {
            settings.rpc = self.rpc.clone();
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_protocol::{FlashAttention, KvCacheType};

    #[test]
    fn saved_settings_are_used_and_each_flag_wins_over_its_own_value() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        let model = dir.path().join("m.gguf");
        std::fs::write(&model, b"GGUF").unwrap();
        let saved = ModelSettings {
            context_length: Some(2048),
            threads: Some(3),
            kv_cache_type: KvCacheType::Q8_0,
            flash_attention: FlashAttention::On,
            ..Default::default()
        };
        store.set_model_settings(&model.display().to_string(), &saved).unwrap();

        assert_eq!(launch_settings(&store, &model, &SettingsOverrides::default()).unwrap(), saved);
        let flags = SettingsOverrides { context_length: Some(512), ..Default::default() };
        let launched = launch_settings(&store, &model, &flags).unwrap();
        assert_eq!(launched.context_length, Some(512));
        assert_eq!((launched.threads, launched.kv_cache_type), (Some(3), KvCacheType::Q8_0), "unflagged settings stay saved");
    }

    #[test]
    fn a_relative_path_finds_the_settings_saved_for_its_absolute_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        let model = dir.path().join("m.gguf");
        std::fs::write(&model, b"GGUF").unwrap();
        let saved = ModelSettings { context_length: Some(1024), ..Default::default() };
        store.set_model_settings(&model.canonicalize().unwrap().display().to_string(), &saved).unwrap();
        let relative = Path::new(".").join(model.strip_prefix("/").unwrap());
        let from_root = std::env::current_dir().unwrap();
        // A path relative to the working directory, spelled the long way round.
        let relative = Path::new(&"../".repeat(from_root.components().count())).join(relative);
        assert_eq!(saved_model_settings(&store, &relative).unwrap(), Some(saved));
    }
}
