//! A model's raw output split into its reasoning, its answer and its tool calls, as it streams:
//! gpt-oss's Harmony channels (`analysis` → reasoning, `final` → answer, `commentary` addressed
//! `to=functions.NAME` → a tool call, other commentary → reasoning) and `<think>…</think>`
//! blocks (Qwen3, DeepSeek-R1, SmolLM3). Markup never reaches the answer; markup split across
//! pieces is held back until it is certain. Reference: OpenAI's Harmony response format
//! (github.com/openai/harmony, docs/format.md).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which part of an answer a piece of text belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TextPart {
    #[default]
    Answer,
    Reasoning,
}

impl TextPart {
    pub fn is_answer(&self) -> bool {
        *self == TextPart::Answer
    }
}

/// A function call the model asked for (Harmony: `<|channel|>commentary to=functions.NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToolCall {
    pub name: String,
    /// The arguments as the model wrote them (JSON for gpt-oss's `<|constrain|>json`).
    pub arguments: String,
    /// The API's `call_…` id, where a client gave or got one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(TextPart, String),
    ToolCall(ToolCall),
}

const START: &str = "<|start|>";
const CHANNEL: &str = "<|channel|>";
const MESSAGE: &str = "<|message|>";
const ENDS: [&str; 4] = ["<|end|>", "<|return|>", "<|call|>", START];
const THINK: &str = "<think>";
const UNTHINK: &str = "</think>";

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// Nothing certain yet: the first characters decide the format.
    Undecided,
    Plain,
    /// Inside a Harmony header (after `<|start|>` or `<|channel|>`, before `<|message|>`).
    HarmonyHeader(String),
    HarmonyBody {
        part: TextPart,
        tool: Option<String>,
        arguments: String,
    },
    /// Between Harmony messages (after `<|end|>`).
    HarmonyBetween,
    Thinking,
    /// After `</think>`: the answer, its leading whitespace dropped.
    AfterThinking {
        started: bool,
    },
}

/// The streaming splitter: `push` each piece of model output, `finish` at the end.
#[derive(Debug, Clone)]
pub struct ReasoningParser {
    state: State,
    held: String,
}

impl Default for ReasoningParser {
    fn default() -> Self {
        ReasoningParser { state: State::Undecided, held: String::new() }
    }
}

/// The length of the longest suffix of `text` that is a proper prefix of one of `markers`.
fn partial_marker(text: &str, markers: &[&str]) -> usize {
    let mut best = 0;
    for m in markers {
        for len in (1..m.len()).rev() {
            if len > best && text.ends_with(&m[..len]) {
                best = len;
                break;
            }
        }
    }
    best
}

/// The earliest of `markers` in `text`: (position, marker).
fn first_marker<'m>(text: &str, markers: &[&'m str]) -> Option<(usize, &'m str)> {
    markers.iter().filter_map(|m| text.find(m).map(|at| (at, *m))).min_by_key(|(at, _)| *at)
}

