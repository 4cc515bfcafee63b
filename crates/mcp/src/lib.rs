//! MCP servers as Hearth's tools (issue 19): a server started from a command line and spoken to
//! over its stdio, or reached at a Streamable HTTP URL (with headers, e.g. a bearer token), with
//! the official Rust SDK (`rmcp`), its tools listed in OpenAI's `tools`
//! shape, and calls made with a time limit and a cap on the result's size. A server that does not
//! start, dies, or answers too slowly is an error that names it, never a hang or a crash: the
//! caller tells the model the call failed and the turn goes on.

use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

/// How long a server may take to start and list its tools.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one call may take by default.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of a result the model is shown (bytes); the rest is cut with a note.
pub const RESULT_LIMIT: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error("the MCP server command is empty or badly quoted: {0:?}")]
    BadCommand(String),
    #[error("the MCP server `{server}` did not start: {why}")]
    Start { server: String, why: String },
    #[error("the MCP server `{server}` did not answer within {seconds} s ({what})")]
    Timeout { server: String, what: &'static str, seconds: u64 },
    #[error("the MCP server `{server}` failed while {what}: {why}")]
    Failed { server: String, what: &'static str, why: String },
    #[error("a header for the MCP server must be \"Name: value\": {0:?}")]
    BadHeader(String),
    #[error("the arguments for `{tool}` are not a JSON object: {why}")]
    BadArguments { tool: String, why: String },
}

/// One tool a server offers.
#[derive(Debug, Clone, PartialEq)]
pub struct McpTool {
    pub name: String,
    pub description: String,
    /// Its input's JSON schema.
    pub parameters: Value,
}

impl McpTool {
    /// As OpenAI's `tools` entries (and so `SamplingSettings::tools`) take it.
    pub fn openai(&self) -> Value {
        json!({"type": "function", "function": {"name": self.name, "description": self.description, "parameters": self.parameters}})
    }
}

/// A call's result as the model reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    pub text: String,
    /// The server said the call failed (its text says why).
    pub is_error: bool,
    /// The text was longer than [`RESULT_LIMIT`] and was cut.
    pub cut: bool,
}

/// A running MCP server and the tools it listed.
pub struct McpServer {
    /// The command line, to name the server in messages.
    pub name: String,
    client: RunningService<RoleClient, ()>,
    tools: Vec<McpTool>,
    pid: Option<u32>,
}

impl McpServer {
    /// Starts `command_line` ("CMD ARGS", split as a shell would, not run by one) and lists its
    /// tools, within `timeout`.
    pub async fn start(command_line: &str, timeout: Duration) -> Result<McpServer, McpError> {
        let words = shlex::split(command_line).filter(|w| !w.is_empty()).ok_or_else(|| McpError::BadCommand(command_line.into()))?;
        let name = command_line.to_string();
        let mut command = tokio::process::Command::new(&words[0]);
        command.args(&words[1..]);
        // The server's own log lines are not ours to show.
        let (transport, _stderr) = TokioChildProcess::builder(command)
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| McpError::Start { server: name.clone(), why: e.to_string() })?;
        let pid = transport.id();
        let timed_out = McpError::Timeout { server: name.clone(), what: "starting", seconds: timeout.as_secs() };
        let client = tokio::time::timeout(timeout, ().serve(transport))
            .await
            .map_err(|_| timed_out)?
            .map_err(|e| McpError::Start { server: name.clone(), why: e.to_string() })?;
        McpServer::listed(name, client, pid, timeout).await
    }

    /// Connects to a Streamable HTTP server at `url`, sending `headers` ("Name: value", e.g.
    /// "Authorization: Bearer …") with every request, and lists its tools, within `timeout`.
    pub async fn connect(url: &str, headers: &[String], timeout: Duration) -> Result<McpServer, McpError> {
        let mut custom = std::collections::HashMap::new();
        for h in headers {
            let (k, v) = h.split_once(':').ok_or_else(|| McpError::BadHeader(h.clone()))?;
            let name = http::HeaderName::from_bytes(k.trim().as_bytes()).map_err(|_| McpError::BadHeader(h.clone()))?;
            let value = http::HeaderValue::from_str(v.trim()).map_err(|_| McpError::BadHeader(h.clone()))?;
            custom.insert(name, value);
        }
        let config = StreamableHttpClientTransportConfig::with_uri(url.to_string()).custom_headers(custom);
        let transport = StreamableHttpClientTransport::from_config(config);
        let name = url.to_string();
        let timed_out = McpError::Timeout { server: name.clone(), what: "connecting", seconds: timeout.as_secs() };
        let client = tokio::time::timeout(timeout, ().serve(transport))
            .await
            .map_err(|_| timed_out)?
            .map_err(|e| McpError::Start { server: name.clone(), why: e.to_string() })?;
        McpServer::listed(name, client, None, timeout).await
    }

    async fn listed(name: String, client: RunningService<RoleClient, ()>, pid: Option<u32>, timeout: Duration) -> Result<McpServer, McpError> {
        let listed = tokio::time::timeout(timeout, client.list_all_tools())
            .await
            .map_err(|_| McpError::Timeout { server: name.clone(), what: "listing its tools", seconds: timeout.as_secs() })?
            .map_err(|e| McpError::Failed { server: name.clone(), what: "listing its tools", why: e.to_string() })?;
        let tools = listed
            .into_iter()
            .map(|t| McpTool {
                name: t.name.to_string(),
                description: t.description.map(|d| d.to_string()).unwrap_or_default(),
                parameters: Value::Object((*t.input_schema).clone()),
            })
            .collect();
        Ok(McpServer { name, client, tools, pid })
    }

    pub fn tools(&self) -> &[McpTool] {
        &self.tools
    }

    /// The server went away (its process ended, its connection closed).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// The server process's id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Calls `tool` with `arguments` (JSON text, as the model wrote it), within `timeout`.
    pub async fn call(&self, tool: &str, arguments: &str, timeout: Duration) -> Result<CallOutcome, McpError> {
        let arguments = match serde_json::from_str::<Value>(if arguments.trim().is_empty() { "{}" } else { arguments }) {
            Ok(Value::Object(map)) => map,
            Ok(other) => return Err(McpError::BadArguments { tool: tool.into(), why: format!("got {other}") }),
            Err(e) => return Err(McpError::BadArguments { tool: tool.into(), why: e.to_string() }),
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let result = tokio::time::timeout(timeout, self.client.call_tool(params))
            .await
            .map_err(|_| McpError::Timeout { server: self.name.clone(), what: "calling a tool", seconds: timeout.as_secs() })?
            .map_err(|e| McpError::Failed { server: self.name.clone(), what: "calling a tool", why: e.to_string() })?;
        Ok(outcome(&result))
    }

    /// Ends the server (closes its stdin; the SDK kills it if it lingers).
    pub async fn stop(self) {
        let _ = self.client.cancel().await;
    }
}

