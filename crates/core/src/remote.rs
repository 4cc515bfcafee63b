//! Remote engines: the OpenAI-compatible servers the user added (vLLM, SGLang, llama-server,
//! Ollama, another Hearth), their models beside the local ones, and choosing one for chat (the
//! engine handle then sends generations there; loading a local model switches back). Keys are
//! kept in the OS keyring (`secrets`), never in the database, and never handed back to the UI.

use hearth_engine_client::{Endpoint, RemoteModel, RemoteTarget};
use hearth_protocol::{AllocatedMemory, ErrorCode, ModelInfo, SamplingSettings};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secrets::KeptIn;
use crate::settings::RemoteServers;
use crate::{Core, CoreError, Result};

/// What a remote model is assumed to hold when its server does not say.
const UNKNOWN_CONTEXT: u32 = 8192;

/// A server as stored in the database: whether it has a key, not the key (that is in the keyring
/// under [`key_name`]).
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredServer {
    name: String,
    base_url: String,
    #[serde(default)]
    has_key: bool,
    /// Rows written before keys moved to the keyring held the key here; it is read once, moved,
    /// and never written again.
    #[serde(default, skip_serializing)]
    api_key: Option<String>,
}

/// Never the key itself.
impl std::fmt::Debug for StoredServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredServer").field("name", &self.name).field("base_url", &self.base_url).field("has_key", &self.has_key).finish()
    }
}

/// The keyring entry of server `name`'s key.
fn key_name(name: &str) -> String {
    format!("remote server {name}")
}

/// A server as the UI sees it: never the key itself.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteServer {
    pub name: String,
    pub base_url: String,
    pub has_key: bool,
    /// Said when the key is not safely kept: only until Hearth quits (no OS keyring), or lost.
    pub key_note: Option<String>,
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

async fn list(e: &Endpoint) -> Result<Vec<RemoteModel>> {
    hearth_engine_client::list_remote_models(e).await.map_err(|e| CoreError::Reported(e.payload()))
}

impl Core {
    /// The servers from the database; keys left there by an older Hearth are moved to the
    /// keyring first (kept where they are when no keyring runs, so nothing is lost).
    fn stored_servers(&self) -> Result<Vec<StoredServer>> {
        let store = self.store.lock();
        let mut servers = store.setting::<RemoteServers>()?;
        let mut moved = false;
        for s in servers.iter_mut() {
            if let Some(key) = s.api_key.clone() {
                if self.keys.put(&key_name(&s.name), &key) == KeptIn::Keyring {
                    (s.api_key, s.has_key, moved) = (None, true, true);
                }
            }
        }
        if moved && servers.iter().all(|s| s.api_key.is_none()) {
            store.set_setting::<RemoteServers>(&servers)?;
        }
        Ok(servers)
    }

    fn view(&self, s: &StoredServer) -> RemoteServer {
        let has_key = s.has_key || s.api_key.is_some();
        let key_note = if s.has_key && s.api_key.is_none() { self.keys.note(&key_name(&s.name)) } else { None };
        RemoteServer { name: s.name.clone(), base_url: s.base_url.clone(), has_key, key_note }
    }

    fn endpoint(&self, s: &StoredServer) -> Result<Endpoint> {
        let key = s.api_key.clone().or_else(|| s.has_key.then(|| self.keys.get(&key_name(&s.name)).map(|(k, _)| k)).flatten());
        Endpoint::new(&s.base_url, key).map_err(|e| CoreError::Reported(e.payload()))
    }

    fn find_server(&self, name: &str) -> Result<StoredServer> {
        self.stored_servers()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| CoreError::new(ErrorCode::NotFound, format!("no remote server named {name:?}")))
    }

    pub fn list_remote_servers(&self) -> Result<Vec<RemoteServer>> {
        Ok(self.stored_servers()?.iter().map(|s| self.view(s)).collect())
    }

    /// Adds (or replaces, by name) a server once it answers with its models; an unreachable
    /// server, a wrong key or an address that is no server is an error and nothing is saved.
    pub async fn add_remote_server(&self, name: &str, base_url: &str, api_key: Option<String>) -> Result<RemoteServerModels> {
        let endpoint = Endpoint::new(base_url, api_key).map_err(|e| CoreError::Reported(e.payload()))?;
        let name = match name.trim() {
            "" => endpoint.host(),
            n => n.to_string(),
        };
        let models = list(&endpoint).await?;
        let server = StoredServer { name: name.clone(), base_url: endpoint.base_url.clone(), has_key: endpoint.api_key.is_some(), api_key: None };
        match &endpoint.api_key {
            Some(key) => {
                self.keys.put(&key_name(&name), key);
            }
            None => self.keys.remove(&key_name(&name)),
        }
        let store = self.store.lock();
        let mut servers = store.setting::<RemoteServers>()?;
        servers.retain(|s| s.name != name);
        servers.push(server.clone());
        store.set_setting::<RemoteServers>(&servers)?;
        Ok(RemoteServerModels { server: self.view(&server), models: models.into_iter().map(Into::into).collect() })
    }

    pub fn remove_remote_server(&self, name: &str) -> Result<()> {
        self.keys.remove(&key_name(name));
        let store = self.store.lock();
        let mut servers = store.setting::<RemoteServers>()?;
        servers.retain(|s| s.name != name);
        Ok(store.set_setting::<RemoteServers>(&servers)?)
    }

    pub async fn remote_models(&self, name: &str) -> Result<Vec<RemoteModelView>> {
        let server = self.find_server(name)?;
        Ok(list(&self.endpoint(&server)?).await?.into_iter().map(Into::into).collect())
    }

    /// Chats go to `model` on server `name` from now on; the model bar shows it.
    pub async fn use_remote_model(&self, name: &str, model: &str) -> Result<ModelInfo> {
        let server = self.find_server(name)?;
        let endpoint = self.endpoint(&server)?;
        let listed = list(&endpoint).await?;
        let Some(found) = listed.into_iter().find(|m| m.id == model) else {
            return Err(CoreError::new(ErrorCode::NotFound, format!("{} does not serve a model named {model:?}", endpoint.host())));
        };
        let context_length = found.context_length.unwrap_or(UNKNOWN_CONTEXT);
        let info = ModelInfo {
            path: format!("{}/{}", endpoint.base_url, model),
            name: model.to_string(),
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
            reasoning_effort: false,
            tool_calls: false,
            memory_notice: None,
            device_reason: None,
            // The remote server queues or batches as it does; the API passes one at a time.
            parallel: 1,
            draft_model: None,
        };
        self.engine.set_remote(Some(RemoteTarget { endpoint, model: model.to_string() }));
        {
            let mut slot = self.model.lock();
            slot.info = Some(info.clone());
            // Nothing for a restarted local engine to reload.
            slot.wanted = None;
        }
        self.api_model_changed(&info.name, info.parallel);
        Ok(info)
    }
}
