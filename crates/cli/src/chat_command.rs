//! `hearth chat MODEL.gguf --prompt TEXT ...`: one answer, in this process, streamed to stdout.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use hearth_engine::{Engine, GenerationObserver, GenerationRequest};
use hearth_protocol::reasoning::Piece;
use hearth_protocol::{ChatMessage, ReasoningEffort, ReasoningParser, Role, SamplingSettings, TemplateChoice, TextPart, ToolCall};

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
    /// How hard a reasoning model thinks (gpt-oss: low, medium, high), for templates that take it.
    #[arg(long = "reasoning-effort")]
    reasoning_effort: Option<ReasoningEffort>,
    /// Print one JSON object at the end instead of streaming text.
    #[arg(long)]
    json: bool,
}

/// Collects the answer apart from its reasoning (split as the engine process splits it),
/// streaming the answer to stdout and the reasoning to stderr unless `stream` is off (`--json`).
/// Also `ask`'s.
pub(crate) struct Printer {
    pub(crate) stream: bool,
    pub(crate) text: String,
    pub(crate) reasoning: String,
    pub(crate) tool_calls: Vec<ToolCall>,
    /// The exact text handed to the tokenizer.
    pub(crate) prompt: String,
    pub(crate) template_notice: Option<String>,
    parser: ReasoningParser,
}

impl Printer {
    pub(crate) fn new(stream: bool) -> Printer {
        Printer {
            stream,
            text: String::new(),
            reasoning: String::new(),
            tool_calls: Vec::new(),
            prompt: String::new(),
            template_notice: None,
            parser: ReasoningParser::new(),
        }
    }

    fn take(&mut self, pieces: Vec<Piece>) {
        for piece in pieces {
            match piece {
                Piece::Text(TextPart::Answer, t) => {
                    self.text.push_str(&t);
                    if self.stream {
                        let mut out = std::io::stdout().lock();
                        let _ = out.write_all(t.as_bytes());
                        let _ = out.flush();
                    }
                }
                Piece::Text(TextPart::Reasoning, t) => {
                    self.reasoning.push_str(&t);
                    if self.stream {
                        eprint!("{t}");
                    }
                }
                Piece::ToolCall(call) => self.tool_calls.push(call),
            }
        }
    }

    /// The end of the answer: what the parser still held.
    pub(crate) fn finish(&mut self) {
        let rest = self.parser.finish();
        self.take(rest);
    }
}

impl GenerationObserver for Printer {
    fn trimmed(&mut self, dropped: u32) {
        eprintln!("[{dropped} old messages dropped to fit the context]");
    }
    fn prompt_done(&mut self, _: u32, _cached_tokens: u32) {}
    fn token(&mut self, text: &str) {
        let pieces = self.parser.push(text);
        self.take(pieces);
    }
    fn cancelled(&self) -> bool {
        false
    }
    fn prompt_rendered(&mut self, prompt: &str, notice: Option<&str>) {
        self.prompt = prompt.to_string();
        self.template_notice = notice.map(str::to_string);
        if let Some(n) = notice {
            eprintln!("[{n}]");
        }
    }
}

pub fn run(a: ChatArgs) -> anyhow::Result<()> {
    let settings = crate::placement_args::launch_settings_for(&a.model, &a.placement.overrides(a.ctx, a.threads))?;
    let mut engine = Engine::new()?;
    let info = engine.load(&a.model, &settings, |_| true)?;
    let mut messages = Vec::new();
    if let Some(system) = a.system {
        messages.push(ChatMessage::new(Role::System, system));
    }
    messages.push(ChatMessage::new(Role::User, a.prompt));
    let req = GenerationRequest {
        messages,
        sampling: SamplingSettings {
            temperature: a.temp,
            seed: a.seed,
            max_tokens: a.max_tokens,
            reasoning_effort: a.reasoning_effort,
            ..Default::default()
        },
        template: a.template.map_or(TemplateChoice::Model, TemplateChoice::Builtin),
        keep_state_as: None,
    };
    let mut printer = Printer::new(!a.json);
    let stats = engine.generate(&req, &mut printer)?;
    printer.finish();
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
            "reasoning": printer.reasoning,
            "tool_calls": printer.tool_calls,
            "prompt": printer.prompt,
            "template": info.chat_template,
            "template_notice": printer.template_notice,
            "backend": info.backend,
            "device_reason": info.device_reason,
        });
        println!("{out}");
    } else {
        println!();
        eprintln!(
            "[{} prompt tokens, {} generated, first token {:.0} ms, {:.1} tok/s, on {}]",
            stats.prompt_tokens, stats.gen_tokens, stats.ttft_ms, stats.tg_tps, info.backend
        );
        if let Some(why) = &info.device_reason {
            eprintln!("[no device chosen: {why}]");
        }
    }
    Ok(())
}
