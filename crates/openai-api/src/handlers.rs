//! The routes: request bodies as OpenAI documents them, turned into engine requests.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use hearth_protocol::{ChatMessage, Event, OutputConstraint, ReasoningEffort, Request, Role, SamplingSettings, TemplateChoice, ToolCall};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::answer::{self, Job, Shape};
use crate::{error, refused, Api};

/// The most messages a chat request may carry.
const MAX_MESSAGES: usize = 4096;

/// OpenAI's default `max_tokens` for `/v1/completions`.
const COMPLETIONS_DEFAULT_MAX_TOKENS: u32 = 16;

pub(crate) async fn models(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    if let Some(e) = refused(&api, &headers) {
        return e;
    }
    Json(json!({ "object": "list", "data": [{ "id": api.model(), "object": "model", "created": 0, "owned_by": "hearth" }] })).into_response()
}

/// What chat and text completions share.
#[derive(Deserialize)]
pub(crate) struct CommonFields {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    stream: bool,
    #[serde(default)]
    stream_options: Option<StreamOptions>,
    max_tokens: Option<u32>,
    max_completion_tokens: Option<u32>,
    temperature: Option<f32>,
    top_p: Option<f32>,
    seed: Option<u32>,
    #[serde(default)]
    stop: Option<StopField>,
    /// OpenAI's `low` / `medium` / `high`, for templates that read it (gpt-oss's).
    #[serde(default)]
    reasoning_effort: Option<String>,
    /// Extra variables for the model's chat template, as llama-server and vLLM take them.
    #[serde(default)]
    chat_template_kwargs: Option<std::collections::BTreeMap<String, Value>>,
}

#[derive(Deserialize)]
pub(crate) struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum StopField {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
pub(crate) struct ChatRequest {
    messages: Vec<InMessage>,
    /// Functions the model may call (`[{"type": "function", "function": {…}}]`).
    #[serde(default)]
    tools: Option<Vec<Value>>,
    /// `none`, `auto`, `required` or `{"type": "function", "function": {"name": …}}`.
    #[serde(default)]
    tool_choice: Option<Value>,
    #[serde(default)]
    parallel_tool_calls: Option<bool>,
    /// `{"type": "text" | "json_object"}` or `{"type": "json_schema", "json_schema": {"schema": …}}`.
    #[serde(default)]
    response_format: Option<Value>,
    #[serde(flatten)]
    common: CommonFields,
}

#[derive(Deserialize)]
struct InMessage {
    role: String,
    #[serde(default)]
    content: Value,
    /// An earlier answer's reasoning, as llama-server returns it.
    #[serde(default)]
    reasoning_content: Option<String>,
    /// An earlier answer's calls.
    #[serde(default)]
    tool_calls: Option<Vec<InToolCall>>,
    /// The call a `tool` message answers.
    #[serde(default)]
    tool_call_id: Option<String>,
}

#[derive(Deserialize)]
struct InToolCall {
    #[serde(default)]
    id: Option<String>,
    function: InFunctionCall,
}

#[derive(Deserialize)]
struct InFunctionCall {
    name: String,
    #[serde(default)]
    arguments: Value,
}

/// At most this many tools in one request (OpenAI's own limit).
const MAX_TOOLS: usize = 128;

/// The tools, the constraint and whether several calls may come back, from a chat request's
/// `tools`, `tool_choice`, `parallel_tool_calls` and `response_format`; `Err` is the 400's
/// (code, message).
/// A 400 answer's (code, message).
type Refusal = (&'static str, String);

fn tool_settings(req: &ChatRequest) -> Result<(Option<Vec<Value>>, Option<OutputConstraint>), Refusal> {
    let tools = req.tools.clone().unwrap_or_default();
    if tools.len() > MAX_TOOLS {
        return Err(("invalid_tools", format!("{} tools (at most {MAX_TOOLS})", tools.len())));
    }
    let mut names = Vec::new();
    for t in &tools {
        let name = t["function"]["name"].as_str().filter(|_| t["type"] == "function");
        let Some(name) = name else {
            return Err(("invalid_tools", "each tool must be {\"type\": \"function\", \"function\": {\"name\": …}}".into()));
        };
        let valid = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(("invalid_tools", format!("a function name must be 1-64 letters, digits, _ or -: {name:?}")));
        }
        if let Some(p) = t["function"].get("parameters").filter(|p| !p.is_null() && !p.is_object()) {
            return Err(("invalid_tools", format!("the parameters of {name} must be a JSON schema object, not {p}")));
        }
        names.push(name.to_string());
    }
    let choice = match &req.tool_choice {
        None | Some(Value::Null) => "auto".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => match v["function"]["name"].as_str() {
            Some(name) if v["type"] == "function" => format!("name:{name}"),
            _ => {
                return Err((
                    "invalid_tool_choice",
                    "tool_choice must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": …}}".into(),
                ))
            }
        },
    };
    let constraint = match choice.as_str() {
        "none" => return Ok((None, response_constraint(req.response_format.as_ref())?)),
        "auto" => None,
        "required" if names.is_empty() => return Err(("invalid_tool_choice", "tool_choice is required but no tools were given".into())),
        "required" => Some(OutputConstraint::ToolCall { names: names.clone() }),
        named => match named.strip_prefix("name:") {
            Some(name) if names.iter().any(|n| n == name) => Some(OutputConstraint::ToolCall { names: vec![name.to_string()] }),
            Some(name) => return Err(("invalid_tool_choice", format!("tool_choice names {name:?}, which is not among the tools"))),
            None => return Err(("invalid_tool_choice", format!("unknown tool_choice {named:?}"))),
        },
    };
    let constraint = match constraint {
        Some(c) => Some(c),
        None => response_constraint(req.response_format.as_ref())?,
    };
    Ok(((!tools.is_empty()).then_some(tools), constraint))
}

