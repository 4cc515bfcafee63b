//! Hearth's OpenAI-compatible API over the engine process (`hearth serve`; the app's switch is to
//! come): `GET /v1/models`, `POST /v1/chat/completions` with or without streaming (SSE chunks,
//! then `[DONE]`). One generation at a time, in arrival order (the engine runs one). An optional
//! API key; errors in OpenAI's shape (`{"error":{message,type,code}}`) with 4xx for bad input:
//! malformed JSON 400, bodies over 4 MiB 413, unknown routes 404, a wrong key 401.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hearth_engine_client::EngineClient;
use hearth_protocol::{ChatMessage, Event, Request, Role, SamplingSettings, StopReason, TemplateChoice};
use serde::Deserialize;
use serde_json::{json, Value};

const BODY_LIMIT: usize = 4 << 20;

pub struct Api {
    pub engine: EngineClient,
    /// The id `/v1/models` lists (the loaded model's name).
    pub model: String,
    pub api_key: Option<String>,
    /// One generation at a time; tokio's mutex is fair, so requests are served in arrival order.
    queue: Arc<tokio::sync::Mutex<()>>,
}

impl Api {
    pub fn new(engine: EngineClient, model: String, api_key: Option<String>) -> Arc<Api> {
        Arc::new(Api { engine, model, api_key, queue: Arc::new(tokio::sync::Mutex::new(())) })
    }
}

pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/v1/models", get(models))
        .route("/v1/chat/completions", post(chat_completions))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "invalid_request_error", "unknown_url", "no such route") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(api)
}

fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message, "type": kind, "code": code } }))).into_response()
}

/// `None` when the request may go on, else the 401 to answer.
fn refused(api: &Api, headers: &HeaderMap) -> Option<Response> {
    let key = api.api_key.as_ref()?;
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    (given != Some(key.as_str()))
        .then(|| error(StatusCode::UNAUTHORIZED, "invalid_request_error", "invalid_api_key", "a missing or wrong API key"))
}

async fn models(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    if let Some(e) = refused(&api, &headers) {
        return e;
    }
    Json(json!({ "object": "list", "data": [{ "id": api.model, "object": "model", "created": 0, "owned_by": "hearth" }] })).into_response()
}

#[derive(Deserialize)]
struct ChatRequest {
    #[serde(default)]
    model: Option<String>,
    messages: Vec<InMessage>,
    #[serde(default)]
    stream: bool,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    temperature: Option<f32>,
    top_p: Option<f32>,
    seed: Option<u32>,
}

#[derive(Deserialize)]
struct InMessage {
    role: String,
    #[serde(default)]
    content: Value,
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        // `[{"type":"text","text":"…"}, …]`
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join(""),
        _ => String::new(),
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

async fn chat_completions(State(api): State<Arc<Api>>, headers: HeaderMap, body: Result<Json<ChatRequest>, JsonRejection>) -> Response {
    if let Some(e) = refused(&api, &headers) {
        return e;
    }
    let req = match body {
        Ok(Json(r)) => r,
        Err(rejection) => {
            let status = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
            return error(status, "invalid_request_error", "invalid_body", &rejection.body_text());
        }
    };
    if req.messages.is_empty() {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", "invalid_body", "messages is empty");
    }
    let mut messages = Vec::new();
    for m in &req.messages {
        let role = match m.role.as_str() {
            "system" | "developer" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => return error(StatusCode::BAD_REQUEST, "invalid_request_error", "invalid_role", &format!("unknown role '{other}'")),
        };
        messages.push(ChatMessage { role, content: text_of(&m.content) });
    }
    let sampling = SamplingSettings {
        temperature: req.temperature,
        top_p: req.top_p,
        seed: req.seed,
        max_tokens: req.max_completion_tokens.or(req.max_tokens),
        ..Default::default()
    };
    let model = req.model.clone().unwrap_or_else(|| api.model.clone());
    let id = format!("chatcmpl-{}", now());
    // Held until the answer is complete (streamed or not): one generation at a time.
    let turn = api.queue.clone().lock_owned().await;
    let stream = match api.engine.request(|rid| Request::Generate { id: rid, messages, sampling, template: TemplateChoice::Model }).await {
        Ok(s) => s,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, "server_error", "engine_unavailable", &e.payload().message),
    };
    let generation = Generation { engine: api.engine.clone(), id: stream.id, turn: Some(turn), finished: false };
    if req.stream {
        stream_answer(generation, stream, id, model).into_response()
    } else {
        whole_answer(generation, stream, id, model).await
    }
}

