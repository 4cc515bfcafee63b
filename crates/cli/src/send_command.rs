//! `hearth send` and `hearth conversations`: the app's conversation flow without a window,
//! through the same engine process and the same database (`$HEARTH_HOME`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use hearth_conversation::{TurnAction, TurnEvent};
use hearth_core::Core;
use hearth_engine_client::EngineClient;
use hearth_protocol::{SamplingSettings, TextPart};
use hearth_store::{HearthHome, Store};

#[derive(Args)]
pub struct SendArgs {
    /// The message.
    text: String,
    /// The conversation to continue; a new one is made when absent.
    #[arg(long)]
    conversation: Option<i64>,
    /// The model; defaults to the app's last model, then the first in the models directory.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Temperature for a new conversation (0 is greedy).
    #[arg(long)]
    temp: Option<f32>,
    /// Seed for a new conversation.
    #[arg(long)]
    seed: Option<u32>,
    /// Max tokens for a new conversation.
    #[arg(long = "max-tokens")]
    max_tokens: Option<u32>,
    /// How hard a reasoning model thinks (gpt-oss: low, medium, high); kept with the conversation.
    #[arg(long = "reasoning-effort")]
    reasoning_effort: Option<hearth_protocol::ReasoningEffort>,
    /// A document (PDF, text, Markdown) to attach to the conversation first, as the app's
    /// Documents bar does; repeat for more.
    #[arg(long = "attach", value_name = "FILE")]
    attach: Vec<PathBuf>,
    /// Allow every tool call of the conversation's MCP servers (Settings → Tools in this
    /// conversation) without asking. Without it each call is asked about on the terminal, and
    /// with no terminal to ask on, refused.
    #[arg(long)]
    yes: bool,
    /// Print the final message as JSON, with `ttft_ms`, `prompt_tokens` and `cached_tokens`
    /// (prompt tokens restored from the conversation's kept state rather than decoded).
    #[arg(long)]
    json: bool,
}

fn open_store() -> anyhow::Result<(HearthHome, Store)> {
    let home = HearthHome::from_env();
    let store = Store::open(&home.database()).with_context(|| format!("opening {}", home.database().display()))?;
    Ok((home, store))
}

pub fn list_conversations(json: bool) -> anyhow::Result<()> {
    let (_, store) = open_store()?;
    let conversations = store.conversations()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&conversations)?);
    } else {
        for c in conversations {
            println!("{:>5}  {}", c.id, c.title);
        }
    }
    Ok(())
}

/// The conversation as Markdown on stdout (`hearth_conversation::to_markdown`).
pub fn export_conversation(id: i64) -> anyhow::Result<()> {
    let (_, store) = open_store()?;
    print!("{}", hearth_conversation::to_markdown(&store.conversation(id)?, &store.messages(id)?));
    Ok(())
}

/// Messages matching `text`, best first: `ID  TITLE  #MESSAGE ROLE: snippet` with the matched
/// words in [brackets], or JSON (the snippet plain).
pub fn search_conversations(text: &str, json: bool) -> anyhow::Result<()> {
    let (_, store) = open_store()?;
    let hits = store.search_messages(text, 50)?;
    if json {
        let plain: Vec<_> = hits
            .iter()
            .map(|h| hearth_store::MessageHit { snippet: h.snippet.replace([hearth_store::MATCH_START, hearth_store::MATCH_END], ""), ..h.clone() })
            .collect();
        println!("{}", serde_json::to_string_pretty(&plain)?);
        return Ok(());
    }
    if hits.is_empty() {
        println!("no message matches {text:?}");
    }
    for h in hits {
        let snippet = h.snippet.replace(hearth_store::MATCH_START, "[").replace(hearth_store::MATCH_END, "]").replace('\n', " ");
        println!("{:>5}  {}  #{} {}: {}", h.conversation_id, h.conversation_title, h.message_id, h.role.as_str(), snippet);
    }
    Ok(())
}

