//! Documents on a conversation: added (each file read by a `hearth extract` child, so a PDF that
//! crashes or hangs its reader costs that file or page, never the app), listed, removed, and a
//! cited page read back. Reading runs on a blocking thread; the database is locked only to look
//! the file up and to write the finished index.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use hearth_conversation::{QueryEmbedding, TurnAction};
use hearth_documents::{read_document, sha256_file, Extractor, IndexProgress, TokenCounter};
use hearth_protocol::{ErrorCode, ErrorPayload, Role};
use hearth_store::DocumentRecord;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::state::{engine_executable, AppState};
use crate::AppError;

type Result<T> = std::result::Result<T, AppError>;

/// What became of one file: its document, or why it could not be added.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DocumentOutcome {
    pub path: String,
    pub document: Option<DocumentRecord>,
    pub error: Option<ErrorPayload>,
}

#[tauri::command]
pub async fn add_documents(
    state: State<'_, AppState>,
    conversation_id: i64,
    paths: Vec<String>,
    on_progress: Channel<IndexProgress>,
) -> Result<Vec<DocumentOutcome>> {
    state.store.lock().unwrap().conversation(conversation_id)?;
    state.documents_cancel.store(false, Ordering::Relaxed);
    // Chunks are sized with the loaded model's tokenizer when it has a byte-level BPE one.
    let model_path = state.model.lock().unwrap().info.as_ref().map(|m| PathBuf::from(&m.path));
    let mut outcomes = Vec::new();
    for path in paths {
        let store = state.store.clone();
        let cancel = state.documents_cancel.clone();
        let progress = on_progress.clone();
        let model_path = model_path.clone();
        let file = PathBuf::from(&path);
        let result = tauri::async_runtime::spawn_blocking(move || -> std::result::Result<DocumentRecord, ErrorPayload> {
            let sha = sha256_file(&file).map_err(|e| e.payload())?;
            let known = store.lock().unwrap().document_by_sha256(&sha).map_err(|e| e.payload())?;
            if let Some(doc) = known {
                return Ok(doc);
            }
            let counter = model_path.and_then(|m| TokenCounter::for_model(&m).ok()).unwrap_or(TokenCounter::Estimate);
            let extractor = Extractor::new(engine_executable(), &["extract"]);
            let new = read_document(&file, sha, &extractor, &counter, &cancel, |p| {
                let _ = progress.send(p);
            })
            .map_err(|e| e.payload())?;
            store.lock().unwrap().add_document(&new).map_err(|e| e.payload())
        })
        .await
        .map_err(|e| AppError::Invalid(format!("reading the document failed: {e}")))?;
        match result {
            Ok(doc) => {
                state.store.lock().unwrap().attach_document(conversation_id, doc.id)?;
                if let Some(model) = embedding_model(&state) {
                    let name = doc.name.clone();
                    let embedded = run_embed(&state, &model, &[doc.id], None, |done, total| {
                        let _ = on_progress.send(IndexProgress { document: name.clone(), stage: "embedding".into(), page: done as u32, pages: total as u32 });
                    })
                    .await;
                    if let Err(e) = embedded {
                        // The document is added; questions fall back to BM25 until embeddings work.
                        let p = e.payload();
                        outcomes.push(DocumentOutcome {
                            path: path.clone(),
                            document: Some(doc.clone()),
                            error: Some(ErrorPayload::new(p.code, format!("{} was added, but the embedding model failed: {}", doc.name, p.message))),
                        });
                        continue;
                    }
                }
                let _ = on_progress.send(IndexProgress { document: doc.name.clone(), stage: "done".into(), page: doc.pages, pages: doc.pages });
                outcomes.push(DocumentOutcome { path, document: Some(doc), error: None });
            }
            Err(error) => {
                let cancelled = error.code == hearth_protocol::ErrorCode::Cancelled;
                outcomes.push(DocumentOutcome { path, document: None, error: Some(error) });
                if cancelled {
                    break;
                }
            }
        }
    }
    Ok(outcomes)
}