type Turn = tokio::sync::OwnedMutexGuard<()>;

/// The engine generation a response is waiting on, with the queue's turn. A client that goes away
/// drops it: the generation is cancelled, and only then is the turn handed to the next request
/// (the engine runs one generation at a time).
struct Generation {
    engine: EngineClient,
    id: u64,
    turn: Option<Turn>,
    finished: bool,
}

impl Drop for Generation {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let (engine, id, turn) = (self.engine.clone(), self.id, self.turn.take());
        tokio::spawn(async move {
            engine.cancel(id).await;
            drop(turn);
        });
    }
}

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::MaxTokens | StopReason::ContextFull => "length",
        _ => "stop",
    }
}

async fn whole_answer(mut generation: Generation, mut stream: hearth_engine_client::EventStream, id: String, model: String) -> Response {
    let mut text = String::new();
    loop {
        let event = stream.next().await;
        if matches!(event, Some(Event::Done { .. }) | Some(Event::Error { .. }) | None) {
            generation.finished = true;
        }
        match event {
            Some(Event::Token { text: piece, .. }) => text.push_str(&piece),
            Some(Event::Done { stats, .. }) => {
                return Json(json!({
                    "id": id, "object": "chat.completion", "created": now(), "model": model,
                    "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": finish_reason(stats.stop_reason) }],
                    "usage": { "prompt_tokens": stats.prompt_tokens, "completion_tokens": stats.gen_tokens, "total_tokens": stats.prompt_tokens + stats.gen_tokens },
                }))
                .into_response();
            }
            Some(Event::Error { error: e, .. }) => return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "generation_failed", &e.message),
            Some(_) => {}
            None => return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "engine_died", "the engine stopped while answering"),
        }
    }
}

fn chunk(id: &str, model: &str, delta: Value, finish: Option<&str>) -> SseEvent {
    SseEvent::default().data(
        json!({ "id": id, "object": "chat.completion.chunk", "created": now(), "model": model,
                "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }] })
        .to_string(),
    )
}

/// SSE: a first chunk with the role, one per token, a last one with the finish reason, `[DONE]`.
/// A client that goes away cancels the generation (see `Generation`).
fn stream_answer(generation: Generation, stream: hearth_engine_client::EventStream, id: String, model: String) -> impl IntoResponse {
    let first = chunk(&id, &model, json!({ "role": "assistant", "content": "" }), None);
    let state = (generation, stream, id, model, false);
    let tail = futures_util::stream::unfold(state, |(mut turn, mut stream, id, model, done)| async move {
        if done {
            return None;
        }
        loop {
            let event = stream.next().await;
            if matches!(event, Some(Event::Done { .. }) | Some(Event::Error { .. }) | None) {
                turn.finished = true;
            }
            match event {
                Some(Event::Token { text, .. }) => {
                    let ev = chunk(&id, &model, json!({ "content": text }), None);
                    return Some((Ok::<_, std::convert::Infallible>(vec![ev]), (turn, stream, id, model, false)));
                }
                Some(Event::Done { stats, .. }) => {
                    let evs = vec![chunk(&id, &model, json!({}), Some(finish_reason(stats.stop_reason))), SseEvent::default().data("[DONE]")];
                    return Some((Ok(evs), (turn, stream, id, model, true)));
                }
                Some(Event::Error { error: e, .. }) => {
                    let ev = SseEvent::default().data(json!({ "error": { "message": e.message, "type": "server_error", "code": "generation_failed" } }).to_string());
                    return Some((Ok(vec![ev, SseEvent::default().data("[DONE]")]), (turn, stream, id, model, true)));
                }
                Some(_) => {}
                None => {
                    let ev = SseEvent::default().data(json!({ "error": { "message": "the engine stopped while answering", "type": "server_error", "code": "engine_died" } }).to_string());
                    return Some((Ok(vec![ev, SseEvent::default().data("[DONE]")]), (turn, stream, id, model, true)));
                }
            }
        }
    });
    use futures_util::StreamExt;
    let events = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(vec![first]) })
        .chain(tail)
        .flat_map(|batch: Result<Vec<SseEvent>, std::convert::Infallible>| {
            futures_util::stream::iter(batch.unwrap_or_default().into_iter().map(Ok::<_, std::convert::Infallible>))
        });
    Sse::new(events)
}
