//! The rows the UI sees.

use hearth_protocol::{BenchReport, ErrorPayload, GenerationStats, Role, SamplingSettings, TemplateChoice, ToolCall};
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
    /// The MCP servers whose tools the model may call here.
    pub tools: ConversationTools,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// The tools a conversation offers the model: the MCP servers switched on for it (by name), the
/// tools of theirs switched off, and whether the first round must call one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ConversationTools {
    pub servers: Vec<String>,
    /// `SERVER/TOOL` of tools switched off.
    pub off: Vec<String>,
    /// The model must call a tool before it answers (the API's `tool_choice: required`), once a turn.
    pub required: bool,
    /// The conversation's documents offered as a search tool: `None` when the model's own
    /// template renders tools (it calls them well), else as the user chose.
    pub documents: Option<bool>,
}

/// How a tool call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ToolOutcome {
    /// Run; the result is the server's (which may itself report a failure).
    Ran,
    /// Run, or tried, and it failed: the server is gone, timed out, or the tool is unknown.
    Failed,
    /// The user said no (or stopped the answer while it waited).
    Denied,
}

/// A `tool` message's call: what the model asked for and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToolResult {
    pub call_id: String,
    pub name: String,
    pub arguments: String,
    /// The MCP server that has the tool (empty when none has).
    pub server: String,
    pub outcome: ToolOutcome,
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
    /// For an answer from documents: the pages it cites, with the passages behind them.
    pub citations: Vec<Citation>,
    /// An answer's reasoning, apart from its text (empty for other messages and for answers
    /// stored before the engine split them, whose `content` still carries the markup).
    pub reasoning: String,
    /// The functions an answer called (each answered by a `tool` message after it).
    pub tool_calls: Vec<ToolCall>,
    /// For a `tool` message: the call it answers (its `content` is the result).
    pub tool_result: Option<ToolResult>,
}

/// A page an answer cites, with the passage of that page that was in its prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Citation {
    /// The label as it reads in the answer (`p. 12`), or as Hearth gives it when inferred.
    pub label: String,
    #[ts(type = "number")]
    pub document_id: i64,
    pub document: String,
    pub page: u32,
    /// The passage of that page that was in the prompt.
    pub text: String,
    /// True when the model cited nothing usable and Hearth chose the passage the answer uses most.
    pub inferred: bool,
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

/// A document indexed for questions: one row per distinct file content (sha256).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DocumentRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub sha256: String,
    pub name: String,
    pub path: String,
    /// `pdf`, `text` or `markdown`.
    pub kind: String,
    pub pages: u32,
    /// Tokens of the whole text (the tokenizer of the model it was indexed for, else an estimate).
    pub tokens: u32,
    /// 1-based pages whose text could not be read (the rest of the document still is).
    pub unreadable_pages: Vec<u32>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A retrieved piece of a document, with the page it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Passage {
    #[ts(type = "number")]
    pub chunk_id: i64,
    #[ts(type = "number")]
    pub document_id: i64,
    /// The document's file name.
    pub document: String,
    /// 1-based.
    pub page: u32,
    pub text: String,
    pub tokens: u32,
    /// BM25 relevance (higher is better); 0 where the passage was not ranked.
    pub score: f64,
}

/// What `Store::add_document` writes.
#[derive(Debug, Clone, Default)]
pub struct NewDocument {
    pub sha256: String,
    pub name: String,
    pub path: String,
    pub kind: String,
    /// (1-based page, text), every page including empty ones.
    pub pages: Vec<(u32, String)>,
    pub chunks: Vec<NewChunk>,
    pub unreadable_pages: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct NewChunk {
    pub page: u32,
    /// Byte offset of the chunk in its page's text.
    pub start: u32,
    pub tokens: u32,
    pub text: String,
}
