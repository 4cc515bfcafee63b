//! `hearth chat --mcp …`: the rounds of a tool-using answer. The MCP servers' tools are offered
//! to the model; each call it makes is asked about on the terminal (unless `--yes`, or the user
//! allowed that tool always), run on its server, and its result goes back as a `tool` message;
//! the model then answers or calls again, up to `--max-tool-rounds`. A call that fails (a server
//! that died or timed out, a tool no server has, arguments that are not JSON) goes back to the
//! model as a failed result, and the turn goes on.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};

use hearth_core::ToolApproval;
use hearth_mcp::{McpServer, CALL_TIMEOUT, START_TIMEOUT};
use hearth_protocol::{ChatMessage, OutputConstraint, Role, SamplingSettings, ToolCall};
use serde_json::{json, Value};

/// The servers of `--mcp` (commands over stdio) and `--mcp-url` (Streamable HTTP, with `headers`).
pub async fn start_servers(commands: &[String], urls: &[String], headers: &[String]) -> anyhow::Result<Vec<McpServer>> {
    let mut servers = Vec::new();
    for command in commands {
        servers.push(McpServer::start(command, START_TIMEOUT).await?);
    }
    for url in urls {
        servers.push(McpServer::connect(url, headers, START_TIMEOUT).await?);
    }
    Ok(servers)
}

pub async fn stop_servers(servers: Vec<McpServer>) {
    for s in servers {
        s.stop().await;
    }
}

/// One call and what came of it.
pub struct CallRecord {
    pub call: ToolCall,
    pub allowed: bool,
    pub result: String,
    pub is_error: bool,
}

impl CallRecord {
    /// The `tool` message that answers the call.
    pub fn message(&self) -> ChatMessage {
        let mut m = ChatMessage::new(Role::Tool, self.result.clone());
        m.tool_call_id = self.call.id.clone();
        m
    }
}

pub struct ToolLoop<'s> {
    servers: &'s [McpServer],
    /// Every tool in OpenAI's shape, and which server has it (the first that lists a name).
    tools: Vec<(Value, usize)>,
    choice: Choice,
    yes: bool,
    always: HashSet<String>,
    max_rounds: u32,
    rounds: u32,
    records: Vec<CallRecord>,
    notice: Option<String>,
    /// The rounds are spent: the tools are no longer offered.
    withheld: bool,
}

/// See [`ToolLoop::next_step`].
pub enum Step {
    RunCalls,
    AnswerWithoutTools,
    Stop,
}

enum Choice {
    None,
    Auto,
    Required,
    Named(String),
}

impl<'s> ToolLoop<'s> {
    pub fn new(servers: &'s [McpServer], choice: &str, yes: bool, max_rounds: u32) -> anyhow::Result<ToolLoop<'s>> {
        let mut tools = Vec::new();
        let mut seen = HashSet::new();
        for (i, server) in servers.iter().enumerate() {
            for tool in server.tools() {
                if seen.insert(tool.name.clone()) {
                    tools.push((tool.openai(), i));
                } else {
                    eprintln!("[{}: a tool named {} is already offered by another server; this one is left out]", server.name, tool.name);
                }
            }
        }
        let choice = match choice {
            "none" => Choice::None,
            "auto" => Choice::Auto,
            "required" => Choice::Required,
            name if seen.contains(name) => Choice::Named(name.to_string()),
            name if servers.is_empty() => anyhow::bail!("--tool-choice {name} needs --mcp servers whose tools it names"),
            name => anyhow::bail!("--tool-choice {name}: no MCP server offers a tool of that name (they offer: {})", sorted(&seen)),
        };
        if matches!(choice, Choice::Required) && tools.is_empty() {
            anyhow::bail!("--tool-choice required needs --mcp servers that offer tools");
        }
        Ok(ToolLoop {
            servers,
            tools,
            choice,
            yes,
            always: HashSet::new(),
            max_rounds,
            rounds: 0,
            records: Vec::new(),
            notice: None,
            withheld: false,
        })
    }

    /// Puts the tools (and, on the first round, the forced choice) into a round's sampling.
    pub fn offer(&self, sampling: &mut SamplingSettings) {
        if self.tools.is_empty() || matches!(self.choice, Choice::None) || self.withheld {
            return;
        }
        sampling.tools = Some(self.tools.iter().map(|(t, _)| t.clone()).collect());
        // A forced call is forced once: after its result the model answers or calls freely.
        if self.rounds == 0 {
            sampling.constraint = match &self.choice {
                Choice::Required => Some(OutputConstraint::ToolCall { names: self.tools.iter().map(|(t, _)| name_of(t)).collect() }),
                Choice::Named(name) => Some(OutputConstraint::ToolCall { names: vec![name.clone()] }),
                _ => None,
            };
        }
    }

    /// What to do with an answer that called tools: run the calls while rounds are left; once
    /// they are spent, ask once more with the tools withheld, so that the model answers.
    pub fn next_step(&mut self) -> Step {
        if self.servers.is_empty() || matches!(self.choice, Choice::None) || self.withheld {
            return Step::Stop;
        }
        if self.rounds >= self.max_rounds {
            self.withheld = true;
            self.notice = Some(format!("stopped calling tools after {} rounds (--max-tool-rounds); answered without them", self.max_rounds));
            return Step::AnswerWithoutTools;
        }
        Step::RunCalls
    }

    /// Asks about and runs this round's calls, in order.
    pub async fn run_calls(&mut self, calls: &[ToolCall], chatty: bool) -> Vec<CallRecord> {
        self.rounds += 1;
        let mut out = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            let mut call = call.clone();
            call.id.get_or_insert_with(|| format!("call_{}_{i}", self.rounds));
            let record = self.run_one(call, chatty).await;
            if chatty {
                let head: String = record.result.chars().take(200).collect();
                eprintln!("[{} → {head}]", record.call.name);
            }
            self.records.push(CallRecord {
                call: record.call.clone(),
                allowed: record.allowed,
                result: record.result.clone(),
                is_error: record.is_error,
            });
            out.push(record);
        }
        out
    }

