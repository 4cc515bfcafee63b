//! MCP servers in the app (issue 19): the servers the user added (Settings → Tools: a command
//! run over stdio, or a Streamable HTTP URL whose token is kept in the OS keyring), started
//! when first needed and kept running; which of them a conversation offers; the approval each
//! call waits for (allow once, always for this tool, deny); and the rounds of a turn that calls
//! tools: each call's result stored as a `tool` message, then the model answers again. A server
//! that does not start, dies or times out is a message, and the turn goes on without it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hearth_conversation::{TurnAction, TurnEvent};
use hearth_mcp::{McpError, McpServer, CALL_TIMEOUT, START_TIMEOUT};
use hearth_protocol::{ErrorCode, OutputConstraint, ToolCall};
use hearth_store::{ConversationTools, Message, MessageStatus, Setting, ToolOutcome, ToolResult};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::secrets::KeptIn;
use crate::{Core, CoreError, Result};

/// After this many rounds of calls the model answers with the tools withheld.
pub const MAX_TOOL_ROUNDS: u32 = 8;

/// The conversation's documents as a tool (issue 19 part 4): Hearth's own, run without asking
/// (it reads only what the user attached, and changes nothing).
pub const DOCUMENT_TOOL: &str = "search_documents";
/// Where a document search's `tool` message says it ran.
const DOCUMENT_TOOL_SERVER: &str = "documents";
/// Passages a document search returns.
const DOCUMENT_TOOL_PASSAGES: usize = 6;

fn document_tool() -> Value {
    serde_json::json!({"type": "function", "function": {
        "name": DOCUMENT_TOOL,
        "description": "Search the documents attached to this conversation. Returns the passages that best match the query, each labelled with its document and page.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string", "maxLength": 120, "description": "Words to look for in the documents"}}, "required": ["query"]},
    }})
}

/// The MCP servers the user added (tokens are in the OS keyring).
pub struct McpServers;
impl Setting for McpServers {
    const KEY: &'static str = "mcp_servers";
    type Value = Vec<StoredMcpServer>;
}

/// A server as stored: how to reach it, whether it has a token (not the token), the tools the
/// user allowed always.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredMcpServer {
    name: String,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    url: Option<String>,
    /// Extra headers ("Name: value") that are not secret.
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    has_token: bool,
    #[serde(default)]
    always: Vec<String>,
}

fn token_name(server: &str) -> String {
    format!("mcp server {server}")
}

/// A server to add, as the Settings form gives it: a command or a URL.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewMcpServer {
    pub name: String,
    pub command: Option<String>,
    pub url: Option<String>,
    pub headers: Vec<String>,
    /// Sent as `Authorization: Bearer TOKEN`; kept in the OS keyring.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct McpToolView {
    pub name: String,
    pub description: String,
}

/// A server as the UI sees it: never the token.
#[derive(Debug, Clone, Serialize, TS)]
pub struct McpServerView {
    pub name: String,
    pub command: Option<String>,
    pub url: Option<String>,
    pub headers: Vec<String>,
    pub has_token: bool,
    /// Said when the token is not safely kept (no OS keyring) or was lost.
    pub token_note: Option<String>,
    /// Tools run without asking.
    pub always: Vec<String>,
    pub running: bool,
    /// Its tools, once it has been started.
    pub tools: Vec<McpToolView>,
    /// Why it is not running, when it failed.
    pub error: Option<String>,
}

/// The user's answer to a call waiting for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ToolApproval {
    Once,
    Always,
    Deny,
}

/// The running servers, the last failure of each, and the calls waiting for the user.
#[derive(Default)]
pub(crate) struct McpHub {
    running: tokio::sync::Mutex<HashMap<String, Arc<McpServer>>>,
    failures: Mutex<HashMap<String, String>>,
    waiting: Mutex<HashMap<u64, tokio::sync::oneshot::Sender<ToolApproval>>>,
    next_approval: AtomicU64,
}

fn mcp_error(e: &McpError) -> CoreError {
    let code = match e {
        McpError::BadCommand(_) | McpError::BadHeader(_) | McpError::BadArguments { .. } => ErrorCode::BadRequest,
        _ => ErrorCode::McpServerFailed,
    };
    CoreError::new(code, e.to_string())
}

