//! The keys Hearth keeps for the user — remote servers' and the API server's — at rest in the OS
//! keyring (`hearth-secrets`), filed per home, never in the database. Where no keyring runs (a
//! bare window manager, a server without a Secret Service) a key is kept in memory for this
//! session only, and the UI says so, rather than written anywhere on disk.

use std::collections::HashMap;

use hearth_secrets::Secret;
use parking_lot::Mutex;

/// Where a key the user gave is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeptIn {
    Keyring,
    /// In memory until Hearth quits: the keyring was not available.
    Session,
}

pub(crate) const SESSION_ONLY_NOTE: &str = "no OS keyring is available, so this key is kept only until Hearth quits";
pub(crate) const LOST_NOTE: &str = "the key was not kept (no OS keyring was available when it was given): enter it again";

pub(crate) struct KeyVault {
    /// Keyring entries are named `WHAT · HOME` so two homes (and tests) never share keys.
    home: String,
    /// Keys read or written this session, with where they are kept (the keyring is asked once).
    known: Mutex<HashMap<String, (String, KeptIn)>>,
}

impl KeyVault {
    pub(crate) fn new(home: &std::path::Path) -> KeyVault {
        KeyVault { home: home.display().to_string(), known: Mutex::new(HashMap::new()) }
    }

    fn secret(&self, what: &str) -> Secret {
        Secret::new(format!("{what} · {}", self.home))
    }

    /// Keeps `value` in the keyring, else for this session.
    pub(crate) fn put(&self, what: &str, value: &str) -> KeptIn {
        let kept = match self.secret(what).set(value) {
            Ok(()) => KeptIn::Keyring,
            Err(e) => {
                tracing::warn!("{what}: {e}; kept for this session only");
                KeptIn::Session
            }
        };
        self.known.lock().insert(what.to_string(), (value.to_string(), kept));
        kept
    }

    pub(crate) fn get(&self, what: &str) -> Option<(String, KeptIn)> {
        if let Some(known) = self.known.lock().get(what) {
            return Some(known.clone());
        }
        let value = self.secret(what).get().ok().flatten()?;
        self.known.lock().insert(what.to_string(), (value.clone(), KeptIn::Keyring));
        Some((value, KeptIn::Keyring))
    }

    pub(crate) fn remove(&self, what: &str) {
        self.known.lock().remove(what);
        if let Err(e) = self.secret(what).delete() {
            tracing::warn!("{what}: {e}");
        }
    }

    /// What the UI should say of a key the settings say exists: nothing when it is in the keyring.
    pub(crate) fn note(&self, what: &str) -> Option<String> {
        match self.get(what) {
            Some((_, KeptIn::Keyring)) => None,
            Some((_, KeptIn::Session)) => Some(SESSION_ONLY_NOTE.into()),
            None => Some(LOST_NOTE.into()),
        }
    }
}
