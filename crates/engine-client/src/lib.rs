//! The engine process, seen from the app. [`EngineClient`] spawns `hearth engine`, sends
//! [`Request`]s as JSON lines and routes the [`Event`]s that come back to whoever asked, by
//! request id. When the process dies (an abort inside llama.cpp, the OOM killer, a user's
//! `kill`), every open request ends with an `ENGINE_DIED` error that says how it died, and the
//! next request starts a fresh engine. The app never blocks on the engine and never dies with it.
//! When the user picks a model on a remote server (crate `hearth-remote`), generations go there
//! instead and come back as the same events.

mod process;

pub use hearth_remote::{list_models as list_remote_models, Endpoint, RemoteError, RemoteModel};
pub use process::{EngineClient, EngineState, EventStream, RemoteTarget};

use hearth_protocol::{ErrorCode, ErrorPayload};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Engine(ErrorPayload),
    #[error("the engine could not be started ({path}): {reason}")]
    Spawn { path: String, reason: String },
}

impl ClientError {
    pub fn payload(&self) -> ErrorPayload {
        match self {
            ClientError::Engine(p) => p.clone(),
            ClientError::Spawn { .. } => ErrorPayload::new(ErrorCode::EngineUnavailable, self.to_string()),
        }
    }
}
