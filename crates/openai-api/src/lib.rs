//! Hearth's OpenAI-compatible API over the engine process (`hearth serve`, and the app's switch
//! under Settings → API server): `GET /v1/models`, `POST /v1/chat/completions` and
//! `/v1/completions` with or without streaming (SSE chunks, then `[DONE]`), `stop` sequences,
//! and `POST /v1/embeddings` with the loaded model. One engine request at a time, in arrival
//! order (the engine runs one). An optional API key; errors in OpenAI's shape
//! (`{"error":{message,type,code}}`) with 4xx for bad input: malformed JSON 400, bodies over
//! 4 MiB 413, unknown routes 404, a wrong key 401, a foreign `Host`/`Origin` on a loopback-only
//! server 403. Every request is recorded as it happens
//! (`Api::subscribe`) for the app's request view.

mod access;
mod answer;
mod handlers;
mod request_log;
mod stop;

use std::sync::{Arc, RwLock};

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hearth_engine_client::EngineClient;
use serde_json::json;

pub use access::is_loopback_name;
pub use request_log::{ApiRequestRecord, RequestState};

const BODY_LIMIT: usize = 4 << 20;

pub struct Api {
    pub engine: EngineClient,
    /// The id `/v1/models` lists (the loaded model's name); the app changes it when the user
    /// loads another model.
    model: RwLock<String>,
    pub api_key: Option<String>,
    /// Open to other machines: any `Host` is taken (the key is then required by whoever starts
    /// the server); otherwise only this machine's names (see `access.rs`).
    pub allow_remote: bool,
    /// One engine request at a time; tokio's mutex is fair, so requests are served in arrival
    /// order.
    queue: Arc<tokio::sync::Mutex<()>>,
    log: request_log::RequestLog,
}

impl Api {
    pub fn new(engine: EngineClient, model: String, api_key: Option<String>, allow_remote: bool) -> Arc<Api> {
        Arc::new(Api {
            engine,
            model: RwLock::new(model),
            api_key: api_key.filter(|k| !k.is_empty()),
            allow_remote,
            queue: Arc::new(tokio::sync::Mutex::new(())),
            log: request_log::RequestLog::new(),
        })
    }

    pub fn model(&self) -> String {
        self.model.read().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn set_model(&self, name: String) {
        if let Ok(mut m) = self.model.write() {
            *m = name;
        }
    }

    /// Every change of every request's state from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ApiRequestRecord> {
        self.log.subscribe()
    }
}

pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/v1/models", get(handlers::models))
        .route("/v1/chat/completions", post(handlers::chat_completions))
        .route("/v1/completions", post(handlers::completions))
        .route("/v1/embeddings", post(handlers::embeddings))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "invalid_request_error", "unknown_url", "no such route") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(api.clone(), access::guard))
        .with_state(api)
}

/// The TypeScript declarations of what the app's request view receives.
pub fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
    vec![RequestState::decl(), ApiRequestRecord::decl()]
}

pub(crate) fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message, "type": kind, "code": code } }))).into_response()
}

/// `None` when the request may go on, else the 401 to answer.
pub(crate) fn refused(api: &Api, headers: &HeaderMap) -> Option<Response> {
    let key = api.api_key.as_ref()?;
    (!access::key_matches(key, headers))
        .then(|| error(StatusCode::UNAUTHORIZED, "invalid_request_error", "invalid_api_key", "a missing or wrong API key"))
}