impl ReasoningParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The pieces `text` completes.
    pub fn push(&mut self, text: &str) -> Vec<Piece> {
        self.held.push_str(text);
        let mut out = Vec::new();
        self.run(&mut out, false);
        out
    }

    /// Whatever is still held, as the part it was in; an unfinished tool call is still a call.
    pub fn finish(&mut self) -> Vec<Piece> {
        let mut out = Vec::new();
        self.run(&mut out, true);
        match std::mem::replace(&mut self.state, State::Plain) {
            State::HarmonyBody { tool: Some(name), arguments, .. } => {
                out.push(Piece::ToolCall(ToolCall { name, arguments: format!("{arguments}{}", self.held), id: None }))
            }
            State::HarmonyBody { part, .. } => emit(&mut out, part, &self.held),
            State::Thinking => emit(&mut out, TextPart::Reasoning, &self.held),
            State::Undecided | State::Plain | State::AfterThinking { .. } => emit(&mut out, TextPart::Answer, &self.held),
            State::HarmonyHeader(_) | State::HarmonyBetween => {}
        }
        self.held.clear();
        out
    }

    fn run(&mut self, out: &mut Vec<Piece>, at_end: bool) {
        loop {
            let progressed = match &mut self.state {
                State::Undecided => {
                    let trimmed = self.held.trim_start();
                    if trimmed.starts_with(CHANNEL) || trimmed.starts_with(START) {
                        self.held = trimmed.to_string();
                        self.state = State::HarmonyBetween;
                        true
                    } else if let Some(rest) = trimmed.strip_prefix(THINK) {
                        self.held = rest.to_string();
                        self.state = State::Thinking;
                        true
                    } else if !at_end && [CHANNEL, START, THINK].iter().any(|m| m.starts_with(trimmed)) {
                        false
                    } else {
                        self.state = State::Plain;
                        true
                    }
                }
                State::Plain => {
                    emit(out, TextPart::Answer, &std::mem::take(&mut self.held));
                    false
                }
                State::Thinking => match self.held.find(UNTHINK) {
                    Some(at) => {
                        emit(out, TextPart::Reasoning, &self.held[..at]);
                        self.held.drain(..at + UNTHINK.len());
                        self.state = State::AfterThinking { started: false };
                        true
                    }
                    None => {
                        let keep = if at_end { 0 } else { partial_marker(&self.held, &[UNTHINK]) };
                        let cut = self.held.len() - keep;
                        emit(out, TextPart::Reasoning, &self.held[..cut]);
                        self.held.drain(..cut);
                        false
                    }
                },
                State::AfterThinking { started } => {
                    if !*started {
                        let trimmed = self.held.trim_start().to_string();
                        if trimmed.is_empty() {
                            self.held.clear();
                            return;
                        }
                        self.held = trimmed;
                        *started = true;
                    }
                    emit(out, TextPart::Answer, &std::mem::take(&mut self.held));
                    false
                }
                State::HarmonyBetween => {
                    // Between messages only headers are expected; anything else is answer text
                    // a model wrote without markup.
                    let trimmed = self.held.trim_start();
                    if let Some(rest) = trimmed.strip_prefix(START).or_else(|| trimmed.strip_prefix(CHANNEL).map(|_| trimmed)) {
                        let rest = rest.to_string();
                        self.held = rest;
                        self.state = State::HarmonyHeader(String::new());
                        true
                    } else if trimmed.is_empty() || (!at_end && [START, CHANNEL].iter().any(|m| m.starts_with(trimmed))) {
                        false
                    } else {
                        self.state = State::HarmonyBody { part: TextPart::Answer, tool: None, arguments: String::new() };
                        true
                    }
                }
                State::HarmonyHeader(header) => match self.held.find(MESSAGE) {
                    Some(at) => {
                        header.push_str(&self.held[..at]);
                        let (part, tool) = read_header(header);
                        self.held.drain(..at + MESSAGE.len());
                        self.state = State::HarmonyBody { part, tool, arguments: String::new() };
                        true
                    }
                    None => {
                        let keep = partial_marker(&self.held, &[MESSAGE]);
                        let cut = self.held.len() - keep;
                        header.push_str(&self.held[..cut]);
                        self.held.drain(..cut);
                        false
                    }
                },
                State::HarmonyBody { part, tool, arguments } => match first_marker(&self.held, &ENDS) {
                    Some((at, marker)) => {
                        match tool.take() {
                            Some(name) => {
                                arguments.push_str(&self.held[..at]);
                                out.push(Piece::ToolCall(ToolCall { name, arguments: std::mem::take(arguments).trim().to_string(), id: None }));
                            }
                            None => emit(out, *part, &self.held[..at]),
                        }
                        // `<|start|>` opens the next header itself; the others end the message.
                        let skip = if marker == START { at } else { at + marker.len() };
                        self.held.drain(..skip);
                        self.state = State::HarmonyBetween;
                        true
                    }
                    None => {
                        let keep = if at_end { 0 } else { partial_marker(&self.held, &ENDS) };
                        let cut = self.held.len() - keep;
                        match tool {
                            Some(_) => arguments.push_str(&self.held[..cut]),
                            None => emit(out, *part, &self.held[..cut]),
                        }
                        self.held.drain(..cut);
                        false
                    }
                },
            };
            if !progressed {
                return;
            }
        }
    }
}

/// `assistant<|channel|>final`, `<|channel|>commentary to=functions.get_weather <|constrain|>json`,
/// `assistant to=functions.x<|channel|>commentary json` → (part, tool name).
fn read_header(header: &str) -> (TextPart, Option<String>) {
    let channel = header.split(CHANNEL).nth(1).unwrap_or("").split_whitespace().next().unwrap_or("");
    let tool = header
        .split(|c: char| c.is_whitespace() || c == '<')
        .find_map(|w| w.strip_prefix("to=functions."))
        .map(|name| name.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '-').to_string());
    match (channel, tool) {
        (_, Some(name)) if !name.is_empty() => (TextPart::Reasoning, Some(name)),
        ("final", _) => (TextPart::Answer, None),
        _ => (TextPart::Reasoning, None),
    }
}

fn emit(out: &mut Vec<Piece>, part: TextPart, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Piece::Text(last, s)) = out.last_mut() {
        if *last == part {
            s.push_str(text);
            return;
        }
    }
    out.push(Piece::Text(part, text.to_string()));
}