fn response_constraint(format: Option<&Value>) -> Result<Option<OutputConstraint>, Refusal> {
    let Some(format) = format.filter(|f| !f.is_null()) else { return Ok(None) };
    match format["type"].as_str() {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(OutputConstraint::Json { schema: json!({"type": "object"}) })),
        Some("json_schema") => match format["json_schema"].get("schema") {
            Some(schema) if schema.is_object() => Ok(Some(OutputConstraint::Json { schema: schema.clone() })),
            _ => Err(("invalid_response_format", "response_format json_schema needs json_schema.schema, a JSON schema object".into())),
        },
        _ => Err(("invalid_response_format", "response_format type must be text, json_object or json_schema".into())),
    }
}

#[derive(Deserialize)]
pub(crate) struct CompletionRequest {
    prompt: Value,
    #[serde(flatten)]
    common: CommonFields,
}

#[derive(Deserialize)]
pub(crate) struct EmbeddingRequest {
    input: Value,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    encoding_format: Option<String>,
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        // `[{"type":"text","text":"…"}, …]`
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join(""),
        _ => String::new(),
    }
}

fn bad_request(code: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", code, message)
}

fn body_error(rejection: JsonRejection) -> Response {
    let status = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
    error(status, "invalid_request_error", "invalid_body", &rejection.body_text())
}

/// The job of a chat or text completion; `Err` is the 400 answer's (code, message).
fn job(api: &Api, route: &str, common: CommonFields, default_max_tokens: Option<u32>) -> Result<Job, (&'static str, String)> {
    let stop = match common.stop {
        None => Vec::new(),
        Some(StopField::One(s)) => vec![s],
        Some(StopField::Many(v)) if v.len() <= 4 => v,
        Some(StopField::Many(_)) => return Err(("invalid_stop", "at most 4 stop sequences".into())),
    };
    // `chat_template_kwargs.reasoning_effort` is the same setting, as llama-server reads it.
    let effort = common
        .reasoning_effort
        .clone()
        .or_else(|| common.chat_template_kwargs.as_ref().and_then(|k| k.get("reasoning_effort")).and_then(Value::as_str).map(String::from));
    let reasoning_effort = match effort {
        None => api.default_reasoning_effort(),
        Some(e) => Some(e.parse::<ReasoningEffort>().map_err(|m| ("invalid_reasoning_effort", m))?),
    };
    let sampling = SamplingSettings {
        temperature: common.temperature,
        top_p: common.top_p,
        seed: common.seed,
        max_tokens: common.max_completion_tokens.or(common.max_tokens).or(default_max_tokens),
        reasoning_effort,
        template_kwargs: common.chat_template_kwargs,
        ..Default::default()
    };
    Ok(Job {
        route: route.to_string(),
        model: common.model.unwrap_or_else(|| api.model()),
        stream: common.stream,
        include_usage: common.stream_options.is_some_and(|o| o.include_usage),
        sampling,
        stop,
        messages: Vec::new(),
        template: TemplateChoice::Model,
        parallel_tool_calls: true,
    })
}

