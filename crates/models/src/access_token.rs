//! The Hugging Face access token for gated and private repos: kept in the OS keyring (Secret
//! Service on Linux — GNOME Keyring, KWallet —, Keychain on macOS, Credential Manager on
//! Windows), never in a file. `HF_TOKEN` in the environment wins, as with huggingface_hub. Where
//! no keyring is available the token is refused with the reason, not written anywhere else.

use crate::ModelsError;

use hearth_secrets::{Secret, SecretsError};

fn entry() -> Secret {
    Secret::new("huggingface-token")
}

fn keyring_error(e: SecretsError) -> ModelsError {
    match e {
        SecretsError::Unavailable(_) => ModelsError::Keyring(format!("{e} — or set HF_TOKEN in the environment")),
        other => ModelsError::Keyring(other.to_string()),
    }
}

/// Where the token in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    Environment,
    Keyring,
    None,
}

/// The token in the keyring, if one is stored.
pub fn stored_token() -> Result<Option<String>, ModelsError> {
    entry().get().map_err(keyring_error)
}

pub fn store_token(token: &str) -> Result<(), ModelsError> {
    let token = token.trim();
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err(ModelsError::BadRequest("an access token is one word without spaces (hf_…)".into()));
    }
    entry().set(token).map_err(keyring_error)
}

pub fn clear_token() -> Result<(), ModelsError> {
    entry().delete().map_err(keyring_error)
}

/// The token for requests: `HF_TOKEN`, else the keyring's (an unavailable keyring means none).
pub fn access_token() -> (Option<String>, TokenSource) {
    if let Some(t) = std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty()) {
        return (Some(t), TokenSource::Environment);
    }
    match stored_token() {
        Ok(Some(t)) => (Some(t), TokenSource::Keyring),
        _ => (None, TokenSource::None),
    }
}
