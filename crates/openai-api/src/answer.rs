//! Running one generation for a request and answering it whole or as SSE, in the shape of a
//! chat completion or a text completion. The queue's turn is held until the answer is complete;
//! a client that goes away cancels the generation (`Generation`'s drop), and so does a `stop`
//! sequence once it is reached. An answer the app's own chat waits behind ends after a grace
//! period (`Api::set_yield_grace`), as a `length` finish with what was written.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hearth_engine_client::{EngineClient, EventStream};
use hearth_protocol::{ChatMessage, Event, Request, SamplingSettings, StopReason, TemplateChoice, TextPart, ToolCall};
use serde_json::{json, Value};

use crate::request_log::Tracker;
use crate::stop::StopMatcher;
use crate::{error, Api};

pub(crate) struct Job {
    pub route: String,
    pub model: String,
    pub stream: bool,
    pub include_usage: bool,
    pub sampling: SamplingSettings,
    pub stop: Vec<String>,
    pub messages: Vec<ChatMessage>,
    pub template: TemplateChoice,
    /// Whether more than one tool call may come back (`parallel_tool_calls`).
    pub parallel_tool_calls: bool,
}

#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Chat,
    Completion,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub(crate) async fn run(api: Arc<Api>, job: Job, shape: Shape) -> Response {
    let mut tracker = api.log.start(&job.route, &job.model, job.stream);
    let turn = match api.take_turn().await {
        Ok(t) => t,
        Err(refused) => {
            tracker.finish(429, None, None, Some("the queue is full".into()));
            return refused;
        }
    };
    tracker.running();
    let (messages, sampling, template) = (job.messages, job.sampling, job.template);
    let stream = match api.engine.request(|id| Request::Generate { id, messages, sampling, template, keep_state_as: None }).await {
        Ok(s) => s,
        Err(e) => {
            let message = e.payload().message;
            tracker.finish(503, None, None, Some(message.clone()));
            return error(StatusCode::SERVICE_UNAVAILABLE, "server_error", "engine_unavailable", &message);
        }
    };
    let answer = Answer {
        first_waiting: api.engine.first_waiting(),
        yield_grace: api.yield_grace(),
        yield_deadline: None,
        generation: Generation { engine: api.engine.clone(), id: stream.id, turn: Some(turn), finished: false },
        stream,
        stop: StopMatcher::new(job.stop),
        prompt_tokens: 0,
        cached_tokens: 0,
        completion_tokens: 0,
        pending_end: None,
        calls: 0,
        parallel_tool_calls: job.parallel_tool_calls,
    };
    let id = match shape {
        Shape::Chat => format!("chatcmpl-{}", answer.generation.id),
        Shape::Completion => format!("cmpl-{}", answer.generation.id),
    };
    let out = Output { id, model: job.model, shape, created: now() };
    if job.stream {
        stream_answer(answer, out, tracker, job.include_usage, api.write_timeout())
    } else {
        whole_answer(answer, out, tracker).await
    }
}

/// The engine generation a response is waiting on, with the queue's turn. Dropped before it
/// finished (the client went away, or a stop sequence came), it cancels the generation, and only
/// then is the turn handed to the next request (the engine runs one generation at a time).
struct Generation {
    engine: EngineClient,
    id: u64,
    turn: Option<tokio::sync::OwnedSemaphorePermit>,
    finished: bool,
}

impl Generation {
    /// Cancels the engine's generation unless it finished; the turn passes on once the engine
    /// has stopped. Idempotent.
    fn cancel(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let (engine, id, turn) = (self.engine.clone(), self.id, self.turn.take());
        tokio::spawn(async move {
            engine.cancel(id).await;
            drop(turn);
        });
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        self.cancel();
    }
}

struct Usage {
    prompt_tokens: u32,
    /// Prompt tokens reused from a cached prefix (OpenAI's `prompt_tokens_details.cached_tokens`).
    cached_tokens: u32,
    completion_tokens: u32,
}

impl Usage {
    fn json(&self) -> Value {
        json!({ "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens,
                "prompt_tokens_details": { "cached_tokens": self.cached_tokens } })
    }
}

