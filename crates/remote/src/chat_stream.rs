//! One chat answer from a remote server, streamed (`POST /v1/chat/completions` with
//! `stream: true`, Server-Sent Events) and turned into engine protocol events. Reasoning that
//! servers send apart (`reasoning_content`, as vLLM and llama-server do) arrives as reasoning;
//! content that still carries `<think>` or Harmony markup (a server that does not split it) is
//! split here as the local engine splits it.

use std::sync::Arc;
use std::time::Instant;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use hearth_protocol::reasoning::Piece;
use hearth_protocol::{ChatMessage, Event, GenerationStats, OutputConstraint, ReasoningParser, SamplingSettings, StopReason, TextPart};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

use crate::{Endpoint, RemoteError};

/// A running remote answer; `cancel` stops it (the connection is closed, which stops the
/// server's generation) and the answer ends as the user's stop, with what arrived.
#[derive(Clone)]
pub struct RemoteGeneration {
    cancel: Arc<Notify>,
}

impl RemoteGeneration {
    pub fn cancel(&self) {
        self.cancel.notify_one();
    }
}

/// A message in OpenAI's shape: an answer's tool calls, and the call a `tool` message answers.
fn message_json(m: &ChatMessage) -> Value {
    let mut v = json!({ "role": m.role.as_str(), "content": m.content });
    if !m.tool_calls.is_empty() {
        v["tool_calls"] = m
            .tool_calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let id = c.id.clone().unwrap_or_else(|| format!("call_{i}"));
                json!({"id": id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}})
            })
            .collect();
    }
    if let Some(id) = &m.tool_call_id {
        v["tool_call_id"] = json!(id);
    }
    v
}

fn request_body(model: &str, messages: &[ChatMessage], s: &SamplingSettings) -> Value {
    let mut body = json!({
        "model": model,
        "messages": messages.iter().map(message_json).collect::<Vec<_>>(),
        "stream": true,
        "stream_options": { "include_usage": true },
    });
    // Tools go to the server as OpenAI defines them: it renders them and parses the calls.
    if let Some(tools) = s.tools.as_ref().filter(|t| !t.is_empty()) {
        body["tools"] = json!(tools);
    }
    match &s.constraint {
        Some(OutputConstraint::ToolCall { names }) if names.len() == 1 => {
            body["tool_choice"] = json!({"type": "function", "function": {"name": names[0]}});
        }
        Some(OutputConstraint::ToolCall { .. }) => body["tool_choice"] = json!("required"),
        Some(OutputConstraint::Json { schema }) => {
            body["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}});
        }
        None => {}
    }
    let fields = [
        ("temperature", s.temperature.map(|v| json!(v))),
        ("top_p", s.top_p.map(|v| json!(v))),
        ("seed", s.seed.map(|v| json!(v))),
        ("max_tokens", s.max_tokens.map(|v| json!(v))),
        // Not OpenAI's, but vLLM, SGLang, llama-server and Ollama read them.
        ("top_k", s.top_k.map(|v| json!(v))),
        ("min_p", s.min_p.map(|v| json!(v))),
        ("repeat_penalty", s.repeat_penalty.map(|v| json!(v))),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            body[k] = v;
        }
    }
    body
}

/// Starts the answer to `messages` with `model`; its events go to `events`, tagged `id`, ending
/// with `Done` or `Error`.
pub fn generate(
    endpoint: Endpoint,
    model: String,
    id: u64,
    messages: Vec<ChatMessage>,
    sampling: SamplingSettings,
    events: mpsc::UnboundedSender<Event>,
) -> RemoteGeneration {
    let handle = RemoteGeneration { cancel: Arc::new(Notify::new()) };
    let cancel = handle.cancel.clone();
    tokio::spawn(async move {
        let mut answer = Answer::new(id, events);
        let outcome = tokio::select! {
            r = answer.run(&endpoint, &model, &messages, &sampling) => r,
            _ = cancel.notified() => Ok(StopReason::Cancelled),
        };
        answer.finish(outcome);
    });
    handle
}

