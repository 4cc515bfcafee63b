//! Remote engines: the OpenAI-compatible servers the user added (vLLM, SGLang, llama-server,
//! Ollama, another Hearth), their models beside the local ones, and choosing one for chat (the
//! engine handle then sends generations there; loading a local model switches back). Keys are
//! kept in the database and never handed back to the UI.

use hearth_engine_client::{Endpoint, RemoteModel, RemoteTarget};
use hearth_protocol::{AllocatedMemory, ErrorCode, ModelInfo, SamplingSettings};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::settings::RemoteServers;
use crate::{Core, CoreError, Result};

/// What a remote model is assumed to hold when its server does not say.
const UNKNOWN_CONTEXT: u32 = 8192;

/// A server as stored (the key included).
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredServer {
    name: String,
    base_url: String,
    api_key: Option<String>,
}

/// Never the key itself.
impl std::fmt::Debug for StoredServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredServer").field("name", &self.name).field("base_url", &self.base_url).field("has_key", &self.api_key.is_some()).finish()
    }
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

fn endpoint(s: &StoredServer) -> Result<Endpoint> {
    Endpoint::new(&s.base_url, s.api_key.clone()).map_err(|e| CoreError::Reported(e.payload()))
}

async fn list(e: &Endpoint) -> Result<Vec<RemoteModel>> {
    hearth_engine_client::list_remote_models(e).await.map_err(|e| CoreError::Reported(e.payload()))
}

impl Core {
    fn stored_servers(&self) -> Result<Vec<StoredServer>> {
        Ok(self.store.lock().setting::<RemoteServers>()?)
    }

    fn find_server(&self, name: &str) -> Result<StoredServer> {
        self.stored_servers()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| CoreError::new(ErrorCode::NotFound, format!("no remote server named {name:?}")))
    }

    pub fn list_remote_servers(&self) -> Result<Vec<RemoteServer>> {
        Ok(self.stored_servers()?.iter().map(view).collect())
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
        let server = StoredServer { name: name.clone(), base_url: endpoint.base_url.clone(), api_key: endpoint.api_key.clone() };
        let store = self.store.lock();
        let mut servers = store.setting::<RemoteServers>()?;
        servers.retain(|s| s.name != name);
        servers.push(server.clone());
        store.set_setting::<RemoteServers>(&servers)?;
        Ok(RemoteServerModels { server: view(&server), models: models.into_iter().map(Into::into).collect() })
    }

    pub fn remove_remote_server(&self, name: &str) -> Result<()> {
        let store = self.store.lock();
        let mut servers = store.setting::<RemoteServers>()?;
        servers.retain(|s| s.name != name);
        Ok(store.set_setting::<RemoteServers>(&servers)?)
    }

    pub async fn remote_models(&self, name: &str) -> Result<Vec<RemoteModelView>> {
        let server = self.find_server(name)?;
        Ok(list(&endpoint(&server)?).await?.into_iter().map(Into::into).collect())
    }

    /// Chats go to `model` on server `name` from now on; the model bar shows it.
    pub async fn use_remote_model(&self, name: &str, model: &str) -> Result<ModelInfo> {
        let server = self.find_server(name)?;
        let endpoint = endpoint(&server)?;
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
            memory_notice: None,
            device_reason: None,
        };
        self.engine.set_remote(Some(RemoteTarget { endpoint, model: model.to_string() }));
        {
            let mut slot = self.model.lock();
            slot.info = Some(info.clone());
            // Nothing for a restarted local engine to reload.
            slot.wanted = None;
        }
        self.api_model_changed(&info.name);
        Ok(info)
    }
}