    async fn run_one(&mut self, call: ToolCall, chatty: bool) -> CallRecord {
        let failed = |call: ToolCall, allowed, why: String| CallRecord { call, allowed, result: why, is_error: true };
        let Some(&(_, server)) = self.tools.iter().find(|(t, _)| name_of(t) == call.name) else {
            return failed(call.clone(), false, format!("Error: there is no tool named {}.", call.name));
        };
        if !self.allowed(&call) {
            return failed(call, false, "The user did not allow this call.".into());
        }
        if chatty {
            eprintln!("[calling {} {}]", call.name, call.arguments);
        }
        match self.servers[server].call(&call.name, &call.arguments, CALL_TIMEOUT).await {
            Ok(outcome) => CallRecord { call, allowed: true, result: outcome.text, is_error: outcome.is_error },
            Err(e) => failed(call, true, format!("Error: {e}")),
        }
    }

    /// `--yes`, a tool allowed always, or the user's answer on the terminal.
    fn allowed(&mut self, call: &ToolCall) -> bool {
        if self.always.contains(&call.name) {
            return true;
        }
        match ask_on_terminal(call, None, self.yes) {
            ToolApproval::Once => true,
            ToolApproval::Always => {
                self.always.insert(call.name.clone());
                true
            }
            ToolApproval::Deny => false,
        }
    }

    /// Every call made, for `--json`.
    pub fn report(&self) -> Value {
        self.records
            .iter()
            .map(|r| json!({"id": r.call.id, "name": r.call.name, "arguments": r.call.arguments, "allowed": r.allowed, "result": r.result, "is_error": r.is_error}))
            .collect()
    }

    pub fn rounds(&self) -> u32 {
        self.rounds
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }
}

/// `--yes`, or the user's answer on the terminal (yes once, always for this tool, no); with no
/// terminal to ask on, no. For `hearth chat --mcp` and `hearth send` alike.
pub fn ask_on_terminal(call: &ToolCall, server: Option<&str>, yes: bool) -> ToolApproval {
    if yes {
        return ToolApproval::Once;
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("[{} was not run: there is no terminal to ask on (pass --yes to allow every call)]", call.name);
        return ToolApproval::Deny;
    }
    let from = server.map(|s| format!(" from {s}")).unwrap_or_default();
    eprint!("Run {}{from} with {}? [y]es once, [a]lways for this tool, [N]o: ", call.name, call.arguments);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => ToolApproval::Once,
        "a" | "always" => ToolApproval::Always,
        _ => ToolApproval::Deny,
    }
}

fn name_of(tool: &Value) -> String {
    tool["function"]["name"].as_str().unwrap_or_default().to_string()
}

fn sorted(names: &HashSet<String>) -> String {
    let mut v: Vec<&str> = names.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.join(", ")
}
