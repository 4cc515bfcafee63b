//! Conversations and their turns: list, search, create, rename, delete, per-conversation
//! settings, and a turn (send, regenerate, edit and resend, summarize a document) run through
//! `hearth-conversation` with the question's embedding when documents and an embedding model are
//! set. UI preferences (the look of the app, not the product's settings) are kept here too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hearth_conversation::{run_turn, TurnAction, TurnEvent, TurnModel};
use hearth_protocol::{ErrorCode, SamplingSettings, TemplateChoice};
use hearth_store::{Conversation, Message, MessageHit};

use crate::{Core, CoreError, Result};

/// What one answer of a turn is offered: the tools, a forced call, and the passages a document
/// search returned earlier in the turn (its citations are matched against them too).
#[derive(Default)]
pub(crate) struct RoundOffer {
    pub tools: Option<Vec<serde_json::Value>>,
    pub constraint: Option<hearth_protocol::OutputConstraint>,
    pub extra_sources: Vec<hearth_store::Passage>,
}

impl Core {
    pub fn list_conversations(&self, query: Option<&str>) -> Result<Vec<Conversation>> {
        let store = self.store.lock();
        Ok(match query.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => store.search_conversations(q)?,
            None => store.conversations()?,
        })
    }

    /// The messages that match `query` (any case, any script, word prefixes), best first.
    pub fn search_messages(&self, query: &str) -> Result<Vec<MessageHit>> {
        Ok(self.store.lock().search_messages(query, 50)?)
    }

    pub fn conversation(&self, id: i64) -> Result<Conversation> {
        Ok(self.store.lock().conversation(id)?)
    }

    pub fn create_conversation(&self) -> Result<Conversation> {
        Ok(self.store.lock().create_conversation("New chat")?)
    }

    pub fn rename_conversation(&self, id: i64, title: &str) -> Result<Conversation> {
        let title = title.trim();
        if title.is_empty() {
            return Err(CoreError::new(ErrorCode::BadRequest, "a conversation needs a name"));
        }
        Ok(self.store.lock().rename_conversation(id, title)?)
    }

    /// Deletes a conversation, and the state the engine kept for it.
    pub async fn delete_conversation(&self, id: i64) -> Result<()> {
        self.store.lock().delete_conversation(id)?;
        self.forget_conversation_state(id).await;
        Ok(())
    }

    /// Writes the conversation as Markdown (`hearth_conversation::to_markdown`) to `path`, the
    /// file the user chose in the save dialog.
    pub fn export_conversation(&self, id: i64, path: &std::path::Path) -> Result<()> {
        let markdown = {
            let store = self.store.lock();
            hearth_conversation::to_markdown(&store.conversation(id)?, &store.messages(id)?)
        };
        std::fs::write(path, markdown).map_err(|e| CoreError::new(ErrorCode::Io, format!("cannot write {}: {e}", path.display())))
    }

    pub fn messages(&self, conversation_id: i64) -> Result<Vec<Message>> {
        Ok(self.store.lock().messages(conversation_id)?)
    }

    pub fn update_conversation(&self, id: i64, system_prompt: &str, sampling: &SamplingSettings, template: &TemplateChoice) -> Result<Conversation> {
        let store = self.store.lock();
        store.set_system_prompt(id, system_prompt)?;
        store.set_sampling(id, sampling)?;
        Ok(store.set_template(id, template)?)
    }

    /// One turn on a conversation with the loaded model (with its tools: the rounds of calls and
    /// answers, see `tools.rs`); every event goes to `on_event` (a closed window is no reason to
    /// stop saving the answer, so a sink that fails is ignored).
    pub async fn turn(&self, conversation_id: i64, action: TurnAction, mut on_event: impl FnMut(TurnEvent)) -> Result<Message> {
        let stop = Arc::new(AtomicBool::new(false));
        self.turn_stops.lock().push(stop.clone());
        let result = self.turn_with_tools(conversation_id, action, &stop, &mut on_event).await;
        self.turn_stops.lock().retain(|s| !Arc::ptr_eq(s, &stop));
        result
    }

    /// One answer of a turn (its first, or one after tool results).
    pub(crate) async fn round(
        &self,
        conversation_id: i64,
        action: TurnAction,
        offer: RoundOffer,
        stop: &Arc<AtomicBool>,
        on_event: &mut impl FnMut(TurnEvent),
    ) -> Result<Message> {
        self.reload_if_dead().await?;
        let Some((model_name, context_length)) = self.loaded() else {
            return Err(CoreError::new(ErrorCode::NoModel, "load a model first"));
        };
        let query_embedding = self.query_embedding(conversation_id, &action).await?;
        let mut my_generation = None;
        let model = TurnModel {
            name: Some(&model_name),
            context_length,
            query_embedding,
            stop: Some(stop),
            tools: offer.tools,
            constraint: offer.constraint,
            extra_sources: offer.extra_sources,
            // A window (or a terminal) shows the answer as it is read, not a re-render per token.
            token_interval: hearth_conversation::READING_PACE,
        };
        let result = run_turn(&self.store, &self.engine, conversation_id, action, model, |ev| {
            if let TurnEvent::Started { generation_id, .. } = &ev {
                my_generation = Some(*generation_id);
                self.generations.lock().push(*generation_id);
            }
            on_event(ev);
        })
        .await;
        if let Some(id) = my_generation {
            self.generations.lock().retain(|g| *g != id);
        }
        let message = result?;
        self.model_died(message.error.as_ref());
        Ok(message)
    }

    /// Stops every running generation; their partial answers are kept.
    pub async fn stop_generation(&self) -> Result<()> {
        // Turns still before their streamed answer (a summary's sections) stop at their next check.
        for stop in self.turn_stops.lock().iter() {
            stop.store(true, Ordering::SeqCst);
        }
        for id in self.running_generations() {
            self.engine.cancel(id).await;
        }
        Ok(())
    }

    /// A UI preference (JSON text) kept in the database with the settings.
    pub fn ui_preference(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.lock().app_state(&format!("ui.{key}"))?)
    }

    pub fn set_ui_preference(&self, key: &str, value: &str) -> Result<()> {
        if serde_json::from_str::<serde_json::Value>(value).is_err() {
            return Err(CoreError::new(ErrorCode::BadRequest, format!("the preference {key} is not JSON")));
        }
        Ok(self.store.lock().set_app_state(&format!("ui.{key}"), value)?)
    }
}
