//! Running one turn.

use std::sync::Arc;

use parking_lot::Mutex;
use std::time::{Duration, Instant};

use crate::token_pacing::TokenPacer;
use hearth_engine_client::EngineClient;
use hearth_protocol::{ErrorCode, ErrorPayload, Event, Request, Role, StopReason, TextPart};
use hearth_store::{Message, MessageStatus, Store, StoreError};
use serde::Serialize;
use ts_rs::TS;

/// How often a streaming answer is written to the database.
pub const SAVE_INTERVAL: Duration = Duration::from_millis(500);
const NEW_TITLE: &str = "New chat";

pub type SharedStore = Arc<Mutex<Store>>;

#[derive(Debug, Clone)]
pub enum TurnAction {
    /// A new user message.
    Send { text: String },
    /// Answer the last user message again (the old answer is replaced).
    Regenerate,
    /// Change a user message, drop everything after it, answer again.
    EditAndResend { message_id: i64, text: String },
    /// Summarize one of the conversation's documents (map-reduce when it is longer than the context).
    Summarize { document_id: i64 },
    /// Answer again after tool results (a new answer after the last `tool` messages).
    Continue,
}

/// What the caller sees while a turn runs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
// `Started` carries two messages once per turn; boxing them would only move the cost.
#[allow(clippy::large_enum_variant)]
pub enum TurnEvent {
    Started {
        /// The user's message as stored (absent for regenerate).
        user_message: Option<Message>,
        assistant_message: Message,
        /// Pass to `stop_generation`.
        #[ts(type = "number")]
        generation_id: u64,
    },
    ContextTrimmed {
        dropped_messages: u32,
    },
    /// The question is answered from the conversation's documents: passages retrieved (or the
    /// documents given whole when they fit), put into the prompt with their pages.
    DocumentsUsed {
        passages: u32,
        whole: bool,
        pages: Vec<u32>,
    },
    /// A summary's map step: `section` of `sections` parts of the document summarized so far.
    SummaryProgress {
        section: u32,
        sections: u32,
    },
    PromptDone {
        prompt_tokens: u32,
    },
    /// A piece of the answer, or of its reasoning (`part`).
    Token {
        text: String,
        part: TextPart,
    },
    /// The assistant message in its final state: complete, stopped, failed or interrupted.
    Finished {
        message: Message,
    },
    /// The model called a tool that needs the user's approval: answer with `answer_tool_call`.
    ToolApproval {
        #[ts(type = "number")]
        approval_id: u64,
        call: hearth_protocol::ToolCall,
        server: String,
    },
    /// A tool call's `tool` message (its result, or why there is none), as stored.
    ToolResult {
        message: Message,
    },
    /// Something about the tools the user should know (a server that did not start).
    ToolNotice {
        text: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

impl TurnError {
    pub fn payload(&self) -> ErrorPayload {
        match self {
            TurnError::Store(e) => e.payload(),
            TurnError::Invalid(m) => ErrorPayload::new(ErrorCode::BadRequest, m.clone()),
        }
    }
}

/// The name a conversation's sequence state is kept under by the engine (and its file on disk).
pub fn state_tag(conversation_id: i64) -> String {
    format!("conversation-{conversation_id}")
}

fn title_from(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut title: String = line.chars().take(48).collect();
    if line.chars().count() > 48 {
        title.push('…');
    }
    if title.is_empty() {
        NEW_TITLE.to_string()
    } else {
        title
    }
}

/// Runs one turn to its end. Engine failures do not make this fail: they end the turn with a
/// `failed` or `interrupted` message, which is returned. Only bad input and storage errors are `Err`.
/// The question's embedding from an embedding model (name, normalized vector): with it, passages
/// are retrieved by BM25 fused with embedding similarity.
#[derive(Debug, Clone, Default)]
pub struct QueryEmbedding {
    pub model: String,
    pub vector: Vec<f32>,
}

/// What the turn knows of the loaded model.
#[derive(Debug, Clone, Default)]
pub struct TurnModel<'a> {
    /// Stored on the answer.
    pub name: Option<&'a str>,
    /// The context length (0 when unknown): with documents on the conversation, it decides how
    /// much of them fits in the prompt.
    pub context_length: u32,
    pub query_embedding: Option<QueryEmbedding>,
    /// Set by the user's Stop: the steps before the streamed answer (a summary's sections) check
    /// it, and a section being written is cancelled.
    pub stop: Option<&'a std::sync::atomic::AtomicBool>,
    /// Functions offered to the model (OpenAI's `tools` shape) and a forced call, for this round.
    pub tools: Option<Vec<serde_json::Value>>,
    pub constraint: Option<hearth_protocol::OutputConstraint>,
    /// Passages a document search tool returned earlier in this turn: the answer's citations are
    /// matched against them too.
    pub extra_sources: Vec<hearth_store::Passage>,
    /// At most one `Token` event per this interval, with the text that came in between
    /// (`token_pacing.rs`); zero (the default) sends each token as it comes.
    pub token_interval: Duration,
}

pub async fn run_turn(
    store: &SharedStore,
    engine: &EngineClient,
    conversation_id: i64,
    action: TurnAction,
    model: TurnModel<'_>,
    mut emit: impl FnMut(TurnEvent),
) -> Result<Message, TurnError> {
    let TurnModel { name: model_name, context_length, query_embedding, stop, tools, constraint, extra_sources, token_interval } = model;
    // The question stored, older answers replaced, the answer's row made: one unit, so an edit is
    // never kept without its resend (or the other way round) when something fails midway.
    let (user_message, assistant, mut history, sampling, template, documents) = store.lock().atomically(|s| -> Result<_, TurnError> {
        let conv = s.conversation(conversation_id)?;
        let user_message = match &action {
            TurnAction::Send { text } => {
                if text.trim().is_empty() {
                    return Err(TurnError::Invalid("the message is empty".into()));
                }
                if conv.title == NEW_TITLE {
                    s.rename_conversation(conversation_id, &title_from(text))?;
                }
                Some(s.add_message(conversation_id, Role::User, text, MessageStatus::Complete, None)?)
            }
            TurnAction::Regenerate => {
                let last_user = s
                    .messages(conversation_id)?
                    .into_iter()
                    .rev()
                    .find(|m| m.role == Role::User)
                    .ok_or_else(|| TurnError::Invalid("there is no question to answer again".into()))?;
                s.delete_messages_after(conversation_id, last_user.id)?;
                None
            }
            TurnAction::Summarize { document_id } => {
                let doc = s.document(*document_id)?;
                if !s.conversation_documents(conversation_id)?.iter().any(|d| d.id == doc.id) {
                    return Err(TurnError::Invalid(format!("{} is not a document of this conversation", doc.name)));
                }
                let text = format!("Summarize {}", doc.name);
                if conv.title == NEW_TITLE {
                    s.rename_conversation(conversation_id, &text)?;
                }
                Some(s.add_message(conversation_id, Role::User, &text, MessageStatus::Complete, None)?)
            }
            TurnAction::Continue => {
                let last = s.messages(conversation_id)?.into_iter().last();
                if last.map(|m| m.role) != Some(Role::Tool) {
                    return Err(TurnError::Invalid("there are no tool results to answer from".into()));
                }
                None
            }
            TurnAction::EditAndResend { message_id, text } => {
                let m = s.message(*message_id)?;
                if m.conversation_id != conversation_id || m.role != Role::User {
                    return Err(TurnError::Invalid("only your own messages in this conversation can be edited".into()));
                }
                if text.trim().is_empty() {
                    return Err(TurnError::Invalid("the message is empty".into()));
                }
                let edited = s.edit_message(*message_id, text)?;
                s.delete_messages_after(conversation_id, *message_id)?;
                Some(edited)
            }
        };
        let history = s.chat_history(conversation_id)?;
        let documents = s.conversation_documents(conversation_id)?;
        let assistant = s.add_message(conversation_id, Role::Assistant, "", MessageStatus::Streaming, model_name)?;
        let mut sampling = conv.sampling;
        sampling.tools = tools;
        sampling.constraint = constraint;
        Ok((user_message, assistant, history, sampling, conv.template, documents))
    })?;

    // The last question, with the passages that answer it, replaces the question sent to the
    // engine (the stored message stays as the user typed it).
    let mut sources = Vec::new();
    if let TurnAction::Summarize { document_id } = &action {
        let (doc, chunks) = {
            let s = store.lock();
            (s.document(*document_id)?, s.document_chunks(*document_id)?)
        };
        let context = if context_length == 0 { 4096 } else { context_length };
        // Half the context for a section: the rest is the template, the instructions and the answer.
        let parts = crate::summary::sections(&chunks, context / 2);
        let prompt = if parts.len() <= 1 {
            crate::summary::whole_prompt(&doc, parts.first().map(Vec::as_slice).unwrap_or(&[]))
        } else {
            let mut summaries = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                emit(TurnEvent::SummaryProgress { section: i as u32, sections: parts.len() as u32 });
                match crate::summary::complete(engine, crate::summary::section_prompt(&doc, part), &sampling, &template, stop).await {
                    Ok(text) => summaries.push((crate::summary::span_of(part), text)),
                    Err(error) if error.code == ErrorCode::Cancelled => {
                        // Stopped while reading the sections: nothing to keep but the request.
                        let message = store.lock().finish_message(assistant.id, "", "", MessageStatus::Stopped, None, None)?;
                        emit(TurnEvent::Started { user_message, assistant_message: message.clone(), generation_id: 0 });
                        emit(TurnEvent::Finished { message: message.clone() });
                        return Ok(message);
                    }
                    Err(error) => {
                        // A dead engine or a remote server gone mid-answer interrupts; the text so far stays.
                        let gone = matches!(error.code, ErrorCode::EngineDied | ErrorCode::RemoteUnreachable);
                        let status = if gone { MessageStatus::Interrupted } else { MessageStatus::Failed };
                        let message = store.lock().finish_message(assistant.id, "", "", status, None, Some(&error))?;
                        emit(TurnEvent::Started { user_message, assistant_message: message.clone(), generation_id: 0 });
                        emit(TurnEvent::Finished { message: message.clone() });
                        return Ok(message);
                    }
                }
            }
            emit(TurnEvent::SummaryProgress { section: parts.len() as u32, sections: parts.len() as u32 });
            // Summaries that together still do not fit are summarized in groups first.
            while summaries.iter().map(|(_, t)| t.len() as u32 / 3).sum::<u32>() > context / 2 && summaries.len() > 1 {
                let mut merged = Vec::new();
                for pair in summaries.chunks(2) {
                    let span = format!("{} to {}", pair[0].0, pair[pair.len() - 1].0);
                    let text = crate::summary::complete(engine, crate::summary::reduce_prompt(&doc, pair), &sampling, &template, stop)
                        .await
                        .unwrap_or_else(|_| pair.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(" "));
                    merged.push((span, text));
                }
                summaries = merged;
            }
            crate::summary::reduce_prompt(&doc, &summaries)
        };
        history = vec![hearth_protocol::ChatMessage::new(Role::User, prompt)];
        sources = chunks;
    } else if !documents.is_empty() {
        if let Some(last) = history.iter().rposition(|m| m.role == Role::User) {
            let (prompt, whole) = {
                let s = store.lock();
                document_prompt(&s, &documents, &history[last].content, context_length, query_embedding.as_ref())?
            };
            emit(TurnEvent::DocumentsUsed { passages: prompt.sources.len() as u32, whole, pages: prompt.sources.iter().map(|p| p.page).collect() });
            // Documents read whole go with the conversation's first question, the same text every
            // turn: the prompt then starts the same way each time, and the engine's kept state
            // (issue 21) spares reading them again. Passages retrieved for this question go with it,
            // and so do whole documents once the conversation nears the context: the engine drops
            // the oldest turns then, and the documents must not go with them.
            let first = history.iter().position(|m| m.role == Role::User).unwrap_or(last);
            let counter = hearth_documents::TokenCounter::Estimate;
            let conversation_tokens: u32 = history.iter().map(|m| counter.count(&m.content)).sum();
            let context = if context_length == 0 { 4096 } else { context_length };
            if whole && first != last && conversation_tokens + prompt.tokens < context * 3 / 4 {
                let s = store.lock();
                history[first].content = document_prompt(&s, &documents, &history[first].content, context_length, None)?.0.message;
            } else {
                history[last].content = prompt.message;
            }
            sources = prompt.sources;
        }
    }

