//! Error codes that cross process and UI boundaries. The UI switches on `code`, never on text.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A stable, machine-readable reason for a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The file is not a GGUF model, or its header or tensor table is damaged or truncated.
    InvalidModel,
    /// The file does not exist or cannot be read.
    ModelNotFound,
    /// The model, its context or its compute buffers do not fit in memory.
    OutOfMemory,
    /// llama.cpp refused to load the model (unsupported architecture, etc.).
    LoadFailed,
    /// llama.cpp refused the context settings (e.g. a quantized V cache without flash attention).
    ContextFailed,
    /// No model is loaded.
    NoModel,
    /// The model has no chat template and none was chosen.
    TemplateMissing,
    /// The chat template failed to render.
    TemplateFailed,
    /// The prompt does not fit the context even after dropping old turns.
    ContextOverflow,
    /// llama.cpp failed while evaluating.
    DecodeFailed,
    /// The engine process exited or was killed.
    EngineDied,
    /// The engine process could not be started.
    EngineUnavailable,
    /// A request was malformed.
    BadRequest,
    /// Another generation is already running.
    Busy,
    /// The database failed.
    Storage,
    /// Something the user asked for does not exist (a conversation, a message).
    NotFound,
    /// Quantizing a model failed.
    QuantizeFailed,
    /// The source is already quantized: making another quant of it needs the user's consent.
    RequantizeNeedsConsent,
    /// Not enough free disk space for what was asked.
    DiskFull,
    /// A document is password-protected.
    DocumentEncrypted,
    /// A PDF has no text layer (scanned); there is no OCR.
    DocumentNoText,
    /// A document is damaged, truncated, empty, or its reader failed on it.
    DocumentUnreadable,
    /// A file that is not a PDF, text or Markdown document.
    DocumentUnsupported,
    /// The user cancelled.
    Cancelled,
    /// A remote server (an OpenAI-compatible endpoint) could not be reached, timed out, or
    /// went away mid-answer.
    RemoteUnreachable,
    /// A remote server refused the API key.
    RemoteUnauthorized,
    /// A remote server answered with an error of its own.
    RemoteFailed,
    /// A server (Hugging Face or a mirror) could not be reached, or the connection dropped.
    Network,
    /// A server refused the request without a valid access token (a gated or private repo).
    Unauthorized,
    /// A downloaded file did not match the checksum its server published.
    VerificationFailed,
    /// The OS keyring (Secret Service, Keychain, Credential Manager) is missing or failed.
    Keyring,
    /// A server (Hugging Face or a mirror) answered with an error of its own.
    ServerFailed,
    /// Reading or writing a file failed (permissions, a missing folder).
    Io,
    /// A child process Hearth runs (quantize, bench, embed, dry run) failed or died.
    JobFailed,
    /// An MCP server (a tool server the user added) did not start, died, or did not answer in time.
    McpServerFailed,
    /// Any other failure.
    Internal,
}

/// `{code, message}`: what every failure looks like to the app and the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorPayload {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl std::fmt::Display for ErrorPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorPayload {}
