//! Conversations' kept states on disk (issue 21): the engine writes them after answers under
//! `$HEARTH_HOME/prompt-cache`; here is their budget (a setting; by default a tenth of the disk
//! the home is on, counting the states already there), how much they take, clearing them, and
//! forgetting a deleted conversation's.

use std::path::PathBuf;

use hearth_protocol::PromptCacheSettings;
use hearth_store::Setting;
use serde::Serialize;
use ts_rs::TS;

use crate::{Core, Result};

/// The disk budget for kept states in bytes; none: the default share of the disk.
pub struct PromptCacheBudget;
impl Setting for PromptCacheBudget {
    const KEY: &'static str = "prompt_cache_budget";
    type Value = Option<u64>;
}

/// The default budget's share of the space the home's disk has for them (free + already used).
const DEFAULT_SHARE: u64 = 10;

#[derive(Debug, Clone, Serialize, TS)]
pub struct PromptCacheUsage {
    /// Bytes the kept states take now.
    #[ts(type = "number")]
    pub used_bytes: u64,
    /// Conversations (per model) with a kept state.
    pub states: u32,
    /// The most they may take; the least recently used go first beyond it.
    #[ts(type = "number")]
    pub budget_bytes: u64,
    /// The budget is the default share of the disk, not one the user set.
    pub budget_is_default: bool,
    pub dir: String,
}

impl Core {
    fn prompt_cache_dir(&self) -> PathBuf {
        self.home.prompt_cache()
    }

    /// Where the engine keeps states and how much room they have: given to every load.
    pub(crate) fn prompt_cache_settings(&self) -> Result<PromptCacheSettings> {
        Ok(PromptCacheSettings { dir: self.prompt_cache_dir(), disk_budget_bytes: self.prompt_cache_usage()?.budget_bytes })
    }

    pub fn prompt_cache_usage(&self) -> Result<PromptCacheUsage> {
        let dir = self.prompt_cache_dir();
        let files = hearth_prompt_cache::list(&dir);
        let used_bytes = files.iter().map(|f| f.bytes).sum();
        let chosen = self.store.lock().setting::<PromptCacheBudget>()?;
        let budget_bytes = chosen.unwrap_or_else(|| {
            let free = hearth_models::free_bytes(self.home.root()).unwrap_or(0);
            (free + used_bytes) / DEFAULT_SHARE
        });
        Ok(PromptCacheUsage {
            used_bytes,
            states: files.len() as u32,
            budget_bytes,
            budget_is_default: chosen.is_none(),
            dir: dir.display().to_string(),
        })
    }

    /// A new budget (none: the default share; 0 keeps nothing on disk): states beyond it go now,
    /// and the engine keeps to it from its next answer.
    pub async fn set_prompt_cache_budget(&self, bytes: Option<u64>) -> Result<PromptCacheUsage> {
        self.store.lock().set_setting::<PromptCacheBudget>(&bytes)?;
        let settings = self.prompt_cache_settings()?;
        hearth_prompt_cache::evict_to(&settings.dir, settings.disk_budget_bytes, None);
        self.engine.set_prompt_cache(Some(settings)).await;
        self.prompt_cache_usage()
    }

    /// Deletes every kept state on disk (the engine's memory keeps the few it holds until its
    /// model is unloaded).
    pub fn clear_prompt_cache(&self) -> Result<PromptCacheUsage> {
        hearth_prompt_cache::clear(&self.prompt_cache_dir());
        self.prompt_cache_usage()
    }

    /// A deleted conversation's states go with it, in the engine's memory and on disk.
    pub(crate) async fn forget_conversation_state(&self, conversation_id: i64) {
        let tag = hearth_conversation::state_tag(conversation_id);
        self.engine.forget_state(&tag).await;
        hearth_prompt_cache::remove_tag(&self.prompt_cache_dir(), &tag);
    }
}
