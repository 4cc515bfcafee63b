//! Hearth's persistent state: one SQLite database (WAL) holding conversations, messages,
//! per-model settings, small app state, indexed documents, plus the layout of Hearth's home directory.
//! Everything follows `$HEARTH_HOME` when it is set.

mod documents;
mod home;
mod records;
mod schema;
mod search;
mod stemming;
mod store;
mod typed_settings;

pub use documents::{fts_query, Reading};
pub use home::HearthHome;
pub use records::{
    BenchRecord, Citation, Conversation, ConversationTools, DocumentRecord, Message, MessageStatus, NewChunk, NewDocument, Passage, ToolOutcome,
    ToolResult,
};
pub use search::{prefix_query, MessageHit, MATCH_END, MATCH_START};
pub use store::Store;
pub use typed_settings::Setting;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot prepare {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0} not found")]
    NotFound(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn payload(&self) -> hearth_protocol::ErrorPayload {
        use hearth_protocol::{ErrorCode, ErrorPayload};
        let code = match self {
            StoreError::NotFound(_) => ErrorCode::NotFound,
            _ => ErrorCode::Storage,
        };
        ErrorPayload::new(code, self.to_string())
    }
}

/// TypeScript declarations of the records the UI receives.
pub fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
    vec![
        MessageStatus::decl(),
        Message::decl(),
        Conversation::decl(),
        BenchRecord::decl(),
        DocumentRecord::decl(),
        Passage::decl(),
        Citation::decl(),
        MessageHit::decl(),
        ConversationTools::decl(),
        ToolOutcome::decl(),
        ToolResult::decl(),
    ]
}
