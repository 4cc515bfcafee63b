//! Documents on a conversation: added (each file read by a `hearth extract` child, so a PDF that
//! crashes or hangs its reader costs that file or page, never the app), embedded when an
//! embedding model is chosen (a `hearth embed` job), listed, removed, and a cited page read back.
//! Reading runs on a blocking thread; the database is locked only to look the file up and to
//! write the finished index.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use hearth_conversation::{QueryEmbedding, TurnAction};
use hearth_documents::{index_file, Extractor, IndexProgress, TokenCounter};
use hearth_protocol::jobs::EmbedJob;
use hearth_protocol::{ErrorCode, ErrorPayload, Role};
use hearth_store::DocumentRecord;
use serde::Serialize;
use ts_rs::TS;

use crate::error::join_error;
use crate::jobs::{run_job, CancelSlot};
use crate::settings::EmbeddingModel;
use crate::{engine_executable, Core, CoreError, Result};

/// What became of one file: its document, or why it could not be added.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DocumentOutcome {
    pub path: String,
    pub document: Option<DocumentRecord>,
    pub error: Option<ErrorPayload>,
}

impl Core {
    pub async fn add_documents(
        &self,
        conversation_id: i64,
        paths: Vec<String>,
        on_progress: impl Fn(IndexProgress) + Clone + Send + 'static,
    ) -> Result<Vec<DocumentOutcome>> {
        self.store.lock().conversation(conversation_id)?;
        self.documents_cancel.store(false, Ordering::Relaxed);
        // Chunks are sized with the loaded model's tokenizer when it has a byte-level BPE one.
        let model_path = self.model.lock().info.as_ref().map(|m| PathBuf::from(&m.path));
        let mut outcomes = Vec::new();
        for path in paths {
            let store = self.store.clone();
            let cancel = self.documents_cancel.clone();
            let progress = on_progress.clone();
            let model_path = model_path.clone();
            let file = PathBuf::from(&path);
            let result = tokio::task::spawn_blocking(move || -> std::result::Result<DocumentRecord, ErrorPayload> {
                let counter = model_path.and_then(|m| TokenCounter::for_model(&m).ok()).unwrap_or(TokenCounter::Estimate);
                let extractor = Extractor::new(engine_executable(), &["extract"]);
                index_file(|| store.lock(), &file, &extractor, &counter, &cancel, progress).map_err(|e| e.payload())
            })
            .await
            .map_err(|e| join_error("reading the document", e))?;
            match result {
                Ok(doc) => {
                    self.store.lock().attach_document(conversation_id, doc.id)?;
                    if let Some(model) = self.embedding_model()? {
                        let name = doc.name.clone();
                        let progress = on_progress.clone();
                        let embedded = self
                            .run_embed(&model, &[doc.id], None, |done, total| {
                                progress(IndexProgress { document: name.clone(), stage: "embedding".into(), page: done as u32, pages: total as u32 });
                            })
                            .await;
                        if let Err(e) = embedded {
                            // The document is added; questions fall back to BM25 until embeddings work.
                            let p = e.payload();
                            outcomes.push(DocumentOutcome {
                                path: path.clone(),
                                document: Some(doc.clone()),
                                error: Some(ErrorPayload::new(
                                    p.code,
                                    format!("{} was added, but the embedding model failed: {}", doc.name, p.message),
                                )),
                            });
                            continue;
                        }
                    }
                    on_progress(IndexProgress { document: doc.name.clone(), stage: "done".into(), page: doc.pages, pages: doc.pages });
                    outcomes.push(DocumentOutcome { path, document: Some(doc), error: None });
                }
                Err(error) => {
                    let cancelled = error.code == ErrorCode::Cancelled;
                    outcomes.push(DocumentOutcome { path, document: None, error: Some(error) });
                    if cancelled {
                        break;
                    }
                }
            }
        }
        Ok(outcomes)
    }

    /// The embedding model for documents chosen in Settings (a GGUF path), if any.
    fn embedding_model(&self) -> Result<Option<String>> {
        Ok(self.store.lock().setting::<EmbeddingModel>()?.filter(|p| !p.trim().is_empty()))
    }

    /// Runs `hearth embed` (llama.cpp stays out of the app): embeds the documents' chunks that
    /// have no vector from the model yet, and the query when given.
    async fn run_embed(
        &self,
        model: &str,
        documents: &[i64],
        query: Option<&str>,
        mut on_progress: impl FnMut(u64, u64),
    ) -> Result<Option<QueryEmbedding>> {
        let mut args = vec!["embed".to_string(), "--model".into(), model.to_string()];
        if !documents.is_empty() {
            args.extend(["--documents".into(), documents.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")]);
        }
        if let Some(q) = query {
            args.extend(["--query".into(), q.to_string()]);
        }
        let cancel = CancelSlot::default();
        let report = run_job::<EmbedJob>(&args, &[], self.home.root(), &cancel, ErrorCode::LoadFailed, |p| on_progress(p.done, p.total)).await?;
        Ok(report.vector.map(|vector| QueryEmbedding { model: report.model, vector }))
    }

    /// The question's embedding for a turn on a conversation with documents, when an embedding
    /// model is chosen (chunks it has not embedded yet are embedded first). `None`: BM25 alone.
    pub(crate) async fn query_embedding(&self, conversation_id: i64, action: &TurnAction) -> Result<Option<QueryEmbedding>> {
        let Some(model) = self.embedding_model()? else { return Ok(None) };
        let (documents, question) = {
            let store = self.store.lock();
            let documents: Vec<i64> = store.conversation_documents(conversation_id)?.iter().map(|d| d.id).collect();
            let question = match action {
                TurnAction::Send { text } | TurnAction::EditAndResend { text, .. } => Some(text.clone()),
                TurnAction::Regenerate | TurnAction::Continue => {
                    store.messages(conversation_id)?.into_iter().rev().find(|m| m.role == Role::User).map(|m| m.content)
                }
                TurnAction::Summarize { .. } => None,
            };
            (documents, question)
        };
        let Some(question) = question.filter(|_| !documents.is_empty()) else { return Ok(None) };
        self.run_embed(&model, &documents, Some(&question), |_, _| {}).await.map_err(|e| {
            let p = e.payload();
            CoreError::new(p.code, format!("the embedding model for documents ({model}) failed: {}", p.message))
        })
    }

    /// Stops adding documents: the file being read is dropped, those already added stay.
    pub fn cancel_documents(&self) -> Result<()> {
        self.documents_cancel.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub fn conversation_documents(&self, conversation_id: i64) -> Result<Vec<DocumentRecord>> {
        Ok(self.store.lock().conversation_documents(conversation_id)?)
    }

    pub fn remove_document(&self, conversation_id: i64, document_id: i64) -> Result<()> {
        Ok(self.store.lock().detach_document(conversation_id, document_id)?)
    }

    /// The text of a document's page (1-based), for showing a citation.
    pub fn document_page(&self, document_id: i64, page: u32) -> Result<String> {
        Ok(self.store.lock().document_page(document_id, page)?)
    }
}