/// A result as text: its text blocks, other blocks named, or the structured result as JSON;
/// cut at [`RESULT_LIMIT`] on a character boundary, with a note saying how much was left out.
fn outcome(result: &CallToolResult) -> CallOutcome {
    let mut parts = Vec::new();
    for block in &result.content {
        parts.push(match block {
            ContentBlock::Text(t) => t.text.clone(),
            ContentBlock::Image(_) => "[an image]".into(),
            ContentBlock::Audio(_) => "[audio]".into(),
            ContentBlock::Resource(_) => "[an embedded resource]".into(),
            ContentBlock::ResourceLink(r) => format!("[a resource: {}]", r.uri),
            // Kinds later versions of the protocol add.
            _ => "[content of another kind]".into(),
        });
    }
    let mut text = parts.join("\n");
    if text.is_empty() {
        if let Some(structured) = &result.structured_content {
            text = structured.to_string();
        }
    }
    let (text, cut) = cap(text, RESULT_LIMIT);
    CallOutcome { text, is_error: result.is_error == Some(true), cut }
}

fn cap(text: String, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let left = text.len() - end;
    (format!("{}\n[result cut: {left} more bytes not shown]", &text[..end]), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_results_are_cut_on_a_character_boundary_with_a_note() {
        let (short, cut) = cap("abc".into(), 10);
        assert_eq!((short.as_str(), cut), ("abc", false));
        let (long, cut) = cap("ééééé".into(), 5);
        assert!(cut);
        assert!(long.starts_with("éé\n[result cut: 6 more bytes"), "{long}");
    }

    #[tokio::test]
    async fn a_command_that_does_not_exist_is_a_start_error_naming_it() {
        let e = McpServer::start("/nonexistent/mcp-server --flag", Duration::from_secs(5)).await.err().unwrap();
        assert!(matches!(&e, McpError::Start { server, .. } if server.contains("/nonexistent/mcp-server")), "{e}");
        assert!(matches!(McpServer::start("  ", Duration::from_secs(1)).await, Err(McpError::BadCommand(_))));
        assert!(matches!(McpServer::start("npx 'unclosed", Duration::from_secs(1)).await, Err(McpError::BadCommand(_))));
    }

    /// A program that never speaks MCP: starting gives up at the time limit, and the child goes.
    #[tokio::test]
    async fn a_server_that_never_answers_times_out() {
        let started = std::time::Instant::now();
        let e = McpServer::start("sleep 30", Duration::from_secs(1)).await.err().unwrap();
        assert!(matches!(e, McpError::Timeout { what: "starting", .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
