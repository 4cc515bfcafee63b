//! A remote server's address, key and timeouts; its model list; the errors of talking to it.

use std::time::Duration;

use hearth_protocol::{ErrorCode, ErrorPayload};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    /// To open the connection.
    pub connect: Duration,
    /// From the request to the first byte of the answer (prompt processing on the server).
    pub first_byte: Duration,
    /// Between two pieces of a streamed answer.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        // A long prompt on a big model can take minutes before its first token.
        Timeouts { connect: Duration::from_secs(10), first_byte: Duration::from_secs(600), idle: Duration::from_secs(120) }
    }
}

#[derive(Clone, PartialEq)]
pub struct Endpoint {
    /// Ends in `/v1` (added when the user gave only the server's address).
    pub base_url: String,
    pub api_key: Option<String>,
    pub timeouts: Timeouts,
}

/// Never the key itself: endpoints end up in logs and panic messages.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

impl Endpoint {
    /// `url` as users paste it: `http://host:8000`, `http://host:8000/`, `http://host:8000/v1`.
    pub fn new(url: &str, api_key: Option<String>) -> Result<Endpoint, RemoteError> {
        let trimmed = url.trim().trim_end_matches('/');
        let parsed = reqwest::Url::parse(trimmed).map_err(|e| RemoteError::BadUrl(format!("{url}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(RemoteError::BadUrl(format!("{url}: expected http://host:port or https://host")));
        }
        let base_url = if trimmed.ends_with("/v1") { trimmed.to_string() } else { format!("{trimmed}/v1") };
        Ok(Endpoint { base_url, api_key: api_key.filter(|k| !k.trim().is_empty()), timeouts: Timeouts::default() })
    }

    /// `host:port`, for messages and the model bar.
    pub fn host(&self) -> String {
        reqwest::Url::parse(&self.base_url)
            .ok()
            .map(|u| format!("{}{}", u.host_str().unwrap_or("?"), u.port().map(|p| format!(":{p}")).unwrap_or_default()))
            .unwrap_or_else(|| self.base_url.clone())
    }

    pub(crate) fn client(&self) -> Result<reqwest::Client, RemoteError> {
        reqwest::Client::builder()
            .connect_timeout(self.timeouts.connect)
            .build()
            .map_err(|e| RemoteError::Unreachable { host: self.host(), why: e.to_string() })
    }

    pub(crate) fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api_key {
            Some(k) => req.bearer_auth(k),
            None => req,
        }
    }

    /// A failed send, said plainly.
    pub(crate) fn send_error(&self, e: reqwest::Error) -> RemoteError {
        let host = self.host();
        if e.is_timeout() {
            return RemoteError::Timeout { host, what: "connecting".into() };
        }
        let mut why = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            why = s.to_string();
            source = s.source();
        }
        RemoteError::Unreachable { host, why }
    }

    /// A non-2xx answer, said plainly (OpenAI-shaped error bodies are read for their message).
    pub(crate) async fn status_error(&self, res: reqwest::Response) -> RemoteError {
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().or(v["error"].as_str()).or(v["message"].as_str()).map(String::from))
            .unwrap_or_else(|| body.chars().take(300).collect());
        match status.as_u16() {
            401 | 403 => RemoteError::Unauthorized { host: self.host() },
            code => RemoteError::Server { host: self.host(), status: code, message },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteModel {
    pub id: String,
    /// The context length when the server says it (vLLM's `max_model_len`, llama-server's
    /// `meta.n_ctx_train`).
    pub context_length: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("not a server address: {0}")]
    BadUrl(String),
    #[error("cannot reach {host}: {why}")]
    Unreachable { host: String, why: String },
    #[error("{host} did not answer in time ({what})")]
    Timeout { host: String, what: String },
    #[error("{host} refused the API key: check the key set for this server")]
    Unauthorized { host: String },
    #[error("{host} answered {status}: {message}")]
    Server { host: String, status: u16, message: String },
    #[error("{host} stopped answering mid-answer (the server went away or the connection broke); the text so far is kept")]
    Vanished { host: String },
    #[error("{host} sent something that is not an OpenAI-compatible answer: {why}")]
    BadResponse { host: String, why: String },
}

impl RemoteError {
    pub fn payload(&self) -> ErrorPayload {
        let code = match self {
            RemoteError::BadUrl(_) => ErrorCode::BadRequest,
            RemoteError::Unreachable { .. } | RemoteError::Timeout { .. } | RemoteError::Vanished { .. } => ErrorCode::RemoteUnreachable,
            RemoteError::Unauthorized { .. } => ErrorCode::RemoteUnauthorized,
            RemoteError::Server { .. } | RemoteError::BadResponse { .. } => ErrorCode::RemoteFailed,
        };
        ErrorPayload::new(code, self.to_string())
    }
}

/// The models a server serves (`GET /v1/models`).
pub async fn list_models(endpoint: &Endpoint) -> Result<Vec<RemoteModel>, RemoteError> {
    let client = endpoint.client()?;
    let req = endpoint.authorized(client.get(format!("{}/models", endpoint.base_url))).timeout(endpoint.timeouts.idle);
    let res = req.send().await.map_err(|e| endpoint.send_error(e))?;
    if !res.status().is_success() {
        return Err(endpoint.status_error(res).await);
    }
    let v: serde_json::Value = res.json().await.map_err(|e| RemoteError::BadResponse { host: endpoint.host(), why: e.to_string() })?;
    let data = v["data"].as_array().ok_or_else(|| RemoteError::BadResponse { host: endpoint.host(), why: "no `data` list of models".into() })?;
    Ok(data
        .iter()
        .filter_map(|m| {
            let id = m["id"].as_str()?.to_string();
            let context_length = m["max_model_len"].as_u64().or(m["meta"]["n_ctx_train"].as_u64()).map(|n| n.min(u32::MAX as u64) as u32);
            Some(RemoteModel { id, context_length })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let e = Endpoint::new("http://host:8000", Some("sk-secret".into())).unwrap();
        let shown = format!("{e:?}");
        assert!(!shown.contains("sk-secret") && shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn addresses_as_users_paste_them() {
        assert_eq!(Endpoint::new("http://box:8000", None).unwrap().base_url, "http://box:8000/v1");
        assert_eq!(Endpoint::new(" http://box:8000/v1/ ", None).unwrap().base_url, "http://box:8000/v1");
        assert_eq!(Endpoint::new("https://api.example.org/", Some("".into())).unwrap().api_key, None);
        assert_eq!(Endpoint::new("http://10.0.0.5:11434", None).unwrap().host(), "10.0.0.5:11434");
        assert!(matches!(Endpoint::new("box:8000", None), Err(RemoteError::BadUrl(_))));
        assert!(matches!(Endpoint::new("ftp://box", None), Err(RemoteError::BadUrl(_))));
    }
}
