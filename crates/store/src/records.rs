//! The rows the UI sees.

use hearth_protocol::{BenchReport, ErrorPayload, GenerationStats, Role, SamplingSettings, TemplateChoice};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Conversation {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub system_prompt: String,
    pub sampling: SamplingSettings,
    pub template: TemplateChoice,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Complete,
    /// Being generated now, or the app stopped while it was (see `interrupted`).
    Streaming,
    /// The user pressed stop; the partial text is kept.
    Stopped,
    /// The engine or the app died while it was being generated; the text is what was saved.
    Interrupted,
    Failed,
}

impl MessageStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Complete => "complete",
            MessageStatus::Streaming => "streaming",
            MessageStatus::Stopped => "stopped",
            MessageStatus::Interrupted => "interrupted",
            MessageStatus::Failed => "failed",
        }
    }
    pub(crate) fn parse(s: &str) -> MessageStatus {
        match s {
            "complete" => MessageStatus::Complete,
            "streaming" => MessageStatus::Streaming,
            "stopped" => MessageStatus::Stopped,
            "failed" => MessageStatus::Failed,
            _ => MessageStatus::Interrupted,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Message {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub conversation_id: i64,
    pub role: Role,
    pub content: String,
    pub status: MessageStatus,
    pub stats: Option<GenerationStats>,
    pub error: Option<ErrorPayload>,
    /// The model that wrote an assistant message.
    pub model: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A kept benchmark result, and the machine it ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BenchRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub machine: String,
    /// Milliseconds since the epoch.
    #[ts(type = "number")]
    pub created_at: i64,
    pub report: BenchReport,
}
