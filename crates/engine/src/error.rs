//! The engine's one error type, mapped onto the protocol's stable codes.

use hearth_protocol::{ErrorCode, ErrorPayload};

#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    InvalidModel(String),
    #[error("model file not found: {0}")]
    ModelNotFound(String),
    #[error("{0}")]
    OutOfMemory(String),
    #[error("llama.cpp could not load the model: {0}")]
    LoadFailed(String),
    #[error("llama.cpp could not create the context: {0}")]
    ContextFailed(String),
    #[error("no model is loaded")]
    NoModel,
    #[error("{0}")]
    TemplateMissing(String),
    #[error("the chat template failed: {0}")]
    TemplateFailed(String),
    #[error("{0}")]
    ContextOverflow(String),
    #[error("llama.cpp failed while evaluating: {0}")]
    DecodeFailed(String),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    UnknownDevice(String),
    #[error("quantizing failed: {0}")]
    QuantizeFailed(String),
    #[error("{0}")]
    RequantizeNeedsConsent(String),
    #[error("{0}")]
    DiskFull(String),
    #[error("{0}")]
    Internal(String),
    /// A request the engine cannot serve as asked (a schema no grammar can follow).
    #[error("{0}")]
    BadRequest(String),
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::InvalidModel(_) => ErrorCode::InvalidModel,
            EngineError::ModelNotFound(_) => ErrorCode::ModelNotFound,
            EngineError::OutOfMemory(_) => ErrorCode::OutOfMemory,
            EngineError::LoadFailed(_) | EngineError::Cancelled | EngineError::UnknownDevice(_) => ErrorCode::LoadFailed,
            EngineError::ContextFailed(_) => ErrorCode::ContextFailed,
            EngineError::NoModel => ErrorCode::NoModel,
            EngineError::TemplateMissing(_) => ErrorCode::TemplateMissing,
            EngineError::TemplateFailed(_) => ErrorCode::TemplateFailed,
            EngineError::ContextOverflow(_) => ErrorCode::ContextOverflow,
            EngineError::DecodeFailed(_) => ErrorCode::DecodeFailed,
            EngineError::QuantizeFailed(_) => ErrorCode::QuantizeFailed,
            EngineError::RequantizeNeedsConsent(_) => ErrorCode::RequantizeNeedsConsent,
            EngineError::DiskFull(_) => ErrorCode::DiskFull,
            EngineError::Internal(_) => ErrorCode::Internal,
            EngineError::BadRequest(_) => ErrorCode::BadRequest,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload::new(self.code(), self.to_string())
    }
}
