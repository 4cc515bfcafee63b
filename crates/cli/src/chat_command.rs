//! `hearth chat MODEL.gguf --prompt TEXT ...`: one answer, in this process, streamed to stdout.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use hearth_engine::{Engine, GenerationObserver, GenerationRequest};
use hearth_protocol::reasoning::Piece;
use hearth_protocol::{
    AnswerPiece, ChatMessage, ReasoningEffort, ReasoningParser, Role, SamplingSettings, TemplateChoice, TextPart, ToolCall, ToolCallParser,
};

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
    /// Speculative decoding: `ngram` proposes the tokens that followed the answer's last few
    /// tokens earlier in the prompt (greedy answers only; the text is the same), `none` decodes
    /// one token at a time.
    /// (Without it: the model's saved setting, else none.)
    /// A draft model: the path of a smaller GGUF with this model's vocabulary (loaded beside
    /// it; refused with the reason when its vocabulary differs).
    #[arg(long, value_parser = crate::placement_args::parse_draft, value_name = "none|ngram|FILE")]
    draft: Option<crate::placement_args::DraftArg>,
    #[arg(long, value_parser = crate::placement_args::context_length())]
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
    /// An MCP server to take tools from: its command line ("CMD ARGS"), started over stdio;
    /// repeat for more. The model may call its tools; each call is asked about first.
    #[arg(long = "mcp", value_name = "CMD ARGS")]
    mcp: Vec<String>,
    /// An MCP server reached over Streamable HTTP; repeat for more.
    #[arg(long = "mcp-url", value_name = "URL")]
    mcp_url: Vec<String>,
    /// A header sent to the --mcp-url servers ("Authorization: Bearer …"); repeat for more.
    #[arg(long = "mcp-header", value_name = "NAME: VALUE")]
    mcp_header: Vec<String>,
    /// auto (the model decides), required (it must call one), none, or a tool's name (that tool,
    /// on the first round).
    #[arg(long = "tool-choice", default_value = "auto")]
    tool_choice: String,
    /// Run every tool call without asking.
    #[arg(long)]
    yes: bool,
    /// Rounds of tool calls before the answer is taken as it is.
    #[arg(long = "max-tool-rounds", default_value_t = 8)]
    max_tool_rounds: u32,
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
    /// Calls written in the answer's text, when tools are offered (Hermes, Llama 3, generic).
    tools: Option<ToolCallParser>,
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
            tools: None,
        }
    }

    fn take(&mut self, pieces: Vec<Piece>) {
        for piece in pieces {
            match piece {
                Piece::Text(TextPart::Answer, t) if self.tools.is_some() => {
                    let found = self.tools.as_mut().map(|p| p.push(&t)).unwrap_or_default();
                    self.take_answer(found);
                }
                Piece::Text(TextPart::Answer, t) => self.answer_text(&t),
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

    fn answer_text(&mut self, t: &str) {
        self.text.push_str(t);
        if self.stream {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(t.as_bytes());
            let _ = out.flush();
        }
    }

    fn take_answer(&mut self, pieces: Vec<AnswerPiece>) {
        for piece in pieces {
            match piece {
                AnswerPiece::Text(t) => self.answer_text(&t),
                AnswerPiece::Call(call) => self.tool_calls.push(call),
            }
        }
    }

    /// The end of the answer: what the parsers still held.
    pub(crate) fn finish(&mut self) {
        let rest = self.parser.finish();
        self.take(rest);
        if let Some(rest) = self.tools.as_mut().map(ToolCallParser::finish) {
            self.take_answer(rest);
        }
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
    fn tool_call(&mut self, call: ToolCall) {
        self.tool_calls.push(call);
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
    // MCP servers first: one that does not start is said before the model loads. The runtime
    // drives their pipes while the model thinks, so it has a thread of its own.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let servers = runtime.block_on(crate::tool_loop::start_servers(&a.mcp, &a.mcp_url, &a.mcp_header))?;
    let settings = crate::placement_args::launch_settings_for(
        &a.model,
        &hearth_core::settings::SettingsOverrides {
            draft: a.draft.as_ref().map(|d| d.kind),
            draft_model: a.draft.as_ref().and_then(|d| d.model.clone()),
            ..a.placement.overrides(a.ctx, a.threads)
        },
    )?;
    let mut engine = Engine::new()?;
    let info = engine.load(&a.model, &settings, |_| true)?;
    let mut messages = Vec::new();
    if let Some(system) = a.system {
        messages.push(ChatMessage::new(Role::System, system));
    }
    messages.push(ChatMessage::new(Role::User, a.prompt));
    let template = a.template.map_or(TemplateChoice::Model, TemplateChoice::Builtin);
    let mut tools = crate::tool_loop::ToolLoop::new(&servers, &a.tool_choice, a.yes, a.max_tool_rounds)?;
    let (printer, stats) = loop {
        let mut sampling = SamplingSettings {
            temperature: a.temp,
            seed: a.seed,
            max_tokens: a.max_tokens,
            reasoning_effort: a.reasoning_effort,
            ..Default::default()
        };
        tools.offer(&mut sampling);
        let req = GenerationRequest { messages: messages.clone(), sampling, template: template.clone(), keep_state_as: None };
        let mut printer = Printer::new(!a.json);
        printer.tools = hearth_engine::text_call_parser(&req.sampling, engine.tool_format(&template));
        let stats = engine.generate(&req, &mut printer)?;
        printer.finish();
        if printer.tool_calls.is_empty() {
            break (printer, stats);
        }
        match tools.next_step() {
            crate::tool_loop::Step::RunCalls => {}
            crate::tool_loop::Step::AnswerWithoutTools => continue,
            crate::tool_loop::Step::Stop => break (printer, stats),
        }
        let mut turn = ChatMessage::new(Role::Assistant, printer.text.clone());
        turn.reasoning = (!printer.reasoning.is_empty()).then(|| printer.reasoning.clone());
        let results = runtime.block_on(tools.run_calls(&printer.tool_calls, !a.json));
        turn.tool_calls = results.iter().map(|r| r.call.clone()).collect();
        messages.push(turn);
        messages.extend(results.iter().map(|r| r.message()));
    };
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
            "draft": stats.draft,
            "stop_reason": stats.stop_reason,
            "text": printer.text,
            "reasoning": printer.reasoning,
            "tool_calls": if a.mcp.is_empty() && a.mcp_url.is_empty() { serde_json::to_value(&printer.tool_calls)? } else { tools.report() },
            "tool_rounds": tools.rounds(),
            "tool_notice": tools.notice(),
            "prompt": printer.prompt,
            "template": info.chat_template,
            "template_notice": printer.template_notice,
            "backend": info.backend,
            "device_reason": info.device_reason.as_ref().map(|p| &p.text),
        });
        println!("{out}");
    } else {
        println!();
        eprintln!(
            "[{} prompt tokens, {} generated, first token {:.0} ms, {:.1} tok/s, on {}]",
            stats.prompt_tokens, stats.gen_tokens, stats.ttft_ms, stats.tg_tps, info.backend
        );
        if let Some(why) = &info.device_reason {
            eprintln!("[no device chosen: {}]", why.text);
        }
    }
    drop(tools);
    runtime.block_on(crate::tool_loop::stop_servers(servers));
    Ok(())
}