    for p in extra_sources {
        if !sources.iter().any(|s: &hearth_store::Passage| s.document_id == p.document_id && s.page == p.page && s.text == p.text) {
            sources.push(p);
        }
    }
    let mut tool_calls: Vec<hearth_protocol::ToolCall> = Vec::new();
    let finish = |content: &str,
                  reasoning: &str,
                  status,
                  stats,
                  error: Option<ErrorPayload>,
                  calls: &[hearth_protocol::ToolCall]|
     -> Result<Message, TurnError> {
        let s = store.lock();
        let mut message = s.finish_message(assistant.id, content, reasoning, status, stats, error.as_ref())?;
        if !calls.is_empty() {
            // Each call gets an id its result names (the template pairs them).
            let calls: Vec<_> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| hearth_protocol::ToolCall {
                    id: Some(c.id.clone().unwrap_or_else(|| format!("call_{}_{i}", assistant.id))),
                    ..c.clone()
                })
                .collect();
            message = s.set_tool_calls(assistant.id, &calls)?;
        }
        if sources.is_empty() || content.trim().is_empty() {
            return Ok(message);
        }
        Ok(s.set_citations(assistant.id, &hearth_documents::cited_pages(content, &sources))?)
    };

    let mut stream = match engine
        .request_first(|id| Request::Generate { id, messages: history, sampling, template, keep_state_as: Some(state_tag(conversation_id)) })
        .await
    {
        Ok(s) => s,
        Err(e) => {
            let message = finish("", "", MessageStatus::Failed, None, Some(e.payload()), &[])?;
            emit(TurnEvent::Started { user_message, assistant_message: message.clone(), generation_id: 0 });
            emit(TurnEvent::Finished { message: message.clone() });
            return Ok(message);
        }
    };
    emit(TurnEvent::Started { user_message, assistant_message: assistant.clone(), generation_id: stream.id });

    let mut text = String::new();
    let mut reasoning = String::new();
    let mut last_save = Instant::now();
    let mut saved_len = 0;
    let mut pacer = TokenPacer::new(token_interval);
    let message = loop {
        let next = match pacer.due() {
            None => stream.next().await,
            // Held text goes out when it is due even if the engine says nothing more till then.
            Some(due) => match tokio::time::timeout_at(due.into(), stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    pacer.flush(&mut emit);
                    continue;
                }
            },
        };
        if !matches!(next, Some(Event::Token { .. })) {
            pacer.flush(&mut emit);
        }
        let Some(event) = next else {
            let died = ErrorPayload::new(ErrorCode::EngineDied, "the engine stopped answering");
            break finish(&text, &reasoning, MessageStatus::Interrupted, None, Some(died), &tool_calls)?;
        };
        match event {
            Event::Token { text: piece, part, .. } => {
                match part {
                    TextPart::Answer => text.push_str(&piece),
                    TextPart::Reasoning => reasoning.push_str(&piece),
                }
                pacer.push(&piece, part, &mut emit);
                if last_save.elapsed() >= SAVE_INTERVAL && text.len() + reasoning.len() != saved_len {
                    // The guard must not live across the await below.
                    let saved = store.lock().save_partial(assistant.id, &text, &reasoning);
                    if let Err(e) = saved {
                        // The answer cannot be saved as it grows (a full disk): stop generating
                        // it and keep it, marked interrupted, as far as anything can be kept.
                        let e = TurnError::from(e);
                        pacer.flush(&mut emit);
                        engine.cancel(stream.id).await;
                        let _ = finish(&text, &reasoning, MessageStatus::Interrupted, None, Some(e.payload()), &tool_calls);
                        return Err(e);
                    }
                    saved_len = text.len() + reasoning.len();
                    last_save = Instant::now();
                }
            }
            Event::ToolCall { call, .. } => tool_calls.push(call),
            Event::ContextTrimmed { dropped_messages, .. } => emit(TurnEvent::ContextTrimmed { dropped_messages }),
            Event::PromptDone { prompt_tokens, .. } => emit(TurnEvent::PromptDone { prompt_tokens }),
            Event::Done { stats, .. } => {
                let status = if stats.stop_reason == StopReason::Cancelled { MessageStatus::Stopped } else { MessageStatus::Complete };
                break finish(&text, &reasoning, status, Some(&stats), None, &tool_calls)?;
            }
            Event::Error { error, .. } => {
                // A dead engine or a remote server gone mid-answer interrupts; the text so far stays.
                let gone = matches!(error.code, ErrorCode::EngineDied | ErrorCode::RemoteUnreachable);
                let status = if gone { MessageStatus::Interrupted } else { MessageStatus::Failed };
                break finish(&text, &reasoning, status, None, Some(error), &tool_calls)?;
            }
            _ => {}
        }
    };
    emit(TurnEvent::Finished { message: message.clone() });
    Ok(message)
}

