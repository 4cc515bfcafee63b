//! The advisor's one error type.

#[derive(Debug, thiserror::Error)]
pub enum AdvisorError {
    #[error("unknown model id '{0}' (hearth advise --list-models lists them)")]
    UnknownModel(String),
    #[error("unknown hardware id '{0}' (hearth advise --list-hardware lists them)")]
    UnknownHardware(String),
    #[error("unknown quant type '{0}'")]
    UnknownQuant(String),
    #[error("unknown backend '{0}' (cpu, vulkan, rocm, cuda or metal)")]
    UnknownBackend(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0} is not a usable GGUF model: {1}")]
    BadModelFile(String, String),
    #[error("the built-in catalog is damaged: {0}")]
    Catalog(String),
}

impl AdvisorError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            AdvisorError::UnknownModel(_) => "UNKNOWN_MODEL",
            AdvisorError::UnknownHardware(_) => "UNKNOWN_HARDWARE",
            AdvisorError::UnknownQuant(_) => "UNKNOWN_QUANT",
            AdvisorError::UnknownBackend(_) => "UNKNOWN_BACKEND",
            AdvisorError::InvalidInput(_) => "INVALID_INPUT",
            AdvisorError::BadModelFile(..) => "INVALID_MODEL",
            AdvisorError::Catalog(_) => "INTERNAL",
        }
    }
}

impl AdvisorError {
    /// The protocol's code, for the app and the UI.
    pub fn error_code(&self) -> hearth_protocol::ErrorCode {
        use hearth_protocol::ErrorCode;
        match self {
            AdvisorError::UnknownModel(_) | AdvisorError::UnknownHardware(_) => ErrorCode::NotFound,
            AdvisorError::UnknownQuant(_) | AdvisorError::UnknownBackend(_) | AdvisorError::InvalidInput(_) => ErrorCode::BadRequest,
            AdvisorError::BadModelFile(..) => ErrorCode::InvalidModel,
            AdvisorError::Catalog(_) => ErrorCode::Internal,
        }
    }

    pub fn payload(&self) -> hearth_protocol::ErrorPayload {
        hearth_protocol::ErrorPayload::new(self.error_code(), self.to_string())
    }
}
