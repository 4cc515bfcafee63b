//! Hearth's models: the library (GGUF files in Hearth's models directory, split models as one)
//! and downloads from Hugging Face (or a mirror: `HF_ENDPOINT`) that resume after drops and
//! restarts (HTTP Range into a `.part` file), verify the sha256 Hugging Face publishes for LFS
//! files, check free space first, and move a file into place only when it is verified.

mod access_token;
mod download;
mod hub;
mod library;

pub use access_token::{access_token, clear_token, store_token, stored_token, TokenSource};
pub use download::{pull, PullProgress, PullRequest};
pub use hub::{fetch_gguf_header, list_repo_files, parse_repo_spec, HubFile};
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
    pub fn code(&self) -> &'static str {
        match self {
            ModelsError::Network(_) => "NETWORK",
            ModelsError::NotFound(_) => "NOT_FOUND",
            ModelsError::Unauthorized(_) => "UNAUTHORIZED",
            ModelsError::Server(_) => "SERVER",
            ModelsError::Verification(_) => "VERIFICATION_FAILED",
            ModelsError::DiskFull(_) => "DISK_FULL",
            ModelsError::Io(_) => "IO",
            ModelsError::BadRequest(_) => "BAD_REQUEST",
            ModelsError::Keyring(_) => "KEYRING",
        }
    }
}

/// The Hugging Face endpoint: `HF_ENDPOINT` (as huggingface_hub reads it), else huggingface.co.
pub fn endpoint() -> String {
    std::env::var("HF_ENDPOINT").ok().filter(|e| !e.is_empty()).unwrap_or_else(|| "https://huggingface.co".into()).trim_end_matches('/').to_string()
}