/// What has arrived so far, and the events sent for it.
struct Answer {
    id: u64,
    events: mpsc::UnboundedSender<Event>,
    started: Instant,
    first_token: Option<Instant>,
    pieces: u32,
    content: ReasoningParser,
    usage: Option<(u32, u32)>,
    /// llama-server's own speeds (`timings`), when it sends them.
    server_speeds: Option<(f64, f64)>,
    /// Tool calls streamed in pieces (`delta.tool_calls`, by index): id, name, arguments so far.
    calls: Vec<(Option<String>, String, String)>,
}

impl Answer {
    fn new(id: u64, events: mpsc::UnboundedSender<Event>) -> Answer {
        Answer {
            id,
            events,
            started: Instant::now(),
            first_token: None,
            pieces: 0,
            content: ReasoningParser::new(),
            usage: None,
            server_speeds: None,
            calls: Vec::new(),
        }
    }

    fn token(&mut self, text: String, part: TextPart) {
        if text.is_empty() {
            return;
        }
        if self.first_token.is_none() {
            self.first_token = Some(Instant::now());
            let _ = self.events.send(Event::PromptDone { id: self.id, prompt_tokens: 0, cached_tokens: 0 });
        }
        self.pieces += 1;
        let _ = self.events.send(Event::Token { id: self.id, text, part });
    }

    fn send(&mut self, pieces: Vec<Piece>) {
        for piece in pieces {
            match piece {
                Piece::Text(part, text) => self.token(text, part),
                Piece::ToolCall(call) => {
                    let _ = self.events.send(Event::ToolCall { id: self.id, call });
                }
            }
        }
    }

