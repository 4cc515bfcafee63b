//! Hearth's OpenAI-compatible API over the engine process (`hearth serve`, and the app's switch
//! under Settings → API server): `GET /v1/models`, `POST /v1/chat/completions` and
//! `/v1/completions` with or without streaming (SSE chunks, then `[DONE]`), `stop` sequences,
//! and `POST /v1/embeddings` with the loaded model. One engine request at a time, or as many as
//! the model's slots (`Api::set_parallel`), in arrival order. An optional API key; errors in OpenAI's shape
//! (`{"error":{message,type,code}}`) with 4xx for bad input: malformed JSON 400, bodies over
//! 4 MiB 413, unknown routes 404, a wrong key 401, a foreign `Host`/`Origin` on a loopback-only
//! server 403, a full queue 429 with `Retry-After`. Every request is recorded as it happens
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
/// Requests that may wait for the engine at once (beyond the one it serves).
const DEFAULT_MAX_WAITING: usize = 32;
/// How long an answer goes on once the app's chat waits behind it (see `answer.rs`; the Server
/// page tells users this figure).
pub const DEFAULT_YIELD_GRACE: std::time::Duration = std::time::Duration::from_secs(15);
/// A client that reads nothing of a streamed answer for this long is dropped.
const DEFAULT_WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Api {
    pub engine: EngineClient,
    /// The id `/v1/models` lists (the loaded model's name); the app changes it when the user
    /// loads another model.
    model: RwLock<String>,
    pub api_key: Option<String>,
    /// Open to other machines: any `Host` is taken (the key is then required by whoever starts
    /// the server); otherwise only this machine's names (see `access.rs`).
    pub allow_remote: bool,
    /// Engine requests at a time: one, or as many as the model's slots (`set_parallel`); tokio's
    /// semaphore is fair, so requests are served in arrival order.
    queue: RwLock<Arc<tokio::sync::Semaphore>>,
    slots: std::sync::atomic::AtomicUsize,
    /// Requests waiting for their turn, and how many may wait before more are refused (429).
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    max_waiting: std::sync::atomic::AtomicUsize,
    /// How long a streamed answer waits for a client that stopped reading before it gives up
    /// (and cancels the generation, so the engine's turn passes on), in milliseconds.
    write_timeout_ms: std::sync::atomic::AtomicU64,
    /// How long an answer goes on once a request the app sent first waits behind it, in ms.
    yield_grace_ms: std::sync::atomic::AtomicU64,
    log: request_log::RequestLog,
    /// The reasoning effort of requests that name none (`hearth serve --reasoning-effort`).
    default_reasoning_effort: RwLock<Option<hearth_protocol::ReasoningEffort>>,
}

