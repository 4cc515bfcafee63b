//! Tools in a generation: the functions a request offers, as the model's template takes them
//! (or described in a system message when the template knows no tools), earlier calls and their
//! results in the conversation, and the grammar that holds a constrained answer to JSON of a
//! schema (`response_format`) or to a call of an offered function (`tool_choice` required or
//! named). The grammar comes from llama.cpp's own JSON-schema converter
//! (`common/json-schema-to-grammar.cpp`, through llama-cpp-2), applied by its grammar sampler.

use hearth_protocol::{ChatMessage, OutputConstraint, Role, SamplingSettings, ToolCall, ToolCallParser, ToolFormat};
use serde_json::{json, Value};

use crate::EngineError;

/// The offered functions' names, in order.
pub fn tool_names(sampling: &SamplingSettings) -> Vec<String> {
    sampling.tools.iter().flatten().filter_map(|t| function_of(t)["name"].as_str().map(String::from)).collect()
}

/// The parser of calls written in an answer's text (Hermes, Llama 3, the generic JSON): when
/// functions are offered and the answer is not already held to a call (Harmony's calls are
/// found by the reasoning parser).
pub fn text_call_parser(sampling: &SamplingSettings, format: ToolFormat) -> Option<ToolCallParser> {
    let names = tool_names(sampling);
    let forced = matches!(sampling.constraint, Some(OutputConstraint::ToolCall { .. }));
    (!names.is_empty() && !forced && format != ToolFormat::Harmony).then(|| ToolCallParser::new(format, names))
}

/// `{"type": "function", "function": {…}}` → the inner object (a bare function object is taken too).
fn function_of(tool: &Value) -> &Value {
    tool.get("function").unwrap_or(tool)
}

fn parameters_of(sampling: &SamplingSettings, name: &str) -> Option<Value> {
    sampling
        .tools
        .iter()
        .flatten()
        .map(function_of)
        .find(|f| f["name"] == name)
        .map(|f| f.get("parameters").filter(|p| p.is_object()).cloned().unwrap_or_else(|| json!({"type": "object"})))
}

/// The text a constrained answer starts with, written into the prompt after the generation
/// prompt (the model's own opening of a call), or nothing.
pub fn forced_opening(sampling: &SamplingSettings, format: ToolFormat) -> String {
    match &sampling.constraint {
        Some(OutputConstraint::ToolCall { names }) if names.len() == 1 => format.named_call_opening(&names[0]),
        Some(OutputConstraint::ToolCall { .. }) => format.any_call_opening().to_string(),
        _ => String::new(),
    }
}

/// The GBNF grammar of a constrained answer (after its forced opening).
pub fn grammar(sampling: &SamplingSettings) -> Result<Option<String>, EngineError> {
    let schema = match &sampling.constraint {
        None => return Ok(None),
        Some(OutputConstraint::Json { schema }) => schema.clone(),
        Some(OutputConstraint::ToolCall { names }) => {
            let mut calls = Vec::new();
            for name in names {
                let params = parameters_of(sampling, name)
                    .ok_or_else(|| EngineError::BadRequest(format!("tool_choice names \"{name}\", which is not among the tools")))?;
                calls.push((name, params));
            }
            match calls.as_slice() {
                [] => return Err(EngineError::BadRequest("a tool call is required but no tools were given".into())),
                [(_, params)] => params.clone(),
                many => json!({ "anyOf": many.iter().map(|(name, params)| json!({
                    "type": "object",
                    "properties": { "name": { "const": name }, "arguments": params },
                    "required": ["name", "arguments"],
                    "additionalProperties": false,
                })).collect::<Vec<_>>() }),
            }
        }
    };
    let text = serde_json::to_string(&schema).map_err(|e| EngineError::BadRequest(e.to_string()))?;
    // llama.cpp's converter can throw on a schema it does not understand; the error comes back
    // as a Rust error, never an abort.
    llama_cpp_2::json_schema_to_grammar(&text)
        .map(Some)
        .map_err(|e| EngineError::BadRequest(format!("the JSON schema cannot be turned into a grammar: {e}")))
}

/// The call a constrained answer wrote: the arguments of the one named function, or
/// `{"name", "arguments"}` for one of several.
pub fn forced_call(sampling: &SamplingSettings, text: &str) -> Result<ToolCall, String> {
    let Some(OutputConstraint::ToolCall { names }) = &sampling.constraint else {
        return Err("no tool call was asked for".into());
    };
    let text = text.trim();
    if let [name] = names.as_slice() {
        serde_json::from_str::<Value>(text).map_err(|e| format!("the arguments did not finish as JSON ({e})"))?;
        return Ok(ToolCall { name: name.clone(), arguments: text.to_string(), id: None });
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("the call did not finish as JSON ({e})"))?;
    let name = v["name"].as_str().ok_or("the call has no name")?.to_string();
    Ok(ToolCall { name, arguments: v["arguments"].to_string(), id: None })
}

