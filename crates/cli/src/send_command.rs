//! `hearth send` and `hearth conversations`: the app's conversation flow without a window,
//! through the same engine process and the same database (`$HEARTH_HOME`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Args;
use hearth_conversation::{run_turn, TurnAction, TurnEvent, TurnModel};
use hearth_engine_client::EngineClient;
use hearth_protocol::{Event, ModelSettings, Request, SamplingSettings};
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
    /// Print the final message as JSON.
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

pub fn run(a: SendArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(send(a))
}

async fn send(a: SendArgs) -> anyhow::Result<()> {
    let (home, store) = open_store()?;
    store.recover_interrupted()?;
    let model = match a.model {
        Some(m) => m,
        None => store
            .app_state("last_model")?
            .map(PathBuf::from)
            .or_else(|| home.model_files().into_iter().next())
            .context("no model: pass --model or put a .gguf in the models directory")?,
    };
    let settings = store.model_settings(&model.display().to_string())?.unwrap_or_else(ModelSettings::default);
    let conversation = match a.conversation {
        Some(id) => id,
        None => {
            let id = store.create_conversation("New chat")?.id;
            let sampling = SamplingSettings { temperature: a.temp, seed: a.seed, max_tokens: a.max_tokens, ..Default::default() };
            store.set_sampling(id, &sampling)?;
            id
        }
    };
    let store = Arc::new(Mutex::new(store));

    let engine = EngineClient::new(std::env::current_exe()?);
    let mut load = engine.request(|id| Request::Load { id, path: model.clone(), settings }).await?;
    let (model_name, context_length) = loop {
        match load.next().await {
            Some(Event::Loaded { model, .. }) => break (model.name, model.context_length),
            Some(Event::Error { error, .. }) => anyhow::bail!("{}: {}", serde_json::to_string(&error.code)?, error.message),
            Some(_) => {}
            None => anyhow::bail!("the engine stopped while loading"),
        }
    };
    let stream_text = !a.json;
    let message = run_turn(&store, &engine, conversation, TurnAction::Send { text: a.text }, TurnModel { name: Some(&model_name), context_length, query_embedding: None }, |ev| {
        match ev {
            TurnEvent::Token { text } if stream_text => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
            TurnEvent::ContextTrimmed { dropped_messages } => eprintln!("[{dropped_messages} old messages dropped to fit]"),
            _ => {}
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!(e.payload().message))?;
    engine.shutdown().await;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&message)?);
    } else {
        println!();
        eprintln!("[conversation {conversation}, message {}, {:?}]", message.id, message.status);
    }
    Ok(())
}
