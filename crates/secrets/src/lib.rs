//! Secrets at rest: each one an entry in the OS keyring (Secret Service on Linux — GNOME
//! Keyring, KWallet —, Keychain on macOS, Credential Manager on Windows), never a file or a
//! database row. Callers decide what to do where no keyring runs (the Hugging Face token is
//! refused, a server key is kept for the session only); this crate only says so clearly.

/// Every Hearth entry is filed under this service name.
pub const SERVICE: &str = "hearth";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// No keyring to talk to (no Secret Service on the session bus, a locked-down sandbox).
    #[error("the OS keyring is not available ({0}); on Linux it needs a Secret Service such as GNOME Keyring or KWallet")]
    Unavailable(String),
    #[error("the OS keyring refused: {0}")]
    Keyring(String),
    #[error("a secret is one line of text, not empty")]
    Invalid,
}

/// One entry in the keyring: `account` names what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    account: String,
}

fn error(e: keyring::Error) -> SecretsError {
    match e {
        keyring::Error::NoStorageAccess(why) | keyring::Error::PlatformFailure(why) => SecretsError::Unavailable(why.to_string()),
        other => SecretsError::Keyring(other.to_string()),
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
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        Err(_) => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a current-thread runtime builds");
            let _guard = rt.enter();
            work()
        }
    }
}

impl Secret {
    pub fn new(account: impl Into<String>) -> Secret {
        Secret { account: account.into() }
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    fn entry(&self) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(SERVICE, &self.account).map_err(error)
    }

    /// The stored value, `None` when there is none.
    pub fn get(&self) -> Result<Option<String>, SecretsError> {
        let this = self.clone();
        blocking(move || match this.entry()?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(error(e)),
        })
    }

    pub fn set(&self, value: &str) -> Result<(), SecretsError> {
        if value.trim().is_empty() || value.contains(['\n', '\r']) {
            return Err(SecretsError::Invalid);
        }
        let (this, value) = (self.clone(), value.to_string());
        blocking(move || this.entry()?.set_password(&value).map_err(error))
    }

    /// Removes the entry; removing one that is not there is fine.
    pub fn delete(&self) -> Result<(), SecretsError> {
        let this = self.clone();
        blocking(move || match this.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(error(e)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_must_be_one_non_empty_line() {
        let s = Secret::new("test-never-stored");
        assert_eq!(s.set("  "), Err(SecretsError::Invalid));
        assert_eq!(s.set("a\nb"), Err(SecretsError::Invalid));
    }
}