/// A whole answer's (reasoning, answer): the reasoning parts joined by a blank line, both trimmed.
pub fn split_reasoning(raw: &str) -> (Option<String>, String) {
    let mut parser = ReasoningParser::new();
    let mut pieces = parser.push(raw);
    pieces.extend(parser.finish());
    let mut reasoning: Vec<String> = Vec::new();
    let mut answer = String::new();
    let mut last = None;
    for p in pieces {
        if let Piece::Text(part, text) = p {
            match part {
                TextPart::Answer => answer.push_str(&text),
                TextPart::Reasoning if last == Some(TextPart::Reasoning) => reasoning.last_mut().unwrap().push_str(&text),
                TextPart::Reasoning => reasoning.push(text),
            }
            last = Some(part);
        }
    }
    let reasoning = (!reasoning.is_empty()).then(|| reasoning.iter().map(|r| r.trim()).collect::<Vec<_>>().join("\n\n"));
    (reasoning, answer.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&str]) -> Vec<Piece> {
        let mut p = ReasoningParser::new();
        let mut out = Vec::new();
        for c in chunks {
            for piece in p.push(c) {
                merge(&mut out, piece);
            }
        }
        for piece in p.finish() {
            merge(&mut out, piece);
        }
        out
    }

    fn merge(out: &mut Vec<Piece>, piece: Piece) {
        match (out.last_mut(), &piece) {
            (Some(Piece::Text(a, s)), Piece::Text(b, t)) if a == b => s.push_str(t),
            _ => out.push(piece),
        }
    }

    fn r(s: &str) -> Piece {
        Piece::Text(TextPart::Reasoning, s.into())
    }
    fn a(s: &str) -> Piece {
        Piece::Text(TextPart::Answer, s.into())
    }

    const HARMONY: &str =
        "<|channel|>analysis<|message|>User asks capital. Paris.<|end|><|start|>assistant<|channel|>final<|message|>The capital is Paris.";

    #[test]
    fn harmony_channels_become_reasoning_and_answer() {
        assert_eq!(all(&[HARMONY]), vec![r("User asks capital. Paris."), a("The capital is Paris.")]);
    }

    #[test]
    fn markup_split_across_pieces_never_leaks() {
        // Token by token, and character by character.
        let tokens = [
            "<|channel|>",
            "analysis",
            "<|message|>",
            "User asks",
            " capital. Paris.",
            "<|end|>",
            "<|start|>",
            "assistant",
            "<|channel|>",
            "final",
            "<|message|>",
            "The capital",
            " is Paris.",
        ];
        assert_eq!(all(&tokens), vec![r("User asks capital. Paris."), a("The capital is Paris.")]);
        let chars: Vec<String> = HARMONY.chars().map(String::from).collect();
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(all(&chars), vec![r("User asks capital. Paris."), a("The capital is Paris.")]);
    }

    #[test]
    fn commentary_to_a_function_is_a_tool_call() {
        let raw = "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}<|call|>";
        assert_eq!(
            all(&[raw]),
            vec![r("Need weather."), Piece::ToolCall(ToolCall { name: "get_weather".into(), arguments: "{\"city\": \"Paris\"}".into(), id: None })]
        );
        // The recipient may come before the channel, and generation stops at <|call|> (not printed).
        let raw = "<|start|>assistant to=functions.now<|channel|>commentary json<|message|>{}";
        assert_eq!(all(&[raw]), vec![Piece::ToolCall(ToolCall { name: "now".into(), arguments: "{}".into(), id: None })]);
    }

    #[test]
    fn think_blocks_are_reasoning() {
        assert_eq!(all(&["<thi", "nk>hmm", " ok</th", "ink>\n\nParis."]), vec![r("hmm ok"), a("Paris.")]);
        assert_eq!(all(&["<think>still thinking"]), vec![r("still thinking")]);
    }

    #[test]
    fn plain_text_is_the_answer_even_if_it_starts_like_markup() {
        assert_eq!(all(&["<", "b>bold</b>"]), vec![a("<b>bold</b>")]);
        assert_eq!(all(&["Paris", " is the capital."]), vec![a("Paris is the capital.")]);
        assert_eq!(all(&["<|"]), vec![a("<|")]);
    }

    #[test]
    fn whole_answers_split() {
        assert_eq!(split_reasoning(HARMONY), (Some("User asks capital. Paris.".into()), "The capital is Paris.".into()));
        assert_eq!(split_reasoning("<|channel|>analysis<|message|>only thinking"), (Some("only thinking".into()), String::new()));
        assert_eq!(split_reasoning("<think>hmm</think>\n\nParis."), (Some("hmm".into()), "Paris.".into()));
        assert_eq!(split_reasoning("Plain <b>answer</b>"), (None, "Plain <b>answer</b>".into()));
    }
}