/// The prompt for `question` over `documents`: the documents whole when they fit in about half
/// the context (the rest is for the conversation and the answer), else the passages that match.
fn document_prompt(
    s: &Store,
    documents: &[hearth_store::DocumentRecord],
    question: &str,
    context_length: u32,
    query_embedding: Option<&QueryEmbedding>,
) -> Result<(hearth_documents::QuestionPrompt, bool), TurnError> {
    let counter = hearth_documents::TokenCounter::Estimate;
    let context = if context_length == 0 { 4096 } else { context_length };
    let budget = context / 2;
    let total: u32 = documents.iter().map(|d| d.tokens).sum();
    let ids: Vec<i64> = documents.iter().map(|d| d.id).collect();
    let whole = total + total / 10 < budget;
    let passages = if whole {
        hearth_documents::whole_documents(s, documents, &counter)?
    } else {
        // Eight passages of ~256 tokens: enough to answer from, and a prompt a small machine
        // evaluates in seconds rather than a minute.
        retrieve(s, &ids, question, query_embedding, 8)?
    };
    Ok((hearth_documents::question_prompt(question, &passages, budget, &counter), whole))
}

/// The `limit` passages of `documents` that best match `query`, best first: BM25, fused with
/// embedding similarity when the query has an embedding (each ranking 20 deep).
pub fn retrieve(
    s: &Store,
    documents: &[i64],
    query: &str,
    query_embedding: Option<&QueryEmbedding>,
    limit: usize,
) -> Result<Vec<hearth_store::Passage>, StoreError> {
    let bm25 = s.search_chunks(query, documents, 20)?;
    Ok(match query_embedding {
        Some(q) => {
            let dense = s.nearest_chunks(documents, &q.model, &q.vector, 20)?;
            hearth_documents::hybrid::fuse(&[&bm25, &dense], limit)
        }
        None => bm25.into_iter().take(limit).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::title_from;

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(title_from("\n  Hello there\nmore"), "Hello there");
        assert_eq!(title_from(&"x".repeat(60)).chars().count(), 49);
    }
}