/// The tools offered in one turn: each in OpenAI's shape, with its server (empty for Hearth's
/// own document search).
#[derive(Default)]
pub(crate) struct ToolSet {
    tools: Vec<(Value, String)>,
    servers: HashMap<String, Arc<McpServer>>,
    required: bool,
}

impl ToolSet {
    fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// The tools and the forced call of round `round` (a required call holds the first only).
    fn offer(&self, round: u32, withheld: bool) -> (Option<Vec<Value>>, Option<OutputConstraint>) {
        if self.is_empty() || withheld {
            return (None, None);
        }
        let tools: Vec<Value> = self.tools.iter().map(|(t, _)| t.clone()).collect();
        let constraint = (self.required && round == 0).then(|| OutputConstraint::ToolCall { names: tools.iter().map(name_of).collect() });
        (Some(tools), constraint)
    }

    fn has_documents(&self) -> bool {
        self.tools.iter().any(|(_, server)| server.is_empty())
    }

    fn server_of(&self, tool: &str) -> Option<(&str, &Arc<McpServer>)> {
        let (_, server) = self.tools.iter().find(|(t, _)| name_of(t) == tool)?;
        Some((server.as_str(), self.servers.get(server)?))
    }
}

fn name_of(tool: &Value) -> String {
    tool["function"]["name"].as_str().unwrap_or_default().to_string()
}

impl Core {
    fn stored_mcp_servers(&self) -> Result<Vec<StoredMcpServer>> {
        Ok(self.store.lock().setting::<McpServers>()?)
    }

