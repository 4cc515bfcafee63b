//! The shell's error: whatever went wrong below, the UI receives `{code, message}`.

use hearth_protocol::{ErrorCode, ErrorPayload};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] hearth_store::StoreError),
    #[error(transparent)]
    Engine(#[from] hearth_engine_client::ClientError),
    #[error(transparent)]
    Turn(#[from] hearth_conversation::TurnError),
    /// An error the engine reported.
    #[error("{0}")]
    Reported(ErrorPayload),
    #[error("{0}")]
    Invalid(String),
}

impl AppError {
    pub fn payload(&self) -> ErrorPayload {
        match self {
            AppError::Store(e) => e.payload(),
            AppError::Engine(e) => e.payload(),
            AppError::Turn(e) => e.payload(),
            AppError::Reported(p) => p.clone(),
            AppError::Invalid(m) => ErrorPayload::new(ErrorCode::BadRequest, m.clone()),
        }
    }
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.payload().serialize(s)
    }
}