pub(crate) async fn chat_completions(State(api): State<Arc<Api>>, headers: HeaderMap, body: Result<Json<ChatRequest>, JsonRejection>) -> Response {
    if let Some(e) = refused(&api, &headers) {
        return e;
    }
    let req = match body {
        Ok(Json(r)) => r,
        Err(rejection) => return body_error(rejection),
    };
    if req.messages.is_empty() {
        return bad_request("invalid_body", "messages is empty");
    }
    if req.messages.len() > MAX_MESSAGES {
        // A conversation that long is a request meant to keep the engine busy: refused before it
        // queues (longer real ones are trimmed to the context by the engine anyway).
        return bad_request("too_many_messages", &format!("{} messages (at most {MAX_MESSAGES})", req.messages.len()));
    }
    let mut messages = Vec::new();
    for m in &req.messages {
        let role = match m.role.as_str() {
            "system" | "developer" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" | "function" => Role::Tool,
            other => return bad_request("invalid_role", &format!("unknown role '{other}'")),
        };
        let mut message = ChatMessage::new(role, text_of(&m.content));
        message.reasoning = m.reasoning_content.clone().filter(|r| role == Role::Assistant && !r.is_empty());
        if role == Role::Assistant {
            message.tool_calls = m
                .tool_calls
                .iter()
                .flatten()
                .map(|c| ToolCall {
                    name: c.function.name.clone(),
                    // OpenAI sends arguments as a JSON string; some clients send the object.
                    arguments: c.function.arguments.as_str().map(String::from).unwrap_or_else(|| c.function.arguments.to_string()),
                    id: c.id.clone(),
                })
                .collect();
        }
        if role == Role::Tool {
            message.tool_call_id = m.tool_call_id.clone();
        }
        messages.push(message);
    }
    let (tools, constraint) = match tool_settings(&req) {
        Ok(t) => t,
        Err((code, message)) => return bad_request(code, &message),
    };
    let parallel_tool_calls = req.parallel_tool_calls.unwrap_or(true);
    let mut job = match job(&api, "POST /v1/chat/completions", req.common, None) {
        Ok(j) => j,
        Err((code, message)) => return bad_request(code, &message),
    };
    job.sampling.tools = tools;
    job.sampling.constraint = constraint;
    job.parallel_tool_calls = parallel_tool_calls;
    job.messages = messages;
    answer::run(api, job, Shape::Chat).await
}

pub(crate) async fn completions(State(api): State<Arc<Api>>, headers: HeaderMap, body: Result<Json<CompletionRequest>, JsonRejection>) -> Response {
    if let Some(e) = refused(&api, &headers) {
        return e;
    }
    let req = match body {
        Ok(Json(r)) => r,
        Err(rejection) => return body_error(rejection),
    };
    let prompt = match &req.prompt {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.len() == 1 && items[0].is_string() => items[0].as_str().unwrap_or_default().to_string(),
        Value::Array(_) => return bad_request("invalid_prompt", "one text prompt per request (token arrays and batches are not supported)"),
        _ => return bad_request("invalid_prompt", "prompt must be a string"),
    };
    if prompt.is_empty() {
        return bad_request("invalid_prompt", "prompt is empty");
    }
    let mut job = match job(&api, "POST /v1/completions", req.common, Some(COMPLETIONS_DEFAULT_MAX_TOKENS)) {
        Ok(j) => j,
        Err((code, message)) => return bad_request(code, &message),
    };
    // The text as it is: a completion continues the prompt, no chat template around it.
    job.messages = vec![ChatMessage::new(Role::User, prompt)];
    job.template = TemplateChoice::Raw;
    answer::run(api, job, Shape::Completion).await
}

pub(crate) async fn embeddings(State(api): State<Arc<Api>>, headers: HeaderMap, body: Result<Json<EmbeddingRequest>, JsonRejection>) -> Response {
    if let Some(e) = refused(&api, &headers) {
        return e;
    }
    let req = match body {
        Ok(Json(r)) => r,
        Err(rejection) => return body_error(rejection),
    };
    let texts: Vec<String> = match &req.input {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
            items.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
        }
        _ => return bad_request("invalid_input", "input must be a string or a non-empty array of strings (token arrays are not supported)"),
    };
    let base64 = match req.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => return bad_request("invalid_encoding_format", &format!("unknown encoding_format '{other}'")),
    };
    let model = req.model.unwrap_or_else(|| api.model());
    let mut tracker = api.log.start("POST /v1/embeddings", &model, false);
    let _turn = match api.take_turn().await {
        Ok(t) => t,
        Err(refused) => {
            tracker.finish(429, None, None, Some("the queue is full".into()));
            return refused;
        }
    };
    tracker.running();
    let texts_sent = texts.clone();
    let mut stream = match api.engine.request(|id| Request::Embed { id, texts: texts_sent }).await {
        Ok(s) => s,
        Err(e) => {
            let message = e.payload().message;
            tracker.finish(503, None, None, Some(message.clone()));
            return error(StatusCode::SERVICE_UNAVAILABLE, "server_error", "engine_unavailable", &message);
        }
    };
    loop {
        match stream.next().await {
            Some(Event::Embeddings { vectors, tokens, .. }) => {
                tracker.finish(200, Some(tokens), None, None);
                let data: Vec<Value> = vectors
                    .into_iter()
                    .enumerate()
                    .map(|(index, v)| {
                        let embedding = if base64 {
                            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                            json!(base64::engine::general_purpose::STANDARD.encode(bytes))
                        } else {
                            json!(v)
                        };
                        json!({ "object": "embedding", "index": index, "embedding": embedding })
                    })
                    .collect();
                return Json(json!({ "object": "list", "data": data, "model": model,
                                    "usage": { "prompt_tokens": tokens, "total_tokens": tokens } }))
                .into_response();
            }
            Some(Event::Error { error: e, .. }) => {
                tracker.finish(500, None, None, Some(e.message.clone()));
                return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "embedding_failed", &e.message);
            }
            Some(_) => {}
            None => {
                tracker.finish(500, None, None, Some("the engine stopped".into()));
                return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "engine_died", "the engine stopped while embedding");
            }
        }
    }
}
