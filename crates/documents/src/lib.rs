//! Documents for questions. A file becomes numbered pages (`pages`, run in a child process by
//! `isolated` so that a reader that panics, aborts or hangs costs one page or one document, never
//! the app), then chunks of a few hundred tokens that never cross a page (`chunking`, counted by
//! `token_count`), which `indexing` writes to the store's full-text index. `prompt` turns a
//! question and the retrieved chunks into a prompt that asks for page citations and reads them
//! back from the answer.

pub mod chunking;
pub mod fixture;
pub mod hybrid;
pub mod indexing;
pub mod isolated;
pub mod limits;
pub mod pages;
pub mod prompt;
pub mod token_count;

pub use chunking::{chunk_page, Chunk, ChunkSizes};
pub use hearth_store::Citation;
pub use indexing::{index_file, sha256_file, IndexProgress};
pub use isolated::{serve_extraction, Extractor};
pub use pages::{DocumentKind, ExtractedPage};
pub use prompt::{cited_pages, parse_citations, question_prompt, tool_result, whole_documents, QuestionPrompt};
pub use token_count::TokenCounter;

use hearth_protocol::{ErrorCode, ErrorPayload};

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("{0} is password-protected: Hearth cannot open encrypted PDFs (remove the password, e.g. with qpdf --decrypt, and add it again)")]
    Encrypted(String),
    #[error("{0} has no text layer; OCR is not available (it looks like a scan)")]
    NoTextLayer(String),
    #[error("{name} is damaged or truncated: {detail}")]
    Damaged { name: String, detail: String },
    #[error("{0} is not a PDF (its content is something else)")]
    NotAPdf(String),
    #[error("{0}: only PDF, text and Markdown files can be added")]
    Unsupported(String),
    #[error("{0} has no text")]
    Empty(String),
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{name} is {}: Hearth reads {kind} files up to {} (split it into smaller files)", crate::limits::mib(*size), crate::limits::mib(*limit))]
    TooLarge { name: String, size: u64, limit: u64, kind: String },
    #[error("reading {0} was cancelled")]
    Cancelled(String),
    #[error("the document reader failed on {name}: {detail}")]
    Reader { name: String, detail: String },
    #[error("cannot build the tokenizer: {0}")]
    Tokenizer(String),
    #[error(transparent)]
    Store(#[from] hearth_store::StoreError),
}

impl DocumentError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DocumentError::Encrypted(_) => ErrorCode::DocumentEncrypted,
            DocumentError::NoTextLayer(_) => ErrorCode::DocumentNoText,
            DocumentError::Damaged { .. } | DocumentError::Empty(_) | DocumentError::Reader { .. } | DocumentError::Io { .. } => {
                ErrorCode::DocumentUnreadable
            }
            DocumentError::NotAPdf(_) | DocumentError::Unsupported(_) | DocumentError::TooLarge { .. } => ErrorCode::DocumentUnsupported,
            DocumentError::Cancelled(_) => ErrorCode::Cancelled,
            DocumentError::Tokenizer(_) => ErrorCode::Internal,
            DocumentError::Store(e) => e.payload().code,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload::new(self.code(), self.to_string())
    }
}
