//! The requests the API has seen, as they happen: each change of a request's state is broadcast
//! (the app's request view subscribes). A request whose client went away before it finished is
//! recorded as cancelled when its tracker drops.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for its turn on the engine.
    Queued,
    Running,
    Done,
    Failed,
    /// The client went away first.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ApiRequestRecord {
    #[ts(type = "number")]
    pub id: u64,
    /// e.g. `POST /v1/chat/completions`.
    pub route: String,
    pub model: String,
    pub stream: bool,
    pub state: RequestState,
    /// The HTTP status answered, once known.
    pub http_status: Option<u16>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// Unix milliseconds.
    pub started_at_ms: f64,
    pub duration_ms: Option<f64>,
    pub error: Option<String>,
    /// How an answer that did not fail ended, where that is not the usual (cut short for the
    /// app's chat).
    pub note: Option<String>,
}

pub(crate) struct RequestLog {
    sender: broadcast::Sender<ApiRequestRecord>,
    next_id: AtomicU64,
}

impl RequestLog {
    pub fn new() -> RequestLog {
        RequestLog { sender: broadcast::channel(256).0, next_id: AtomicU64::new(1) }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ApiRequestRecord> {
        self.sender.subscribe()
    }

    pub fn start(&self, route: &str, model: &str, stream: bool) -> Tracker {
        let started_at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
        let record = ApiRequestRecord {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            route: route.to_string(),
            model: model.to_string(),
            stream,
            state: RequestState::Queued,
            http_status: None,
            prompt_tokens: None,
            completion_tokens: None,
            started_at_ms,
            duration_ms: None,
            error: None,
            note: None,
        };
        let tracker = Tracker { record, sender: self.sender.clone(), started: Instant::now() };
        tracker.publish();
        tracker
    }
}

/// One request's record; every change is published.
pub(crate) struct Tracker {
    record: ApiRequestRecord,
    sender: broadcast::Sender<ApiRequestRecord>,
    started: Instant,
}

impl Tracker {
    fn publish(&self) {
        // No subscriber (no request view open) is fine.
        let _ = self.sender.send(self.record.clone());
    }

    pub fn running(&mut self) {
        self.record.state = RequestState::Running;
        self.publish();
    }

    /// Says how the request ended, where it did not fail but ended unusually.
    pub fn note(&mut self, note: &str) {
        self.record.note = Some(note.to_string());
    }

    pub fn finish(&mut self, http_status: u16, prompt_tokens: Option<u32>, completion_tokens: Option<u32>, error: Option<String>) {
        self.record.state = if error.is_some() { RequestState::Failed } else { RequestState::Done };
        self.record.http_status = Some(http_status);
        self.record.prompt_tokens = prompt_tokens;
        self.record.completion_tokens = completion_tokens;
        self.record.error = error;
        self.record.duration_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
        self.publish();
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if matches!(self.record.state, RequestState::Queued | RequestState::Running) {
            self.record.state = RequestState::Cancelled;
            self.record.duration_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
            self.publish();
        }
    }
}