/// The embedding model for documents the user chose in Settings (a GGUF path), if any.
fn embedding_model(state: &AppState) -> Option<String> {
    let raw = state.store.lock().unwrap().app_state("ui.embedding_model").ok().flatten()?;
    serde_json::from_str::<Option<String>>(&raw).ok().flatten().filter(|p| !p.trim().is_empty())
}

/// Runs `hearth embed` (llama.cpp stays out of the app): embeds the documents' chunks that have no
/// vector from the model yet, and the query when given.
async fn run_embed(state: &AppState, model: &str, documents: &[i64], query: Option<&str>, mut on_progress: impl FnMut(u64, u64)) -> Result<Option<QueryEmbedding>> {
    let ids = documents.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",");
    let mut args = vec!["embed", "--model", model];
    if !ids.is_empty() {
        args.extend(["--documents", ids.as_str()]);
    }
    if let Some(q) = query {
        args.extend(["--query", q]);
    }
    let cancel = crate::cli_child::CancelSlot::default();
    let report = crate::cli_child::run(&args, state.home.root(), &cancel, "Embedding", ErrorCode::LoadFailed, |line| {
        if let (Some(done), Some(total)) = (line["done"].as_u64(), line["total"].as_u64()) {
            on_progress(done, total);
        }
    })
    .await?;
    let vector: Option<Vec<f32>> = serde_json::from_value(report["vector"].clone()).unwrap_or(None);
    Ok(vector.map(|vector| QueryEmbedding { model: report["model"].as_str().unwrap_or_default().to_string(), vector }))
}

/// The question's embedding for a turn on a conversation with documents, when an embedding model
/// is chosen (chunks it has not embedded yet are embedded first). `None`: BM25 alone.
pub async fn query_embedding(state: &AppState, conversation_id: i64, action: &TurnAction) -> Result<Option<QueryEmbedding>> {
    let Some(model) = embedding_model(state) else { return Ok(None) };
    let (documents, question) = {
        let store = state.store.lock().unwrap();
        let documents: Vec<i64> = store.conversation_documents(conversation_id)?.iter().map(|d| d.id).collect();
        let question = match action {
            TurnAction::Send { text } | TurnAction::EditAndResend { text, .. } => Some(text.clone()),
            TurnAction::Regenerate => store.messages(conversation_id)?.into_iter().rev().find(|m| m.role == Role::User).map(|m| m.content),
            TurnAction::Summarize { .. } => None,
        };
        (documents, question)
    };
    let Some(question) = question.filter(|_| !documents.is_empty()) else { return Ok(None) };
    run_embed(state, &model, &documents, Some(&question), |_, _| {}).await.map_err(|e| {
        let p = e.payload();
        AppError::Reported(ErrorPayload::new(p.code, format!("the embedding model for documents ({model}) failed: {}", p.message)))
    })
}

/// Stops adding documents: the file being read is dropped, those already added stay.
#[tauri::command]
pub async fn cancel_documents(state: State<'_, AppState>) -> Result<()> {
    state.documents_cancel.store(true, Ordering::Relaxed);
    Ok(())
}

#[tauri::command]
pub async fn conversation_documents(state: State<'_, AppState>, conversation_id: i64) -> Result<Vec<DocumentRecord>> {
    Ok(state.store.lock().unwrap().conversation_documents(conversation_id)?)
}

#[tauri::command]
pub async fn remove_document(state: State<'_, AppState>, conversation_id: i64, document_id: i64) -> Result<()> {
    Ok(state.store.lock().unwrap().detach_document(conversation_id, document_id)?)
}

/// The text of a document's page (1-based), for showing a citation.
#[tauri::command]
pub async fn document_page(state: State<'_, AppState>, document_id: i64, page: u32) -> Result<String> {
    Ok(state.store.lock().unwrap().document_page(document_id, page)?)
}
