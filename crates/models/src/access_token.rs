//! The Hugging Face access token for gated and private repos: kept in the OS keyring (Secret
//! Service on Linux — GNOME Keyring, KWallet —, Keychain on macOS, Credential Manager on
//! Windows), never in a file. `HF_TOKEN` in the environment wins, as with huggingface_hub. Where
//! no keyring is available the token is refused with the reason, not written anywhere else.

use crate::ModelsError;

const SERVICE: &str = "hearth";
const ACCOUNT: &str = "huggingface-token";

/// Where the token in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    Environment,
    Keyring,
    None,
}

fn entry() -> Result<keyring::Entry, ModelsError> {
    keyring::Entry::new(SERVICE, ACCOUNT).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> ModelsError {
    match e {
        keyring::Error::NoStorageAccess(why) | keyring::Error::PlatformFailure(why) => ModelsError::Keyring(format!(
            "the OS keyring is not available ({why}); on Linux it needs a Secret Service such as GNOME Keyring or KWallet — or set HF_TOKEN in the environment"
        )),
        other => ModelsError::Keyring(other.to_string()),
    }
}

/// The keyring's calls block (D-Bus on Linux): run them on a thread of their own, inside the
/// caller's runtime when there is one (the Secret Service client needs tokio's context).
fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => std::thread::spawn(move || {
            let _guard = handle.enter();
            work()
        })
        .join()
        .expect("the keyring thread panicked"),
        Err(_) => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            let _guard = rt.enter();
            work()
        }
    }
}

/// The token in the keyring, if one is stored.
pub fn stored_token() -> Result<Option<String>, ModelsError> {
    blocking(|| match entry()?.get_password() {
        Ok(t) => Ok(Some(t)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    })
}

pub fn store_token(token: &str) -> Result<(), ModelsError> {
    let token = token.trim().to_string();
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err(ModelsError::BadRequest("an access token is one word without spaces (hf_…)".into()));
    }
    blocking(move || entry()?.set_password(&token).map_err(keyring_error))
}

pub fn clear_token() -> Result<(), ModelsError> {
    blocking(|| match entry()?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_error(e)),
    })
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