pub fn run(a: SendArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(send(a))
}

async fn send(a: SendArgs) -> anyhow::Result<()> {
    // The app's own use cases: the same model lifecycle (saved settings, last model), the same
    // turn (documents, embeddings), the same database.
    let core = Core::new(HearthHome::from_env(), EngineClient::new(std::env::current_exe()?))?;
    let model = match a.model {
        Some(m) => m.display().to_string(),
        None => core.app_info()?.startup_model.context("no model: pass --model or put a .gguf in the models directory")?,
    };
    let conversation = match a.conversation {
        Some(id) => {
            if let Some(effort) = a.reasoning_effort {
                let c = core.conversation(id)?;
                let sampling = SamplingSettings { reasoning_effort: Some(effort), ..c.sampling };
                core.update_conversation(id, &c.system_prompt, &sampling, &c.template)?;
            }
            id
        }
        None => {
            let c = core.create_conversation()?;
            let sampling = SamplingSettings {
                temperature: a.temp,
                seed: a.seed,
                max_tokens: a.max_tokens,
                reasoning_effort: a.reasoning_effort,
                ..Default::default()
            };
            core.update_conversation(c.id, &c.system_prompt, &sampling, &c.template)?;
            c.id
        }
    };
    core.load_model(&model, None, |_| {}).await.map_err(cli_error)?;
    if !a.attach.is_empty() {
        let paths = a.attach.iter().map(|p| p.display().to_string()).collect();
        for outcome in core.add_documents(conversation, paths, |_| {}).await.map_err(cli_error)? {
            if let Some(e) = outcome.error {
                anyhow::bail!("{}: {}", outcome.path, e.message);
            }
        }
    }
    let stream_text = !a.json;
    let message = core
        .turn(conversation, TurnAction::Send { text: a.text }, |ev| match ev {
            TurnEvent::Token { text, part: TextPart::Answer } if stream_text => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
            TurnEvent::Token { text, part: TextPart::Reasoning } if stream_text => eprint!("{text}"),
            TurnEvent::ContextTrimmed { dropped_messages } => eprintln!("[{dropped_messages} old messages dropped to fit]"),
            // The app's approval card, on the terminal: the turn waits for the answer.
            TurnEvent::ToolApproval { approval_id, call, server } => {
                let answer = crate::tool_loop::ask_on_terminal(&call, Some(&server), a.yes);
                if let Err(e) = core.answer_tool_call(approval_id, answer) {
                    eprintln!("[{}]", e.payload().message);
                }
            }
            TurnEvent::ToolResult { message } => {
                if let Some(r) = &message.tool_result {
                    let head: String = message.content.chars().take(200).collect();
                    eprintln!("[{} ({}) {:?}: {head}]", r.name, r.server, r.outcome);
                }
            }
            TurnEvent::ToolNotice { text } => eprintln!("[{text}]"),
            _ => {}
        })
        .await
        .map_err(cli_error)?;
    core.shutdown().await;
    if a.json {
        // The message as stored, with the prompt's cost on top: how long the first token took,
        // and how much of the prompt a kept state spared (issue 21).
        let mut out = serde_json::to_value(&message)?;
        if let (Some(stats), Some(obj)) = (&message.stats, out.as_object_mut()) {
            obj.insert("ttft_ms".into(), stats.ttft_ms.into());
            obj.insert("prompt_tokens".into(), stats.prompt_tokens.into());
            obj.insert("cached_tokens".into(), stats.cached_tokens.into());
            obj.insert("reused_from".into(), serde_json::to_value(stats.reused_from)?);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!();
        eprintln!("[conversation {conversation}, message {}, {:?}]", message.id, message.status);
    }
    Ok(())
}

/// `CODE: message`, as the CLI has always reported the engine's errors.
fn cli_error(e: hearth_core::CoreError) -> anyhow::Error {
    let p = e.payload();
    anyhow::anyhow!("{}: {}", serde_json::to_value(p.code).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(), p.message)
}