enum Piece {
    Text(String),
    /// The model's reasoning (Harmony's analysis channel, `<think>`), sent apart from the
    /// answer as `reasoning_content`, as llama-server and vLLM send it.
    Reasoning(String),
    /// A function call (its `index` among this answer's calls, and its `call_…` id).
    Call {
        index: usize,
        id: String,
        call: ToolCall,
    },
    End {
        finish_reason: &'static str,
        usage: Usage,
        /// Why it ended, or what was odd, for the request log, where that is not the usual.
        note: Option<String>,
    },
    Failed {
        code: &'static str,
        message: String,
        /// The request asked for what cannot be done (a schema no grammar can follow): 400.
        bad_request: bool,
    },
}

/// The engine's events turned into the pieces a client sees, `stop` sequences applied.
struct Answer {
    generation: Generation,
    stream: EventStream,
    stop: StopMatcher,
    prompt_tokens: u32,
    cached_tokens: u32,
    completion_tokens: u32,
    /// The end, when text had to go out first.
    pending_end: Option<Piece>,
    /// Tool calls so far.
    calls: usize,
    parallel_tool_calls: bool,
    /// Requests the app sent that the engine has not taken up (`EngineClient::request_first`):
    /// one sent after this generation waits behind it, so this answer ends `yield_grace` after
    /// it came (finish reason `length`), and the app's chat never waits longer than that.
    first_waiting: tokio::sync::watch::Receiver<Vec<u64>>,
    yield_grace: std::time::Duration,
    yield_deadline: Option<tokio::time::Instant>,
}

/// Resolves once a request that this generation (`id`) should yield to has waited `grace`;
/// `deadline` keeps the time across calls (the future is dropped at every token).
async fn yield_due(
    rx: &mut tokio::sync::watch::Receiver<Vec<u64>>,
    id: u64,
    grace: std::time::Duration,
    deadline: &mut Option<tokio::time::Instant>,
) {
    loop {
        let behind_us = rx.borrow_and_update().iter().any(|&waiting| waiting > id);
        if !behind_us {
            *deadline = None;
            if rx.changed().await.is_err() {
                return std::future::pending().await;
            }
            continue;
        }
        let due = *deadline.get_or_insert_with(|| tokio::time::Instant::now() + grace);
        tokio::select! {
            _ = tokio::time::sleep_until(due) => return,
            changed = rx.changed() => if changed.is_err() { return std::future::pending().await },
        }
    }
}

/// The request log's note for an answer that ended early for the app's chat.
const YIELDED: &str = "ended early: the app's chat needed the model";

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::MaxTokens | StopReason::ContextFull => "length",
        _ => "stop",
    }
}

impl Answer {
    fn end_after(&mut self, text: String, end: Piece) -> Piece {
        if text.is_empty() {
            return end;
        }
        self.pending_end = Some(end);
        Piece::Text(text)
    }

    async fn next(&mut self) -> Piece {
        if let Some(end) = self.pending_end.take() {
            return end;
        }
        loop {
            let event = tokio::select! {
                event = self.stream.next() => event,
                _ = yield_due(&mut self.first_waiting, self.generation.id, self.yield_grace, &mut self.yield_deadline) => {
                    self.generation.cancel();
                    let rest = self.stop.flush();
                    let usage = Usage { prompt_tokens: self.prompt_tokens, cached_tokens: self.cached_tokens, completion_tokens: self.completion_tokens };
                    return self.end_after(rest, Piece::End { finish_reason: "length", usage, note: Some(YIELDED.into()) });
                }
            };
            match event {
                Some(Event::PromptDone { prompt_tokens, cached_tokens, .. }) => {
                    self.prompt_tokens = prompt_tokens;
                    self.cached_tokens = cached_tokens;
                }
                Some(Event::Token { text, part: TextPart::Reasoning, .. }) => {
                    self.completion_tokens += 1;
                    return Piece::Reasoning(text);
                }
                Some(Event::Token { text, .. }) => {
                    self.completion_tokens += 1;
                    let (out, stopped) = self.stop.push(&text);
                    if stopped {
                        let usage =
                            Usage { prompt_tokens: self.prompt_tokens, cached_tokens: self.cached_tokens, completion_tokens: self.completion_tokens };
                        // A stop sequence was reached: the engine stops now.
                        self.generation.cancel();
                        return self.end_after(out, Piece::End { finish_reason: "stop", usage, note: None });
                    }
                    if !out.is_empty() {
                        return Piece::Text(out);
                    }
                }
                Some(Event::ToolCall { call, .. }) => {
                    if self.calls > 0 && !self.parallel_tool_calls {
                        continue;
                    }
                    let index = self.calls;
                    self.calls += 1;
                    return Piece::Call { index, id: format!("call_{}_{index}", self.generation.id), call };
                }
                Some(Event::Done { stats, .. }) => {
                    self.generation.finished = true;
                    let rest = self.stop.flush();
                    let usage = Usage { prompt_tokens: stats.prompt_tokens, cached_tokens: stats.cached_tokens, completion_tokens: stats.gen_tokens };
                    let reason = if self.calls > 0 { "tool_calls" } else { finish_reason(stats.stop_reason) };
                    // Text that looked like a call but was not one: the request log says why.
                    return self.end_after(rest, Piece::End { finish_reason: reason, usage, note: stats.tool_call_notice });
                }
                Some(Event::Error { error, .. }) => {
                    self.generation.finished = true;
                    let bad_request = error.code == hearth_protocol::ErrorCode::BadRequest;
                    return Piece::Failed {
                        code: if bad_request { "invalid_request" } else { "generation_failed" },
                        message: error.message,
                        bad_request,
                    };
                }
                Some(_) => {}
                None => {
                    self.generation.finished = true;
                    return Piece::Failed { code: "engine_died", message: "the engine stopped while answering".into(), bad_request: false };
                }
            }
        }
    }
}

