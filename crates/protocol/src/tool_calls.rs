//! Tool calls written in a model's answer text, found as the answer streams: Hermes/Qwen's
//! `<tool_call>{"name": …, "arguments": …}</tool_call>` blocks and Llama 3.x's JSON
//! `{"name": …, "parameters": …}` (after `<|python_tag|>` or as the whole answer). Text before a
//! call streams on; from a call's first character the text is held until it parses. Text that
//! looks like a call but is not one (malformed JSON, a function no one offered) stays text, and
//! `notice` says why. gpt-oss's Harmony calls are found by [`crate::ReasoningParser`].
//! Sources of the formats: Hermes function calling (NousResearch/Hermes-Function-Calling,
//! README "Prompt Format for Function Calling"; Qwen2.5/Qwen3 chat templates use the same
//! tags), and Meta's Llama 3.1 prompt format (llama-models, `models/llama3_1/prompt_format.md`,
//! "JSON based tool calling").

use crate::ToolCall;

/// How a model writes its tool calls, read from its chat template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolFormat {
    /// gpt-oss: `<|start|>assistant to=functions.NAME<|channel|>commentary json<|message|>{…}`.
    Harmony,
    /// Hermes, Qwen 2.5/3, SmolLM3: `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>`.
    Hermes,
    /// Llama 3.1-3.3: `{"name": …, "parameters": …}`, optionally after `<|python_tag|>`.
    Llama3,
    /// A template that knows no tools: Hearth describes them in a system message and asks for
    /// `{"name": …, "arguments": …}` as the whole answer.
    Generic,
}

impl ToolFormat {
    /// The format a chat template uses (its source text), `Generic` when it renders no tools.
    pub fn of_template(source: Option<&str>) -> ToolFormat {
        let Some(t) = source else { return ToolFormat::Generic };
        if t.contains("<|channel|>") && t.contains("to=functions") {
            ToolFormat::Harmony
        } else if t.contains("<tool_call>") {
            ToolFormat::Hermes
        } else if t.contains("<|start_header_id|>") && t.contains("tools") {
            ToolFormat::Llama3
        } else {
            ToolFormat::Generic
        }
    }

    /// Whether the template itself renders `tools` (else Hearth describes them).
    pub fn template_renders_tools(self) -> bool {
        self != ToolFormat::Generic
    }

    /// What opens the answer of a call forced to `name` (`tool_choice` naming it), before its
    /// arguments: the model's own markup, so that a constrained answer reads as its own call.
    pub fn named_call_opening(self, name: &str) -> String {
        let name_json = serde_json::Value::from(name).to_string();
        match self {
            ToolFormat::Harmony => format!("<|channel|>commentary to=functions.{name} <|constrain|>json<|message|>"),
            ToolFormat::Hermes => format!("<tool_call>\n{{\"name\": {name_json}, \"arguments\": "),
            ToolFormat::Llama3 => format!("{{\"name\": {name_json}, \"parameters\": "),
            ToolFormat::Generic => format!("{{\"name\": {name_json}, \"arguments\": "),
        }
    }

    /// What opens the answer of a call to any of the functions (`tool_choice: required`); the
    /// constrained text after it is `{"name": …, "arguments": …}`.
    pub fn any_call_opening(self) -> &'static str {
        match self {
            ToolFormat::Harmony => "<|channel|>commentary<|message|>",
            ToolFormat::Hermes => "<tool_call>\n",
            ToolFormat::Llama3 | ToolFormat::Generic => "",
        }
    }
}

const HERMES_OPEN: &str = "<tool_call>";
const HERMES_CLOSE: &str = "</tool_call>";
const PYTHON_TAG: &str = "<|python_tag|>";

/// What a piece of answer text turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerPiece {
    Text(String),
    Call(ToolCall),
}

/// Finds tool calls in a streamed answer (for `Hermes`, `Llama3` and `Generic`; Harmony's are
/// found by the reasoning parser).
#[derive(Debug, Clone)]
pub struct ToolCallParser {
    format: ToolFormat,
    /// The functions offered; a call of another name stays text.
    names: Vec<String>,
    held: String,
    /// Nothing but whitespace has come yet (Llama 3's and the generic calls are whole answers).
    at_start: bool,
    /// Held since a call began.
    in_call: bool,
    notice: Option<String>,
}

impl ToolCallParser {
    pub fn new(format: ToolFormat, names: Vec<String>) -> ToolCallParser {
        ToolCallParser { format, names, held: String::new(), at_start: true, in_call: false, notice: None }
    }