    fn stored_mcp_server(&self, name: &str) -> Result<StoredMcpServer> {
        self.stored_mcp_servers()?
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| CoreError::new(ErrorCode::NotFound, format!("no MCP server named {name:?}")))
    }

    async fn mcp_view(&self, s: &StoredMcpServer) -> McpServerView {
        let running = self.mcp.running.lock().await.get(&s.name).filter(|r| !r.is_closed()).cloned();
        let token_note = if s.has_token { self.keys.note(&token_name(&s.name)) } else { None };
        McpServerView {
            name: s.name.clone(),
            command: s.command.clone(),
            url: s.url.clone(),
            headers: s.headers.clone(),
            has_token: s.has_token,
            token_note,
            always: s.always.clone(),
            running: running.is_some(),
            tools: running
                .map(|r| r.tools().iter().map(|t| McpToolView { name: t.name.clone(), description: t.description.clone() }).collect())
                .unwrap_or_default(),
            error: self.mcp.failures.lock().get(&s.name).cloned(),
        }
    }

    pub async fn list_mcp_servers(&self) -> Result<Vec<McpServerView>> {
        let mut out = Vec::new();
        for s in self.stored_mcp_servers()? {
            out.push(self.mcp_view(&s).await);
        }
        Ok(out)
    }

    /// Starts (or connects to) `s` and lists its tools.
    async fn launch(&self, s: &StoredMcpServer, token: Option<String>) -> std::result::Result<McpServer, McpError> {
        match (&s.command, &s.url) {
            (Some(command), _) => McpServer::start(command, START_TIMEOUT).await,
            (None, Some(url)) => {
                let mut headers = s.headers.clone();
                if let Some(token) = token {
                    headers.push(format!("Authorization: Bearer {token}"));
                }
                McpServer::connect(url, &headers, START_TIMEOUT).await
            }
            (None, None) => Err(McpError::BadCommand(String::new())),
        }
    }

    /// The running server `name`, started first when it is not running (or died).
    async fn running_mcp_server(&self, s: &StoredMcpServer) -> Result<Arc<McpServer>> {
        let mut running = self.mcp.running.lock().await;
        if let Some(r) = running.get(&s.name).filter(|r| !r.is_closed()) {
            return Ok(r.clone());
        }
        running.remove(&s.name);
        let token = if s.has_token { self.keys.get(&token_name(&s.name)).map(|(t, _)| t) } else { None };
        match self.launch(s, token).await {
            Ok(server) => {
                let server = Arc::new(server);
                running.insert(s.name.clone(), server.clone());
                self.mcp.failures.lock().remove(&s.name);
                Ok(server)
            }
            Err(e) => {
                self.mcp.failures.lock().insert(s.name.clone(), e.to_string());
                Err(mcp_error(&e))
            }
        }
    }

    /// Adds (or replaces, by name) a server once it starts and lists its tools; one that does not
    /// start is an error and nothing is saved.
    pub async fn add_mcp_server(&self, new: NewMcpServer) -> Result<McpServerView> {
        let name = new.name.trim().to_string();
        let command = new.command.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        let url = new.url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        if name.is_empty() {
            return Err(CoreError::new(ErrorCode::BadRequest, "an MCP server needs a name"));
        }
        if command.is_some() == url.is_some() {
            return Err(CoreError::new(ErrorCode::BadRequest, "give an MCP server either a command or a URL"));
        }
        if let Some(url) = &url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(CoreError::new(ErrorCode::BadRequest, format!("{url} is not an http:// or https:// URL")));
            }
        }
        let token = new.token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let headers: Vec<String> = new.headers.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect();
        let stored = StoredMcpServer { name: name.clone(), command, url, headers, has_token: token.is_some(), always: Vec::new() };
        let server = self.launch(&stored, token.clone()).await.map_err(|e| mcp_error(&e))?;
        // A server of the same name that was running is dropped, which ends it.
        self.mcp.running.lock().await.insert(name.clone(), Arc::new(server));
        self.mcp.failures.lock().remove(&name);
        match &token {
            Some(t) => {
                if self.keys.put(&token_name(&name), t) == KeptIn::Session {
                    tracing::warn!("the token of MCP server {name} is kept for this session only");
                }
            }
            None => self.keys.remove(&token_name(&name)),
        }
        {
            let store = self.store.lock();
            let mut servers = store.setting::<McpServers>()?;
            servers.retain(|s| s.name != name);
            servers.push(stored.clone());
            store.set_setting::<McpServers>(&servers)?;
        }
        Ok(self.mcp_view(&stored).await)
    }

    /// Removes a server: stops it, forgets its token and takes it off every conversation.
    pub async fn remove_mcp_server(&self, name: &str) -> Result<()> {
        self.mcp.running.lock().await.remove(name);
        self.mcp.failures.lock().remove(name);
        self.keys.remove(&token_name(name));
        let store = self.store.lock();
        let mut servers = store.setting::<McpServers>()?;
        servers.retain(|s| s.name != name);
        store.set_setting::<McpServers>(&servers)?;
        Ok(())
    }

    /// Ends every running server (at quit).
    pub(crate) async fn stop_mcp_servers(&self) {
        let running: Vec<_> = self.mcp.running.lock().await.drain().map(|(_, s)| s).collect();
        for server in running {
            if let Ok(server) = Arc::try_unwrap(server) {
                server.stop().await;
            }
        }
    }

    /// Starts a server that is not running (again), and lists its tools.
    pub async fn start_mcp_server(&self, name: &str) -> Result<McpServerView> {
        let s = self.stored_mcp_server(name)?;
        self.running_mcp_server(&s).await?;
        Ok(self.mcp_view(&s).await)
    }

    /// Whether `tool` of `server` runs without asking.
    pub fn set_mcp_tool_always(&self, server: &str, tool: &str, always: bool) -> Result<()> {
        let store = self.store.lock();
        let mut servers = store.setting::<McpServers>()?;
        let s = servers
            .iter_mut()
            .find(|s| s.name == server)
            .ok_or_else(|| CoreError::new(ErrorCode::NotFound, format!("no MCP server named {server:?}")))?;
        s.always.retain(|t| t != tool);
        if always {
            s.always.push(tool.to_string());
        }
        Ok(store.set_setting::<McpServers>(&servers)?)
    }

    pub fn set_conversation_tools(&self, id: i64, tools: &ConversationTools) -> Result<hearth_store::Conversation> {
        let known = self.stored_mcp_servers()?;
        if let Some(unknown) = tools.servers.iter().find(|n| !known.iter().any(|s| &&s.name == n)) {
            return Err(CoreError::new(ErrorCode::NotFound, format!("no MCP server named {unknown:?}")));
        }
        Ok(self.store.lock().set_conversation_tools(id, tools)?)
    }

    /// The user's answer to the call waiting as `approval_id`.
    pub fn answer_tool_call(&self, approval_id: u64, answer: ToolApproval) -> Result<()> {
        match self.mcp.waiting.lock().remove(&approval_id) {
            Some(waiting) => {
                let _ = waiting.send(answer);
                Ok(())
            }
            None => Err(CoreError::new(ErrorCode::NotFound, "that tool call is no longer waiting for an answer")),
        }
    }

    /// The conversation's tools for a turn: its servers started as needed; one that does not
    /// start is said (`ToolNotice`) and left out.
    pub(crate) async fn tool_set(&self, conversation_id: i64, on_event: &mut impl FnMut(TurnEvent)) -> Result<ToolSet> {
        let chosen = self.store.lock().conversation(conversation_id)?.tools;
        let mut set = ToolSet { required: chosen.required, ..ToolSet::default() };
        let has_documents = !self.store.lock().conversation_documents(conversation_id)?.is_empty();
        let calls_well = self.model.lock().info.as_ref().is_some_and(|m| m.tool_calls);
        if has_documents && chosen.documents.unwrap_or(calls_well) {
            set.tools.push((document_tool(), String::new()));
        }
        if chosen.servers.is_empty() {
            return Ok(set);
        }
        let stored = self.stored_mcp_servers()?;
        for name in &chosen.servers {
            let Some(s) = stored.iter().find(|s| &s.name == name) else { continue };
            let server = match self.running_mcp_server(s).await {
                Ok(server) => server,
                Err(e) => {
                    on_event(TurnEvent::ToolNotice { text: format!("{}; its tools are left out of this answer", e.payload().message) });
                    continue;
                }
            };
            for tool in server.tools() {
                let switched_off = chosen.off.contains(&format!("{name}/{}", tool.name));
                let taken = set.tools.iter().any(|(t, _)| name_of(t) == tool.name);
                if !switched_off && !taken {
                    set.tools.push((tool.openai(), name.clone()));
                }
            }
            set.servers.insert(name.clone(), server);
        }
        Ok(set)
    }

    /// Waits for the user's answer to `call` (unless its tool is allowed always); a Stop denies it.
    async fn approval(&self, call: &ToolCall, server: &str, stop: &AtomicBool, on_event: &mut impl FnMut(TurnEvent)) -> Result<ToolApproval> {
        // Read now: an "always" given earlier in this same turn counts.
        if self.stored_mcp_server(server).map(|s| s.always.contains(&call.name)).unwrap_or(false) {
            return Ok(ToolApproval::Once);
        }
        let id = self.mcp.next_approval.fetch_add(1, Ordering::SeqCst) + 1;
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        self.mcp.waiting.lock().insert(id, tx);
        on_event(TurnEvent::ToolApproval { approval_id: id, call: call.clone(), server: server.to_string() });
        let answer = loop {
            tokio::select! {
                answer = &mut rx => break answer.unwrap_or(ToolApproval::Deny),
                _ = tokio::time::sleep(Duration::from_millis(100)) => {
                    if stop.load(Ordering::SeqCst) {
                        self.mcp.waiting.lock().remove(&id);
                        break ToolApproval::Deny;
                    }
                }
            }
        };
        if answer == ToolApproval::Always {
            self.set_mcp_tool_always(server, &call.name, true)?;
        }
        Ok(answer)
    }

    /// Asks about and runs one call; its `tool` message, stored.
    async fn run_tool_call(
        &self,
        conversation_id: i64,
        call: &ToolCall,
        set: &ToolSet,
        found: &mut Vec<hearth_store::Passage>,
        stop: &AtomicBool,
        on_event: &mut impl FnMut(TurnEvent),
    ) -> Result<Message> {
        let call_id = call.id.clone().unwrap_or_default();
        let record = |server: &str, outcome, content: &str| -> Result<Message> {
            let result =
                ToolResult { call_id: call_id.clone(), name: call.name.clone(), arguments: call.arguments.clone(), server: server.into(), outcome };
            Ok(self.store.lock().add_tool_result(conversation_id, &result, content)?)
        };
        if call.name == DOCUMENT_TOOL && set.has_documents() {
            return match self.search_documents(conversation_id, &call.arguments).await {
                Ok(passages) => {
                    let text = hearth_documents::tool_result(&passages);
                    found.extend(passages);
                    record(DOCUMENT_TOOL_SERVER, ToolOutcome::Ran, &text)
                }
                Err(e) => record(DOCUMENT_TOOL_SERVER, ToolOutcome::Failed, &format!("Error: {}", e.payload().message)),
            };
        }
        let Some((server_name, server)) = set.server_of(&call.name) else {
            return record("", ToolOutcome::Failed, &format!("Error: there is no tool named {}.", call.name));
        };
        if self.approval(call, server_name, stop, on_event).await? == ToolApproval::Deny {
            return record(server_name, ToolOutcome::Denied, "The user did not allow this call.");
        }
        match server.call(&call.name, &call.arguments, CALL_TIMEOUT).await {
            Ok(outcome) => record(server_name, if outcome.is_error { ToolOutcome::Failed } else { ToolOutcome::Ran }, &outcome.text),
            Err(e) => {
                if !matches!(e, McpError::BadArguments { .. }) {
                    // Gone or stuck: started again at the next turn that offers it.
                    self.mcp.running.lock().await.remove(server_name);
                }
                self.mcp.failures.lock().insert(server_name.to_string(), e.to_string());
                record(server_name, ToolOutcome::Failed, &format!("Error: {e}"))
            }
        }
    }

    /// The document search tool: the passages of the conversation's documents that match the
    /// query (BM25, fused with embedding similarity when an embedding model is set), best first.
    async fn search_documents(&self, conversation_id: i64, arguments: &str) -> Result<Vec<hearth_store::Passage>> {
        let query = serde_json::from_str::<Value>(arguments)
            .ok()
            .and_then(|v| v["query"].as_str().map(str::to_string))
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| CoreError::new(ErrorCode::BadRequest, format!("{DOCUMENT_TOOL} needs a \"query\" string, got {arguments}")))?;
        let embedding = self.query_embedding(conversation_id, &TurnAction::Send { text: query.clone() }).await.ok().flatten();
        let store = self.store.lock();
        let ids: Vec<i64> = store.conversation_documents(conversation_id)?.iter().map(|d| d.id).collect();
        Ok(hearth_conversation::retrieve(&store, &ids, &query, embedding.as_ref(), DOCUMENT_TOOL_PASSAGES)?)
    }

    /// A turn with the conversation's tools: each answer that calls tools has its calls asked
    /// about and run, their results stored, and the model answers again — at most
    /// [`MAX_TOOL_ROUNDS`] rounds, then once more with the tools withheld.
    pub(crate) async fn turn_with_tools(
        &self,
        conversation_id: i64,
        action: TurnAction,
        stop: &Arc<AtomicBool>,
        on_event: &mut impl FnMut(TurnEvent),
    ) -> Result<Message> {
        let set = if matches!(action, TurnAction::Summarize { .. }) { ToolSet::default() } else { self.tool_set(conversation_id, on_event).await? };
        let mut action = action;
        let mut round = 0;
        let mut withheld = false;
        let mut found = Vec::new();
        loop {
            let (tools, constraint) = set.offer(round, withheld);
            let offer = crate::conversations::RoundOffer { tools, constraint, extra_sources: found.clone() };
            let message = self.round(conversation_id, action, offer, stop, on_event).await?;
            if set.is_empty() || withheld || message.tool_calls.is_empty() || message.status != MessageStatus::Complete {
                return Ok(message);
            }
            for call in &message.tool_calls {
                let result = self.run_tool_call(conversation_id, call, &set, &mut found, stop, on_event).await?;
                on_event(TurnEvent::ToolResult { message: result });
                if stop.load(Ordering::SeqCst) {
                    return Ok(message);
                }
            }
            round += 1;
            if round >= MAX_TOOL_ROUNDS {
                withheld = true;
                on_event(TurnEvent::ToolNotice { text: format!("stopped calling tools after {MAX_TOOL_ROUNDS} rounds; answered without them") });
            }
            action = TurnAction::Continue;
        }
    }
}