impl Api {
    pub fn new(engine: EngineClient, model: String, api_key: Option<String>, allow_remote: bool) -> Arc<Api> {
        Arc::new(Api {
            engine,
            model: RwLock::new(model),
            api_key: api_key.filter(|k| !k.is_empty()),
            allow_remote,
            queue: RwLock::new(Arc::new(tokio::sync::Semaphore::new(1))),
            slots: std::sync::atomic::AtomicUsize::new(1),
            waiting: Arc::default(),
            max_waiting: std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_WAITING),
            write_timeout_ms: std::sync::atomic::AtomicU64::new(DEFAULT_WRITE_TIMEOUT.as_millis() as u64),
            yield_grace_ms: std::sync::atomic::AtomicU64::new(DEFAULT_YIELD_GRACE.as_millis() as u64),
            log: request_log::RequestLog::new(),
            default_reasoning_effort: RwLock::new(None),
        })
    }

    pub fn set_default_reasoning_effort(&self, effort: Option<hearth_protocol::ReasoningEffort>) {
        if let Ok(mut e) = self.default_reasoning_effort.write() {
            *e = effort;
        }
    }

    pub(crate) fn default_reasoning_effort(&self) -> Option<hearth_protocol::ReasoningEffort> {
        self.default_reasoning_effort.read().ok().and_then(|e| *e)
    }

    pub fn model(&self) -> String {
        self.model.read().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn set_model(&self, name: String) {
        if let Ok(mut m) = self.model.write() {
            *m = name;
        }
    }

    /// How long a streamed answer waits for a client that reads nothing.
    pub fn set_write_timeout(&self, timeout: std::time::Duration) {
        self.write_timeout_ms.store(timeout.as_millis().max(1) as u64, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn write_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.write_timeout_ms.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// How long an answer goes on once the app's chat waits behind it (`DEFAULT_YIELD_GRACE`).
    pub fn set_yield_grace(&self, grace: std::time::Duration) {
        self.yield_grace_ms.store(grace.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn yield_grace(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.yield_grace_ms.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// How many requests may wait for the engine before more are refused with 429.
    pub fn set_max_waiting(&self, n: usize) {
        self.max_waiting.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many requests the engine answers side by side (the loaded model's slots,
    /// `ModelSettings::parallel`); turns already taken keep running.
    pub fn set_parallel(&self, slots: usize) {
        let slots = slots.max(1);
        if self.slots.swap(slots, std::sync::atomic::Ordering::SeqCst) != slots {
            if let Ok(mut q) = self.queue.write() {
                *q = Arc::new(tokio::sync::Semaphore::new(slots));
            }
        }
    }

    /// The engine's turn for one request, in arrival order; `Err` (429, Retry-After) when the
    /// queue is full, so that a flood of clients cannot grow it without bound.
    pub(crate) async fn take_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
        use std::sync::atomic::Ordering;
        /// Counts a request as waiting until it has its turn or its client left.
        struct Waiting(Arc<std::sync::atomic::AtomicUsize>);
        impl Drop for Waiting {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let max = self.max_waiting.load(Ordering::SeqCst);
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= max {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            let mut refused = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_error",
                "queue_full",
                &format!("{max} requests are already waiting for the model: try again shortly"),
            );
            refused.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("5"));
            return Err(refused);
        }
        let _waiting = Waiting(self.waiting.clone());
        let queue = self.queue.read().map(|q| q.clone()).unwrap_or_else(|e| e.into_inner().clone());
        queue.acquire_owned().await.map_err(|_| error(StatusCode::SERVICE_UNAVAILABLE, "server_error", "closed", "the server is shutting down"))
    }

    /// Every change of every request's state from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ApiRequestRecord> {
        self.log.subscribe()
    }
}

/// Bytes the kernel may hold for one client before a write waits (SO_SNDBUF). Linux grows a
/// socket's send buffer up to 4 MiB for a client that reads nothing, so a streamed answer would
/// not notice such a client for minutes. Linux doubles the value set: 32 KiB in all, about two
/// hundred tokens of SSE, and still 16 MB/s on a 1 ms network.
const SEND_BUFFER: usize = 16 * 1024;

/// How long a connection may take to send a request's headers — counted from when the server
/// waits for them, so it also bounds a new connection that sends nothing and a kept-alive one
/// left idle. (axum::serve sets no such limit: such connections stayed open for good, each
/// holding a socket and a task.)
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` completes (then lets the requests under way
/// finish). Every connection gets a bounded send buffer, so that a client that stops reading is
/// noticed (`Api::set_write_timeout`) and the engine's turn moves on, and `idle_timeout` as its
/// header-read limit ([`DEFAULT_IDLE_TIMEOUT`]), so that idle and half-sent connections close.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    idle_timeout: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        let Ok((mut tcp, _)) = accepted else {
            // Out of descriptors, most likely: wait a moment rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        bound_send_buffer(&mut tcp);
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(idle_timeout)
            .serve_connection(TokioIo::new(tcp), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

fn bound_send_buffer(tcp: &mut tokio::net::TcpStream) {
    let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(SEND_BUFFER);
    let _ = tcp.set_nodelay(true);
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
