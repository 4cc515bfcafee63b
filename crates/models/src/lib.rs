//! Hearth's models: the library (GGUF files in Hearth's models directory, split models as one)
//! and downloads from Hugging Face (or a mirror: `HF_ENDPOINT`) that resume after drops and
//! restarts (HTTP Range into a `.part` file), verify the sha256 Hugging Face publishes for LFS
//! files, check free space first, and move a file into place only when it is verified.

use hearth_protocol::{ErrorCode, ErrorPayload};

mod access_token;
mod download;
mod hub;
mod hub_search;
mod library;

pub use access_token::{access_token, clear_token, store_token, stored_token, TokenSource};
pub use download::{free_bytes, pull, PullProgress, PullRequest};
pub use hub::{fetch_gguf_header, list_repo_files, parse_repo_spec, HubFile};
pub use hub_search::{search_models, HubModel, HubSearchPage, HubSort};
pub use library::{list_models, shard_of, sidecar, LibraryModel};

#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("cannot reach {0}")]
    Network(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0} needs an access token (gated or private repo): set one on the Models page (`hearth models token set`) or in HF_TOKEN")]
    Unauthorized(String),
    #[error("{0}")]
    Keyring(String),
    #[error("the server failed: {0}")]
    Server(String),
    #[error("{0}")]
    Verification(String),
    #[error("{0}")]
    DiskFull(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    BadRequest(String),
}

impl ModelsError {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ModelsError::Network(_) => ErrorCode::Network,
            ModelsError::NotFound(_) => ErrorCode::NotFound,
            ModelsError::Unauthorized(_) => ErrorCode::Unauthorized,
            ModelsError::Server(_) => ErrorCode::ServerFailed,
            ModelsError::Verification(_) => ErrorCode::VerificationFailed,
            ModelsError::DiskFull(_) => ErrorCode::DiskFull,
            ModelsError::Io(_) => ErrorCode::Io,
            ModelsError::BadRequest(_) => ErrorCode::BadRequest,
            ModelsError::Keyring(_) => ErrorCode::Keyring,
        }
    }

    /// The protocol's code as text (`NOT_FOUND`), as the UI and the CLI's JSON see it.
    pub fn code(&self) -> String {
        serde_json::to_value(self.error_code()).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload::new(self.error_code(), self.to_string())
    }
}

/// The Hugging Face endpoint: `HF_ENDPOINT` (as huggingface_hub reads it), else huggingface.co.
pub fn endpoint() -> String {
    std::env::var("HF_ENDPOINT").ok().filter(|e| !e.is_empty()).unwrap_or_else(|| "https://huggingface.co".into()).trim_end_matches('/').to_string()
}