    /// Why text that looked like a call was kept as text, if it happened.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn push(&mut self, text: &str) -> Vec<AnswerPiece> {
        self.held.push_str(text);
        let mut out = Vec::new();
        self.run(&mut out, false);
        out
    }

    pub fn finish(&mut self) -> Vec<AnswerPiece> {
        let mut out = Vec::new();
        self.run(&mut out, true);
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            if self.in_call {
                match self.whole_answer_calls(&held) {
                    Ok(calls) => out.extend(calls.into_iter().map(AnswerPiece::Call)),
                    Err(why) => {
                        self.notice.get_or_insert(why);
                        push_text(&mut out, held);
                    }
                }
            } else {
                push_text(&mut out, held);
            }
        }
        out
    }

    fn run(&mut self, out: &mut Vec<AnswerPiece>, at_end: bool) {
        match self.format {
            ToolFormat::Hermes => self.run_hermes(out, at_end),
            ToolFormat::Llama3 | ToolFormat::Generic => self.run_whole_answer(out, at_end),
            ToolFormat::Harmony => push_text(out, std::mem::take(&mut self.held)),
        }
    }

    fn run_hermes(&mut self, out: &mut Vec<AnswerPiece>, at_end: bool) {
        loop {
            if self.in_call {
                let Some(end) = self.held.find(HERMES_CLOSE) else {
                    if at_end {
                        // A call cut off (max tokens): whatever parses still counts.
                        let body = self.held[HERMES_OPEN.len()..].to_string();
                        match self.call_from_json(&body) {
                            Ok(call) => {
                                out.push(AnswerPiece::Call(call));
                                self.held.clear();
                            }
                            Err(why) => {
                                self.notice.get_or_insert(why);
                                push_text(out, std::mem::take(&mut self.held));
                            }
                        }
                        self.in_call = false;
                    }
                    return;
                };
                let block = self.held[..end + HERMES_CLOSE.len()].to_string();
                let body = &self.held[HERMES_OPEN.len()..end];
                match self.call_from_json(body) {
                    Ok(call) => out.push(AnswerPiece::Call(call)),
                    Err(why) => {
                        self.notice.get_or_insert(why);
                        push_text(out, block.clone());
                    }
                }
                self.held.drain(..block.len());
                self.in_call = false;
                continue;
            }
            match self.held.find(HERMES_OPEN) {
                Some(at) => {
                    push_text(out, self.held[..at].to_string());
                    self.held.drain(..at);
                    self.in_call = true;
                }
                None => {
                    let keep = if at_end { 0 } else { partial_suffix(&self.held, HERMES_OPEN) };
                    let cut = self.held.len() - keep;
                    push_text(out, self.held[..cut].to_string());
                    self.held.drain(..cut);
                    return;
                }
            }
        }
    }

    /// Llama 3 and the generic format: a call is the whole answer, so an answer whose first
    /// character opens JSON (or `<|python_tag|>`) is held to the end.
    fn run_whole_answer(&mut self, out: &mut Vec<AnswerPiece>, _at_end: bool) {
        if self.in_call {
            return;
        }
        if self.at_start {
            let trimmed = self.held.trim_start();
            if trimmed.is_empty() {
                return;
            }
            self.at_start = false;
            // The generic format asks for one JSON object; Llama 3 may write a list or its tag.
            let opens_call =
                trimmed.starts_with('{') || (self.format == ToolFormat::Llama3 && (trimmed.starts_with('[') || trimmed.starts_with(PYTHON_TAG)));
            if opens_call {
                self.in_call = true;
                return;
            }
            if self.format == ToolFormat::Llama3 && PYTHON_TAG.starts_with(trimmed) {
                // Perhaps the tag, split across pieces.
                self.at_start = true;
                return;
            }
        }
        push_text(out, std::mem::take(&mut self.held));
    }

    /// The calls a whole answer holds: one JSON call, several separated by `;` or newlines
    /// (Llama 3.x), or a JSON array of calls.
    fn whole_answer_calls(&self, text: &str) -> Result<Vec<ToolCall>, String> {
        let body = text.trim().trim_start_matches(PYTHON_TAG).trim();
        if let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(body) {
            return items.iter().map(|v| self.call_from_value(v)).collect();
        }
        let mut calls = Vec::new();
        for part in serde_json::Deserializer::from_str(body).into_iter::<serde_json::Value>() {
            match part {
                Ok(v) => calls.push(self.call_from_value(&v)?),
                Err(e) => {
                    // `;` between Llama 3.x's calls.
                    let rest = &body[e.column().saturating_sub(1).min(body.len())..];
                    if rest.trim_start().starts_with(';') && !calls.is_empty() {
                        let tail = rest.trim_start().trim_start_matches(';');
                        calls.extend(self.whole_answer_calls(tail)?);
                        return Ok(calls);
                    }
                    return Err(format!("the answer looked like a tool call but is not valid JSON ({e})"));
                }
            }
        }
        if calls.is_empty() {
            return Err("the answer looked like a tool call but holds none".into());
        }
        Ok(calls)
    }

    fn call_from_json(&self, body: &str) -> Result<ToolCall, String> {
        let value: serde_json::Value =
            serde_json::from_str(body.trim()).map_err(|e| format!("a <tool_call> block is not valid JSON ({e}); it was kept as text"))?;
        self.call_from_value(&value)
    }

    fn call_from_value(&self, value: &serde_json::Value) -> Result<ToolCall, String> {
        let name = value.get("name").and_then(|n| n.as_str()).ok_or("a tool call without a \"name\"; it was kept as text")?;
        if !self.names.iter().any(|n| n == name) {
            return Err(format!("the model called \"{name}\", a function it was not offered; it was kept as text"));
        }
        let arguments = match value.get("arguments").or_else(|| value.get("parameters")) {
            None | Some(serde_json::Value::Null) => "{}".to_string(),
            // Some models write the arguments as a JSON string.
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        Ok(ToolCall { name: name.to_string(), arguments, id: None })
    }
}