struct Output {
    id: String,
    model: String,
    shape: Shape,
    created: u64,
}

impl Output {
    fn whole(&self, text: &str, reasoning: &str, calls: &[Value], finish_reason: &str, usage: &Usage) -> Value {
        let choice = match self.shape {
            Shape::Chat => {
                // With calls and no text, `content` is null, as OpenAI answers.
                let content = if calls.is_empty() || !text.trim().is_empty() { json!(text) } else { Value::Null };
                let mut message = json!({ "role": "assistant", "content": content });
                if !reasoning.is_empty() {
                    message["reasoning_content"] = reasoning.into();
                }
                if !calls.is_empty() {
                    message["tool_calls"] = calls.into();
                }
                json!({ "index": 0, "message": message, "finish_reason": finish_reason })
            }
            Shape::Completion => json!({ "index": 0, "text": text, "logprobs": null, "finish_reason": finish_reason }),
        };
        json!({ "id": self.id, "object": self.object(false), "created": self.created, "model": self.model,
                "choices": [choice], "usage": usage.json() })
    }

    fn object(&self, chunk: bool) -> &'static str {
        match (self.shape, chunk) {
            (Shape::Chat, false) => "chat.completion",
            (Shape::Chat, true) => "chat.completion.chunk",
            (Shape::Completion, _) => "text_completion",
        }
    }

    fn chunk(&self, text: Option<&str>, first: bool, finish_reason: Option<&str>) -> SseEvent {
        self.chunk_of(text, TextPart::Answer, first, finish_reason)
    }

    fn chunk_of(&self, text: Option<&str>, part: TextPart, first: bool, finish_reason: Option<&str>) -> SseEvent {
        let choice = match self.shape {
            Shape::Chat => {
                let delta = match (first, text, part) {
                    (true, _, _) => json!({ "role": "assistant", "content": "" }),
                    (false, Some(t), TextPart::Answer) => json!({ "content": t }),
                    (false, Some(t), TextPart::Reasoning) => json!({ "reasoning_content": t }),
                    (false, None, _) => json!({}),
                };
                json!({ "index": 0, "delta": delta, "finish_reason": finish_reason })
            }
            Shape::Completion => json!({ "index": 0, "text": text.unwrap_or(""), "logprobs": null, "finish_reason": finish_reason }),
        };
        SseEvent::default().data(
            json!({ "id": self.id, "object": self.object(true), "created": self.created, "model": self.model, "choices": [choice] }).to_string(),
        )
    }

    /// A call, whole, as one `tool_calls` delta (the `openai` client assembles deltas by index).
    fn call_chunk(&self, index: usize, call: &Value) -> SseEvent {
        let mut delta = call.clone();
        delta["index"] = index.into();
        let choice = json!({ "index": 0, "delta": { "tool_calls": [delta] }, "finish_reason": null });
        SseEvent::default().data(
            json!({ "id": self.id, "object": self.object(true), "created": self.created, "model": self.model, "choices": [choice] }).to_string(),
        )
    }

    fn usage_chunk(&self, usage: &Usage) -> SseEvent {
        SseEvent::default().data(
            json!({ "id": self.id, "object": self.object(true), "created": self.created, "model": self.model,
                    "choices": [], "usage": usage.json() })
            .to_string(),
        )
    }
}