/// The conversation as a template that knows no tools can render it: the functions described
/// in a system message, earlier calls as the JSON the model was asked to write, and their
/// results as user messages (many templates refuse a `tool` role).
pub fn for_template_without_tools(messages: &[ChatMessage], sampling: &SamplingSettings) -> Vec<ChatMessage> {
    let mut out = Vec::with_capacity(messages.len() + 1);
    if let Some(tools) = sampling.tools.as_ref().filter(|t| !t.is_empty()) {
        let mut text = String::from(
            "You can call functions. To call one, answer with only this JSON and nothing else: \
             {\"name\": <function name>, \"arguments\": <an object of its arguments>}\n\nFunctions:\n",
        );
        for t in tools {
            text.push_str(&function_of(t).to_string());
            text.push('\n');
        }
        match messages.first() {
            // One system message: models are trained with one.
            Some(first) if first.role == Role::System => {
                out.push(ChatMessage::new(Role::System, format!("{}\n\n{text}", first.content)));
                out.extend(messages[1..].iter().map(without_tool_parts));
                return out;
            }
            _ => out.push(ChatMessage::new(Role::System, text)),
        }
    }
    out.extend(messages.iter().map(without_tool_parts));
    out
}

fn without_tool_parts(m: &ChatMessage) -> ChatMessage {
    match m.role {
        Role::Assistant if !m.tool_calls.is_empty() => {
            let calls: Vec<Value> = m.tool_calls.iter().map(|c| json!({"name": c.name, "arguments": arguments_value(&c.arguments)})).collect();
            let json = if calls.len() == 1 { calls[0].to_string() } else { Value::Array(calls).to_string() };
            let content = if m.content.trim().is_empty() { json } else { format!("{}\n{json}", m.content) };
            ChatMessage { content, tool_calls: Vec::new(), ..m.clone() }
        }
        Role::Tool => ChatMessage::new(Role::User, format!("Function result:\n{}", m.content)),
        _ => m.clone(),
    }
}

/// Arguments as templates take them: the object when they are JSON (transformers passes a
/// dict; gpt-oss's template writes `arguments|tojson`), else the text.
pub fn arguments_value(arguments: &str) -> Value {
    serde_json::from_str::<Value>(arguments).ok().filter(Value::is_object).unwrap_or_else(|| Value::String(arguments.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weather_tools() -> SamplingSettings {
        SamplingSettings {
            tools: Some(vec![
                json!({"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}),
                json!({"type": "function", "function": {"name": "now"}}),
            ]),
            ..Default::default()
        }
    }

    #[test]
    fn a_named_call_is_held_to_its_parameters() {
        let s = SamplingSettings { constraint: Some(OutputConstraint::ToolCall { names: vec!["get_weather".into()] }), ..weather_tools() };
        let g = grammar(&s).unwrap().unwrap();
        assert!(g.contains("root ::="), "{g}");
        assert!(g.contains("city"), "{g}");
        assert_eq!(forced_call(&s, " {\"city\": \"Oslo\"} ").unwrap().arguments, "{\"city\": \"Oslo\"}");
    }

    #[test]
    fn a_required_call_chooses_among_every_function() {
        let s = SamplingSettings { constraint: Some(OutputConstraint::ToolCall { names: tool_names(&weather_tools()) }), ..weather_tools() };
        let g = grammar(&s).unwrap().unwrap();
        assert!(g.contains("get_weather") && g.contains("now"), "{g}");
        let call = forced_call(&s, "{\"name\": \"now\", \"arguments\": {}}").unwrap();
        assert_eq!((call.name.as_str(), call.arguments.as_str()), ("now", "{}"));
    }

    #[test]
    fn an_unknown_function_or_a_bad_schema_is_a_bad_request() {
        let s = SamplingSettings { constraint: Some(OutputConstraint::ToolCall { names: vec!["nope".into()] }), ..weather_tools() };
        assert!(matches!(grammar(&s), Err(EngineError::BadRequest(m)) if m.contains("nope")));
        let s = SamplingSettings {
            constraint: Some(OutputConstraint::Json { schema: json!({"type": "object", "$ref": "#/nowhere"}) }),
            ..Default::default()
        };
        assert!(matches!(grammar(&s), Err(EngineError::BadRequest(_))));
    }

    #[test]
    fn templates_without_tools_get_them_described_and_results_as_user_turns() {
        let mut call = ChatMessage::new(Role::Assistant, "");
        call.tool_calls = vec![ToolCall { name: "get_weather".into(), arguments: "{\"city\":\"Oslo\"}".into(), id: Some("call_1".into()) }];
        let mut result = ChatMessage::new(Role::Tool, "{\"temp\": 3}");
        result.tool_call_id = Some("call_1".into());
        let msgs = vec![ChatMessage::new(Role::System, "Be brief."), ChatMessage::new(Role::User, "Weather?"), call, result];
        let out = for_template_without_tools(&msgs, &weather_tools());
        assert_eq!(out.len(), 4);
        assert!(out[0].content.starts_with("Be brief.\n\nYou can call functions."), "{}", out[0].content);
        assert!(out[0].content.contains("\"get_weather\""));
        assert_eq!(out[2].content, "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}");
        assert_eq!((out[3].role, out[3].content.as_str()), (Role::User, "Function result:\n{\"temp\": 3}"));
    }
}
