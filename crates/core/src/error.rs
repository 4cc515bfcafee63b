//! The core's one error: every library error keeps its protocol code (`DISK_FULL`,
//! `UNAUTHORIZED`, `CANCELLED` …) on its way to the UI and the CLI; nothing is flattened into a
//! catch-all.

use hearth_protocol::{ErrorCode, ErrorPayload};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] hearth_store::StoreError),
    #[error(transparent)]
    Engine(#[from] hearth_engine_client::ClientError),
    #[error(transparent)]
    Turn(#[from] hearth_conversation::TurnError),
    #[error(transparent)]
    Models(#[from] hearth_models::ModelsError),
    #[error(transparent)]
    Advisor(#[from] hearth_advisor::AdvisorError),
    /// An error the engine, a child job or a remote server reported with its own code.
    #[error("{0}")]
    Reported(ErrorPayload),
}

impl CoreError {
    /// An error of the core's own, with the code it deserves.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CoreError {
        CoreError::Reported(ErrorPayload::new(code, message))
    }

    pub fn payload(&self) -> ErrorPayload {
        match self {
            CoreError::Store(e) => e.payload(),
            CoreError::Engine(e) => e.payload(),
            CoreError::Turn(e) => e.payload(),
            CoreError::Models(e) => e.payload(),
            CoreError::Advisor(e) => e.payload(),
            CoreError::Reported(p) => p.clone(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.payload().code
    }
}

impl From<ErrorPayload> for CoreError {
    fn from(p: ErrorPayload) -> Self {
        CoreError::Reported(p)
    }
}

/// Work handed to a blocking thread that panicked or was cancelled: the core's own failure.
pub(crate) fn join_error(what: &str, e: tokio::task::JoinError) -> CoreError {
    CoreError::new(ErrorCode::Internal, format!("{what} stopped: {e}"))
}

pub type Result<T> = std::result::Result<T, CoreError>;

/// Crosses to the UI (and the CLI's JSON) as `{code, message}`.
impl serde::Serialize for CoreError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.payload().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_keep_their_codes() {
        let cases: Vec<(CoreError, ErrorCode)> = vec![
            (hearth_models::ModelsError::DiskFull("no room".into()).into(), ErrorCode::DiskFull),
            (hearth_models::ModelsError::Unauthorized("owner/gated".into()).into(), ErrorCode::Unauthorized),
            (hearth_models::ModelsError::Network("mirror".into()).into(), ErrorCode::Network),
            (hearth_advisor::AdvisorError::UnknownModel("x".into()).into(), ErrorCode::NotFound),
            (hearth_store::StoreError::NotFound("conversation 9".into()).into(), ErrorCode::NotFound),
            (CoreError::new(ErrorCode::Cancelled, "paused"), ErrorCode::Cancelled),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error}");
        }
    }
}
