//! `hearth chat MODEL.gguf --prompt TEXT ...`: one answer, in this process, streamed to stdout.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use hearth_engine::{Engine, GenerationObserver, GenerationRequest};
use hearth_protocol::{ChatMessage, Role, SamplingSettings, TemplateChoice};

#[derive(Args)]
pub struct ChatArgs {
    model: PathBuf,
    #[arg(long)]
    prompt: String,
    #[arg(long)]
    system: Option<String>,
    #[arg(long)]
    seed: Option<u32>,
    #[arg(long = "max-tokens")]
    max_tokens: Option<u32>,
    /// Temperature; 0 is greedy.
    #[arg(long)]
    temp: Option<f32>,
    #[arg(long)]
    ctx: Option<u32>,
    #[arg(long)]
    threads: Option<u32>,
    #[command(flatten)]
    placement: crate::placement_args::PlacementArgs,
    /// A llama.cpp built-in template name (chatml, llama3, gemma, ...) for models without one.
    #[arg(long)]
    template: Option<String>,
    /// Print one JSON object at the end instead of streaming text.
    #[arg(long)]
    json: bool,
}

/// Collects the answer, streaming it to stdout unless `stream` is off (`--json`). Also `ask`'s.
pub(crate) struct Printer {
    pub(crate) stream: bool,
    pub(crate) text: String,
}

impl GenerationObserver for Printer {
    fn trimmed(&mut self, dropped: u32) {
        eprintln!("[{dropped} old messages dropped to fit the context]");
    }
    fn prompt_done(&mut self, _: u32) {}
    fn token(&mut self, text: &str) {
        self.text.push_str(text);
        if self.stream {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
    fn cancelled(&self) -> bool {
        false
    }
}

pub fn run(a: ChatArgs) -> anyhow::Result<()> {
    let settings = crate::placement_args::launch_settings_for(&a.model, &a.placement.overrides(a.ctx, a.threads))?;
    let mut engine = Engine::new()?;
    let info = engine.load(&a.model, &settings, |_| true)?;
    let mut messages = Vec::new();
    if let Some(system) = a.system {
        messages.push(ChatMessage { role: Role::System, content: system });
    }
    messages.push(ChatMessage { role: Role::User, content: a.prompt });
    let req = GenerationRequest {
        messages,
        sampling: SamplingSettings { temperature: a.temp, seed: a.seed, max_tokens: a.max_tokens, ..Default::default() },
        template: a.template.map_or(TemplateChoice::Model, TemplateChoice::Builtin),
    };
    let mut printer = Printer { stream: !a.json, text: String::new() };
    let stats = engine.generate(&req, &mut printer)?;
    if a.json {
        let out = serde_json::json!({
            "model": info.name,
            "quant": info.quant,
            "threads": info.threads,
            "load_ms": info.load_ms,
            "allocated": info.allocated,
            "ttft_ms": stats.ttft_ms,
            "prompt_tokens": stats.prompt_tokens,
            "gen_tokens": stats.gen_tokens,
            "pp_tps": stats.pp_tps,
            "tg_tps": stats.tg_tps,
            "stop_reason": stats.stop_reason,
            "text": printer.text,
        });
        println!("{out}");
    } else {
        println!();
        eprintln!(
            "[{} prompt tokens, {} generated, first token {:.0} ms, {:.1} tok/s]",
            stats.prompt_tokens, stats.gen_tokens, stats.ttft_ms, stats.tg_tps
        );
    }
    Ok(())
}
