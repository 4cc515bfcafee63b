//! Requests and events as they travel over the engine's stdio, one JSON object per line.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use crate::{
    BackendLibrary, ChatMessage, ComputeDevice, ErrorPayload, GenerationStats, ModelInfo, ModelSettings, Phrase, SamplingSettings, TemplateChoice,
    TextPart, ToolCall,
};

/// Bumped when a request or event changes shape; the app refuses an engine that differs.
/// 4: `ModelSettings.devices` (an engine that ignored it would run on the wrong device).
/// 5: answers arrive split (`Token.part`, `ToolCall`), markup removed by the engine.
/// 6: kept sequence states (`Load.prompt_cache`, `Generate.keep_state_as`, `ForgetState`).
/// 7: tools (`SamplingSettings.tools`/`constraint`, `Role::Tool`, `ChatMessage.tool_calls`).
/// 8: speculative decoding (`SamplingSettings.draft`, `GenerationStats.draft`), `ModelInfo.tool_calls`.
/// 9: answers side by side (`ModelSettings.parallel`, `ModelInfo.parallel`), a draft model
///    (`ModelSettings.draft_model`, `DraftKind::Model`).
pub const PROTOCOL_VERSION: u32 = 9;

/// Where the engine keeps sequence states on disk, and how much room they may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptCacheSettings {
    pub dir: PathBuf,
    pub disk_budget_bytes: u64,
}

/// App to engine. `id` is chosen by the app and echoed in every event the request causes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Load {
        id: u64,
        path: PathBuf,
        settings: ModelSettings,
        /// Where states kept after answers go on disk (none: kept in memory only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt_cache: Option<PromptCacheSettings>,
    },
    Unload {
        id: u64,
    },
    Generate {
        id: u64,
        messages: Vec<ChatMessage>,
        sampling: SamplingSettings,
        #[serde(default)]
        template: TemplateChoice,
        /// Keep the sequence state after the answer under this name (a conversation's), in
        /// memory and on disk, so that the next prompt that starts the same way restores it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keep_state_as: Option<String>,
    },
    /// One normalized vector per text from the loaded model (its own pooling when it is an
    /// embedding model, else the mean over tokens); answered by `Embeddings`.
    Embed {
        id: u64,
        texts: Vec<String>,
    },
    /// Where states go on disk from now on (a changed budget), for the loaded model too. No
    /// event answers it.
    PromptCache {
        settings: Option<PromptCacheSettings>,
    },
    /// Forgets the states kept under this name, in memory and on disk (a deleted conversation).
    /// No event answers it.
    ForgetState {
        tag: String,
    },
    /// Stops the generation or load with this id; the partial answer stays.
    Cancel {
        id: u64,
    },
    Shutdown,
}

/// Engine to app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// First line the engine prints.
    Ready {
        protocol: u32,
        pid: u32,
        system_info: String,
        /// The devices llama.cpp can compute on in this engine.
        #[serde(default)]
        devices: Vec<ComputeDevice>,
        /// Where a model goes when no device is chosen, and why.
        #[serde(default)]
        default_device: String,
        /// The same, as a phrase the window says in its language.
        #[serde(default)]
        default_device_phrase: Option<Phrase>,
        /// The backend libraries found (a build with backends loaded at run time).
        #[serde(default)]
        backend_libraries: Vec<BackendLibrary>,
    },
    LoadProgress {
        id: u64,
        fraction: f32,
    },
    Loaded {
        id: u64,
        model: Box<ModelInfo>,
    },
    Unloaded {
        id: u64,
    },
    /// Old turns were dropped to fit the context.
    ContextTrimmed {
        id: u64,
        dropped_messages: u32,
    },
    /// Prompt evaluated; generation begins.
    PromptDone {
        id: u64,
        prompt_tokens: u32,
        /// Of those, the tokens reused from the cache or a kept state rather than decoded.
        #[serde(default)]
        cached_tokens: u32,
    },
    /// A piece of the answer, or of its reasoning (markup removed by the engine).
    Token {
        id: u64,
        text: String,
        #[serde(default, skip_serializing_if = "TextPart::is_answer")]
        part: TextPart,
    },
    /// The model asked for a function call (Harmony's commentary to `functions.NAME`).
    ToolCall {
        id: u64,
        call: ToolCall,
    },
    Done {
        id: u64,
        stats: GenerationStats,
    },
    /// The vectors of an `Embed`, in order, with the tokens they cost.
    Embeddings {
        id: u64,
        vectors: Vec<Vec<f32>>,
        tokens: u32,
    },
    Error {
        id: Option<u64>,
        error: ErrorPayload,
    },
}

impl Event {
    /// The request this event answers, if any.
    pub fn request_id(&self) -> Option<u64> {
        match self {
            Event::Ready { .. } => None,
            Event::LoadProgress { id, .. }
            | Event::Loaded { id, .. }
            | Event::Unloaded { id }
            | Event::ContextTrimmed { id, .. }
            | Event::PromptDone { id, .. }
            | Event::Token { id, .. }
            | Event::ToolCall { id, .. }
            | Event::Done { id, .. }
            | Event::Embeddings { id, .. } => Some(*id),
            Event::Error { id, .. } => *id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn requests_round_trip_as_single_lines() {
        let req = Request::Generate {
            id: 7,
            messages: vec![ChatMessage::new(crate::Role::User, "hi\nthere")],
            sampling: SamplingSettings { seed: Some(3), ..Default::default() },
            template: TemplateChoice::Builtin("chatml".into()),
            keep_state_as: Some("conversation-3".into()),
        };
        let line = serde_json::to_string(&req).unwrap();
        assert!(!line.contains('\n'), "a request must fit on one line: {line}");
        assert_eq!(serde_json::from_str::<Request>(&line).unwrap(), req);
    }

    #[test]
    fn errors_carry_stable_codes() {
        let ev = Event::Error { id: Some(1), error: ErrorPayload::new(ErrorCode::OutOfMemory, "x") };
        let line = serde_json::to_string(&ev).unwrap();
        assert!(line.contains("\"OUT_OF_MEMORY\""), "{line}");
        assert_eq!(ev.request_id(), Some(1));
    }

    #[test]
    fn missing_settings_fields_take_defaults() {
        let s: ModelSettings = serde_json::from_str(r#"{"batch_size": 256}"#).unwrap();
        assert_eq!(s.batch_size, 256);
        assert!(s.mmap);
    }
}