fn push_text(out: &mut Vec<AnswerPiece>, text: String) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(AnswerPiece::Text(t)) => t.push_str(&text),
        _ => out.push(AnswerPiece::Text(text)),
    }
}

/// The length of the longest suffix of `text` that is a proper prefix of `marker`.
fn partial_suffix(text: &str, marker: &str) -> usize {
    (1..marker.len()).rev().find(|&len| text.ends_with(&marker[..len])).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["get_weather".into(), "search".into()]
    }

    /// The pieces of `chunks` streamed one by one, adjacent text joined.
    fn parse(format: ToolFormat, chunks: &[&str]) -> (Vec<AnswerPiece>, Option<String>) {
        let mut p = ToolCallParser::new(format, names());
        let mut out = Vec::new();
        for c in chunks {
            for piece in p.push(c) {
                match (out.last_mut(), piece) {
                    (Some(AnswerPiece::Text(t)), AnswerPiece::Text(more)) => t.push_str(&more),
                    (_, piece) => out.push(piece),
                }
            }
        }
        for piece in p.finish() {
            match (out.last_mut(), piece) {
                (Some(AnswerPiece::Text(t)), AnswerPiece::Text(more)) => t.push_str(&more),
                (_, piece) => out.push(piece),
            }
        }
        (out, p.notice().map(String::from))
    }

    fn call(name: &str, arguments: &str) -> AnswerPiece {
        AnswerPiece::Call(ToolCall { name: name.into(), arguments: arguments.into(), id: None })
    }

    fn text(t: &str) -> AnswerPiece {
        AnswerPiece::Text(t.into())
    }

    #[test]
    fn formats_are_read_from_templates() {
        assert_eq!(
            ToolFormat::of_template(Some(
                "{%- if tools %}…<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>"
            )),
            ToolFormat::Hermes
        );
        assert_eq!(ToolFormat::of_template(Some("{{ '<|start|>assistant to=functions.x<|channel|>' }}")), ToolFormat::Harmony);
        assert_eq!(ToolFormat::of_template(Some("<|start_header_id|>{% if tools %}…{% endif %}")), ToolFormat::Llama3);
        assert_eq!(ToolFormat::of_template(Some("<|im_start|>{{ m.content }}")), ToolFormat::Generic);
        assert_eq!(ToolFormat::of_template(None), ToolFormat::Generic);
    }

    /// Recorded in the shape Qwen3's template teaches (a call after a sentence, split mid-tag).
    #[test]
    fn hermes_calls_stream_after_their_text() {
        let (pieces, notice) = parse(
            ToolFormat::Hermes,
            &["Let me check.\n<tool", "_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": ", "\"Paris\"}}\n</tool_call>"],
        );
        assert_eq!(pieces, vec![text("Let me check.\n"), call("get_weather", "{\"city\":\"Paris\"}")]);
        assert_eq!(notice, None);
    }

    #[test]
    fn two_hermes_calls_in_one_answer() {
        let raw = "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"a\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"b\"}}\n</tool_call>";
        let (pieces, _) = parse(ToolFormat::Hermes, &[raw]);
        assert_eq!(pieces, vec![call("search", "{\"q\":\"a\"}"), text("\n"), call("search", "{\"q\":\"b\"}")]);
    }

    #[test]
    fn a_malformed_hermes_call_stays_text_and_says_why() {
        let raw = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>";
        let (pieces, notice) = parse(ToolFormat::Hermes, &[raw]);
        assert_eq!(pieces, vec![text(raw)]);
        assert!(notice.unwrap().contains("not valid JSON"));
    }

    #[test]
    fn a_call_of_a_function_not_offered_stays_text() {
        let raw = "<tool_call>{\"name\": \"rm_rf\", \"arguments\": {}}</tool_call>";
        let (pieces, notice) = parse(ToolFormat::Hermes, &[raw]);
        assert_eq!(pieces, vec![text(raw)]);
        assert!(notice.unwrap().contains("rm_rf"));
    }

    #[test]
    fn plain_hermes_answers_stream_untouched() {
        let (pieces, notice) = parse(ToolFormat::Hermes, &["It is <b>sunny</b> ", "today <tool"]);
        assert_eq!(pieces, vec![text("It is <b>sunny</b> today <tool")]);
        assert_eq!(notice, None);
    }

    /// Llama 3.1's JSON tool calling as its prompt format document shows it.
    #[test]
    fn llama3_json_calls_and_python_tag() {
        let (pieces, _) = parse(ToolFormat::Llama3, &["{\"name\": \"get_weather\", ", "\"parameters\": {\"city\": \"Oslo\"}}"]);
        assert_eq!(pieces, vec![call("get_weather", "{\"city\":\"Oslo\"}")]);
        let (pieces, _) = parse(ToolFormat::Llama3, &["<|python", "_tag|>{\"name\": \"search\", \"parameters\": {\"q\": \"x\"}}"]);
        assert_eq!(pieces, vec![call("search", "{\"q\":\"x\"}")]);
        let (pieces, _) = parse(
            ToolFormat::Llama3,
            &["{\"name\": \"search\", \"parameters\": {\"q\": \"x\"}}; {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}"],
        );
        assert_eq!(pieces, vec![call("search", "{\"q\":\"x\"}"), call("get_weather", "{\"city\":\"Rome\"}")]);
    }

    #[test]
    fn llama3_text_answers_stream_and_bad_json_stays_text() {
        let (pieces, notice) = parse(ToolFormat::Llama3, &["  The weather", " is fine."]);
        assert_eq!(pieces, vec![text("  The weather is fine.")]);
        assert_eq!(notice, None);
        let (pieces, notice) = parse(ToolFormat::Llama3, &["{\"name\": \"search\", \"parameters\": {\"q\""]);
        assert_eq!(pieces, vec![text("{\"name\": \"search\", \"parameters\": {\"q\"")]);
        assert!(notice.unwrap().contains("not valid JSON"));
    }

    /// A plain answer that starts with a bracket (a Markdown link) streams as text, no notice.
    #[test]
    fn a_generic_answer_starting_with_a_bracket_is_text() {
        let (pieces, notice) = parse(ToolFormat::Generic, &["[Paris](https://example.org)", " is the capital."]);
        assert_eq!(pieces, vec![text("[Paris](https://example.org) is the capital.")]);
        assert_eq!(notice, None);
    }

    #[test]
    fn generic_calls_take_arguments_as_an_object_or_a_string() {
        let (pieces, _) = parse(ToolFormat::Generic, &["{\"name\": \"search\", \"arguments\": \"{\\\"q\\\": 1}\"}"]);
        assert_eq!(pieces, vec![call("search", "{\"q\": 1}")]);
    }

    #[test]
    fn named_openings_are_the_models_own_markup() {
        assert_eq!(ToolFormat::Harmony.named_call_opening("f"), "<|channel|>commentary to=functions.f <|constrain|>json<|message|>");
        assert_eq!(ToolFormat::Hermes.named_call_opening("f"), "<tool_call>\n{\"name\": \"f\", \"arguments\": ");
    }
}