/// A call as OpenAI's `tool_calls` entries carry it (arguments as a JSON string).
fn call_json(id: &str, call: &ToolCall) -> Value {
    json!({ "id": id, "type": "function", "function": { "name": call.name, "arguments": call.arguments } })
}

async fn whole_answer(mut answer: Answer, out: Output, mut tracker: Tracker) -> Response {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    loop {
        match answer.next().await {
            Piece::Text(t) => text.push_str(&t),
            Piece::Reasoning(t) => reasoning.push_str(&t),
            Piece::Call { id, call, .. } => calls.push(call_json(&id, &call)),
            Piece::End { finish_reason, usage, note } => {
                if let Some(note) = &note {
                    tracker.note(note);
                }
                tracker.finish(200, Some(usage.prompt_tokens), Some(usage.completion_tokens), None);
                return Json(out.whole(&text, &reasoning, &calls, finish_reason, &usage)).into_response();
            }
            Piece::Failed { code, message, bad_request: true } => {
                tracker.finish(400, None, None, Some(message.clone()));
                return error(StatusCode::BAD_REQUEST, "invalid_request_error", code, &message);
            }
            Piece::Failed { code, message, .. } => {
                tracker.finish(500, None, None, Some(message.clone()));
                return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", code, &message);
            }
        }
    }
}

/// SSE: a first chunk (the role, for chat), one per piece of text, a last one with the finish
/// reason (and usage when asked for), `[DONE]`. Errors after the headers went out can only be
/// told in the stream: an `{"error":…}` event, then `[DONE]`.
fn stream_answer(mut answer: Answer, out: Output, mut tracker: Tracker, include_usage: bool, write_timeout: std::time::Duration) -> Response {
    // A short queue of events: what waits here is what a client that stopped reading holds up.
    let (tx, rx) = tokio::sync::mpsc::channel::<SseEvent>(16);
    tokio::spawn(async move {
        // Sending waits while the client reads nothing (its socket and this channel full): after
        // `write_timeout` the client is given up, which drops `answer` and so cancels the
        // generation and hands the engine's turn on. A client that never reads cannot hold it.
        let send = |ev: SseEvent| {
            let tx = tx.clone();
            async move { matches!(tokio::time::timeout(write_timeout, tx.send(ev)).await, Ok(Ok(()))) }
        };
        if matches!(out.shape, Shape::Chat) && !send(out.chunk(None, true, None)).await {
            return;
        }
        loop {
            let piece = tokio::select! {
                piece = answer.next() => piece,
                // The client went away: dropping `answer` cancels the generation.
                _ = tx.closed() => return,
            };
            let events = match piece {
                Piece::Text(t) => vec![out.chunk(Some(&t), false, None)],
                Piece::Reasoning(t) => vec![out.chunk_of(Some(&t), TextPart::Reasoning, false, None)],
                Piece::Call { index, id, call } => vec![out.call_chunk(index, &call_json(&id, &call))],
                Piece::End { finish_reason, usage, note } => {
                    if let Some(note) = &note {
                        tracker.note(note);
                    }
                    tracker.finish(200, Some(usage.prompt_tokens), Some(usage.completion_tokens), None);
                    let mut evs = vec![out.chunk(None, false, Some(finish_reason))];
                    if include_usage {
                        evs.push(out.usage_chunk(&usage));
                    }
                    evs.push(SseEvent::default().data("[DONE]"));
                    for ev in evs {
                        if !send(ev).await {
                            break;
                        }
                    }
                    return;
                }
                Piece::Failed { code, message, .. } => {
                    tracker.finish(200, None, None, Some(message.clone()));
                    let err = json!({ "error": { "message": message, "type": "server_error", "code": code } });
                    if send(SseEvent::default().data(err.to_string())).await {
                        send(SseEvent::default().data("[DONE]")).await;
                    }
                    return;
                }
            };
            for ev in events {
                if !send(ev).await {
                    tracker.finish(499, None, None, Some("the client stopped reading".into()));
                    return;
                }
            }
        }
    });
    let events = tokio_stream::wrappers::ReceiverStream::new(rx);
    use futures_util::StreamExt;
    Sse::new(events.map(Ok::<_, Infallible>)).into_response()
}