    fn chunk(&mut self, v: &Value) -> Option<StopReason> {
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let n = |k: &str| u[k].as_u64().unwrap_or(0) as u32;
            self.usage = Some((n("prompt_tokens"), n("completion_tokens")));
        }
        if let Some(t) = v.get("timings").filter(|t| t.is_object()) {
            if let (Some(pp), Some(tg)) = (t["prompt_per_second"].as_f64(), t["predicted_per_second"].as_f64()) {
                self.server_speeds = Some((pp, tg));
            }
        }
        let choice = &v["choices"][0];
        let delta = &choice["delta"];
        let reasoning = delta["reasoning_content"].as_str().or(delta["reasoning"].as_str()).unwrap_or("");
        if !reasoning.is_empty() {
            self.token(reasoning.to_string(), TextPart::Reasoning);
        }
        if let Some(content) = delta["content"].as_str().filter(|c| !c.is_empty()) {
            let pieces = self.content.push(content);
            self.send(pieces);
        }
        // A call's first piece has its id and name; later ones add to its arguments.
        for piece in delta["tool_calls"].as_array().into_iter().flatten() {
            let index = piece["index"].as_u64().unwrap_or(self.calls.len() as u64) as usize;
            while self.calls.len() <= index {
                self.calls.push((None, String::new(), String::new()));
            }
            let call = &mut self.calls[index];
            if let Some(id) = piece["id"].as_str() {
                call.0 = Some(id.to_string());
            }
            if let Some(name) = piece["function"]["name"].as_str() {
                call.1.push_str(name);
            }
            if let Some(arguments) = piece["function"]["arguments"].as_str() {
                call.2.push_str(arguments);
            }
        }
        match choice["finish_reason"].as_str() {
            Some("length") => Some(StopReason::MaxTokens),
            Some(_) => Some(StopReason::EndOfTurn),
            None => None,
        }
    }

    async fn run(
        &mut self,
        endpoint: &Endpoint,
        model: &str,
        messages: &[ChatMessage],
        sampling: &SamplingSettings,
    ) -> Result<StopReason, RemoteError> {
        let host = endpoint.host();
        let client = endpoint.client()?;
        let req = endpoint.authorized(client.post(format!("{}/chat/completions", endpoint.base_url))).json(&request_body(model, messages, sampling));
        let res = match tokio::time::timeout(endpoint.timeouts.first_byte, req.send()).await {
            Err(_) => return Err(RemoteError::Timeout { host, what: "waiting for the answer to begin".into() }),
            Ok(Err(e)) => return Err(endpoint.send_error(e)),
            Ok(Ok(r)) => r,
        };
        if !res.status().is_success() {
            return Err(endpoint.status_error(res).await);
        }
        let mut stream = res.bytes_stream().eventsource();
        let mut finish = None;
        loop {
            let wait = if self.first_token.is_some() { endpoint.timeouts.idle } else { endpoint.timeouts.first_byte };
            let next = match tokio::time::timeout(wait, stream.next()).await {
                Err(_) => return Err(RemoteError::Timeout { host, what: format!("nothing for {} s mid-answer", wait.as_secs()) }),
                Ok(n) => n,
            };
            let event = match next {
                // The stream ended: a server that said why it finished is done; one that did not went away.
                None => return finish.ok_or(RemoteError::Vanished { host }),
                Some(Err(e)) => {
                    tracing::debug!("remote stream broke: {e}");
                    return Err(RemoteError::Vanished { host });
                }
                Some(Ok(ev)) => ev,
            };
            let data = event.data.trim();
            if data == "[DONE]" {
                return Ok(finish.unwrap_or(StopReason::EndOfTurn));
            }
            if data.is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(data).map_err(|e| RemoteError::BadResponse { host: host.clone(), why: e.to_string() })?;
            if let Some(err) = v.get("error") {
                let message = err["message"].as_str().map(String::from).unwrap_or_else(|| err.to_string());
                return Err(RemoteError::Server { host, status: 200, message });
            }
            if let Some(reason) = self.chunk(&v) {
                finish = Some(reason);
            }
        }
    }

    fn finish(mut self, outcome: Result<StopReason, RemoteError>) {
        let rest = self.content.finish();
        self.send(rest);
        if outcome.is_ok() {
            for (id, name, arguments) in std::mem::take(&mut self.calls) {
                if !name.is_empty() {
                    let _ = self.events.send(Event::ToolCall { id: self.id, call: hearth_protocol::ToolCall { name, arguments, id } });
                }
            }
        }
        let event = match outcome {
            Ok(stop_reason) => Event::Done { id: self.id, stats: self.stats(stop_reason) },
            Err(e) => Event::Error { id: Some(self.id), error: e.payload() },
        };
        let _ = self.events.send(event);
    }

    fn stats(&self, stop_reason: StopReason) -> GenerationStats {
        let total_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let ttft_ms = self.first_token.map_or(total_ms, |t| (t - self.started).as_secs_f64() * 1000.0);
        let (prompt_tokens, gen_tokens) = self.usage.unwrap_or((0, self.pieces));
        // The server's own speeds when it reports them; else what this side saw (network included).
        let (pp_tps, tg_tps) = self.server_speeds.unwrap_or_else(|| {
            let pp = if ttft_ms > 0.0 { prompt_tokens as f64 / (ttft_ms / 1000.0) } else { 0.0 };
            let gen_ms = total_ms - ttft_ms;
            let tg = if gen_ms > 0.0 && gen_tokens > 1 { (gen_tokens - 1) as f64 / (gen_ms / 1000.0) } else { 0.0 };
            (pp, tg)
        });
        GenerationStats {
            prompt_tokens,
            prompt_evaluated: prompt_tokens,
            cached_tokens: 0,
            reused_from: hearth_protocol::ReusedFrom::Nothing,
            gen_tokens,
            ttft_ms,
            pp_tps,
            tg_tps,
            total_ms,
            dropped_messages: 0,
            stop_reason,
            template_notice: None,
            tool_call_notice: None,
            draft: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tools reach the server in OpenAI's shape (a named choice, earlier calls and their
    /// results paired by id), and calls streamed in pieces come back whole, in order.
    #[test]
    fn tools_go_out_as_openai_defines_them_and_streamed_calls_come_back_whole() {
        let tool = json!({"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}});
        let sampling = SamplingSettings {
            tools: Some(vec![tool.clone()]),
            constraint: Some(OutputConstraint::ToolCall { names: vec!["echo".into()] }),
            ..Default::default()
        };
        let call = hearth_protocol::ToolCall { name: "echo".into(), arguments: r#"{"message":"hi"}"#.into(), id: Some("call_9".into()) };
        let answered = ChatMessage { tool_calls: vec![call], ..ChatMessage::new(hearth_protocol::Role::Assistant, "") };
        let result = ChatMessage { tool_call_id: Some("call_9".into()), ..ChatMessage::new(hearth_protocol::Role::Tool, "Echo: hi") };
        let body = request_body("m", &[ChatMessage::new(hearth_protocol::Role::User, "Echo hi"), answered, result], &sampling);
        assert_eq!(body["tools"], json!([tool]));
        assert_eq!(body["tool_choice"], json!({"type": "function", "function": {"name": "echo"}}));
        assert_eq!(
            body["messages"][1]["tool_calls"][0],
            json!({"id": "call_9", "type": "function", "function": {"name": "echo", "arguments": "{\"message\":\"hi\"}"}})
        );
        assert_eq!(body["messages"][2]["tool_call_id"], "call_9");
        let required = SamplingSettings { constraint: Some(OutputConstraint::ToolCall { names: vec!["a".into(), "b".into()] }), ..sampling };
        assert_eq!(request_body("m", &[], &required)["tool_choice"], "required");

        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut a = Answer::new(3, tx);
        a.chunk(&json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "echo", "arguments": ""}}]}}]}));
        a.chunk(&json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"message\": "}}]}}]}));
        a.chunk(&json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"hi\"}"}}]}}]}));
        a.chunk(&json!({"choices": [{"delta": {"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "echo", "arguments": "{}"}}]}}]}));
        assert_eq!(a.chunk(&json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]})), Some(StopReason::EndOfTurn));
        a.finish(Ok(StopReason::EndOfTurn));
        let calls: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok())
            .filter_map(|ev| match ev {
                Event::ToolCall { call, .. } => Some((call.id.unwrap(), call.name, call.arguments)),
                _ => None,
            })
            .collect();
        assert_eq!(
            calls,
            [("call_a".to_string(), "echo".to_string(), "{\"message\": \"hi\"}".to_string()), ("call_b".into(), "echo".into(), "{}".into())]
        );
    }

    #[test]
    fn reasoning_sent_apart_stays_apart_and_usage_is_read() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut a = Answer::new(7, tx);
        a.chunk(&json!({"choices": [{"delta": {"reasoning_content": "Let me"}}]}));
        a.chunk(&json!({"choices": [{"delta": {"reasoning_content": " think."}}]}));
        a.chunk(&json!({"choices": [{"delta": {"content": "Paris."}}]}));
        let stop = a.chunk(&json!({"choices": [{"delta": {}, "finish_reason": "length"}]}));
        assert_eq!(stop, Some(StopReason::MaxTokens));
        a.chunk(&json!({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 5}}));
        a.finish(Ok(StopReason::MaxTokens));
        let mut text = String::new();
        let mut done = None;
        while let Ok(ev) = rx.try_recv() {
            match ev {
                Event::Token { text: t, part: TextPart::Reasoning, .. } => text.push_str(&format!("[{t}]")),
                Event::Token { text: t, .. } => text.push_str(&t),
                Event::Done { stats, .. } => done = Some(stats),
                _ => {}
            }
        }
        assert_eq!(text, "[Let me][ think.]Paris.");
        let stats = done.unwrap();
        assert_eq!((stats.prompt_tokens, stats.gen_tokens), (12, 5));
        assert_eq!(stats.stop_reason, StopReason::MaxTokens);
    }
}
