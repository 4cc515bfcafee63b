//! Typed app settings: each setting is a type that names its key and its value's type, so no
//! caller spells a key or parses JSON by hand. Values are kept as JSON in `app_state`; a value
//! that no longer parses (written by an older Hearth, or damaged) reads as the default.

use serde::{de::DeserializeOwned, Serialize};

use crate::{Store, StoreError};

/// One setting: its key in `app_state` and the type of its value.
pub trait Setting {
    const KEY: &'static str;
    type Value: Serialize + DeserializeOwned + Default;
}

impl Store {
    pub fn setting<S: Setting>(&self) -> Result<S::Value, StoreError> {
        Ok(self.app_state(S::KEY)?.and_then(|raw| serde_json::from_str(&raw).ok()).unwrap_or_default())
    }

    pub fn set_setting<S: Setting>(&self, value: &S::Value) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("the setting {} cannot be written: {e}", S::KEY)))?;
        self.set_app_state(S::KEY, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Folders;
    impl Setting for Folders {
        const KEY: &'static str = "test_folders";
        type Value = Vec<String>;
    }

    #[test]
    fn a_setting_round_trips_and_a_damaged_value_reads_as_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        assert_eq!(store.setting::<Folders>().unwrap(), Vec::<String>::new());
        store.set_setting::<Folders>(&vec!["/m".into()]).unwrap();
        assert_eq!(store.setting::<Folders>().unwrap(), vec!["/m".to_string()]);
        store.set_app_state("test_folders", "{not json").unwrap();
        assert_eq!(store.setting::<Folders>().unwrap(), Vec::<String>::new());
    }
}
