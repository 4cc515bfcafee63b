//! Issue 15, item 2: Hearth renders a model's own chat template exactly as Hugging Face
//! transformers does. The reference is jinja2 itself, set up as `apply_chat_template` sets it up
//! (tests/fixtures/render_jinja2.py, in the Python scripts/fixtures.sh prepares), over the real
//! gpt-oss template (llama.cpp b11434's models/templates/openai-gpt-oss-120b.jinja): system,
//! developer, multi-turn with earlier reasoning, tools and tool calls, each reasoning effort, and
//! the template's own refusals.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use hearth_engine::jinja_template::{render, TemplateInput};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    std::env::var_os("HEARTH_FIXTURES").map(PathBuf::from).unwrap_or_else(|| repo().join(".cache/fixtures"))
}

/// The Python with jinja2 that scripts/fixtures.sh installs.
fn python() -> PathBuf {
    let venv = std::env::var_os("HEARTH_FIXTURES_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/fixtures-venv"));
    let python = venv.join("bin/python");
    assert!(python.is_file(), "{} is missing: run scripts/fixtures.sh", python.display());
    python
}

/// jinja2's renders of `inputs`, each a string or {"error": message}.
fn jinja2_renders(template: &str, inputs: &[Value]) -> Vec<Value> {
    let mut child =
        Command::new(python()).arg(repo().join("tests/fixtures/render_jinja2.py")).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let job = json!({"template": template, "inputs": inputs});
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tools() -> Value {
    json!([
        {"type": "function", "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {"type": "object", "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}
            }, "required": ["city"]}
        }},
        {"type": "function", "function": {
            "name": "search_notes",
            "description": "Search the user's notes",
            "parameters": {"type": "object", "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer", "description": "At most this many", "default": 5},
                "tags": {"type": "array", "items": {"type": "string"}},
                "filters": {"type": "object", "properties": {"after": {"type": "string"}, "pinned": {"type": "boolean"}}}
            }, "required": ["query"]}
        }},
        {"type": "function", "function": {"name": "now", "description": "The time now", "parameters": {"type": "object", "properties": {}}}}
    ])
}

/// The conversations both renderers get: at least 20, each a different path through the template.
fn conversations() -> Vec<Value> {
    let u = |c: &str| json!({"role": "user", "content": c});
    let a = |c: &str| json!({"role": "assistant", "content": c});
    let think = |c: &str, t: &str| json!({"role": "assistant", "content": c, "thinking": t});
    let call =
        |name: &str, args: Value| json!({"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": name, "arguments": args}}]});
    let tool = |c: &str| json!({"role": "tool", "content": c});
    let case = |messages: Vec<Value>, extra: Value| {
        let mut v = json!({"messages": messages, "add_generation_prompt": true, "bos_token": "<|startoftext|>", "eos_token": "<|return|>"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    vec![
        case(vec![u("Hello")], json!({})),
        case(vec![json!({"role": "system", "content": "You answer in French."}), u("Hello")], json!({})),
        case(vec![json!({"role": "developer", "content": "Be terse."}), u("What is 2+2?")], json!({})),
        case(vec![u("Hi"), a("Hello! How can I help?"), u("Capital of France?")], json!({})),
        case(vec![u("Hi"), think("Hello!", "The user greets me."), u("And you?")], json!({})),
        case(vec![u("Hi"), think("Hello!", "The user greets me.")], json!({"add_generation_prompt": false})),
        case(vec![u("Solve x+1=3")], json!({"reasoning_effort": "low"})),
        case(vec![u("Solve x+1=3")], json!({"reasoning_effort": "medium"})),
        case(vec![u("Solve x+1=3")], json!({"reasoning_effort": "high"})),
        case(vec![u("Weather in Paris?")], json!({"tools": tools()})),
        case(vec![json!({"role": "system", "content": "Use tools when useful."}), u("Weather in Paris?")], json!({"tools": tools()})),
        case(
            vec![u("Weather in Paris?"), call("get_weather", json!({"city": "Paris"})), tool("{\"temp\": 18}"), a("It is 18 °C in Paris.")],
            json!({"tools": tools()}),
        ),
        case(
            vec![
                u("Weather in Paris?"),
                json!({"role": "assistant", "thinking": "I should call the weather tool.", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]}),
                tool("{\"temp\": 18}"),
            ],
            json!({"tools": tools(), "reasoning_effort": "high"}),
        ),
        case(vec![u("Who are you?")], json!({"model_identity": "You are Hearth's local assistant."})),
        case(vec![u("Look this up")], json!({"builtin_tools": ["browser", "python"]})),
        case(vec![u("Привет! Как дела? 日本語も 🙂")], json!({})),
        case(vec![u("Hi"), a("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>Hello!"), u("Again")], json!({})),
        case(vec![json!({"role": "system", "content": ""}), u("Hello")], json!({})),
        case(
            (0..10)
                .flat_map(|i| [u(&format!("Question {i}?")), think(&format!("Answer {i}."), &format!("Thinking {i}."))])
                .chain([u("Last?")])
                .collect(),
            json!({"reasoning_effort": "low"}),
        ),
        case(vec![u("Find my notes about rust")], json!({"tools": tools(), "reasoning_effort": "medium"})),
        case(vec![u("Hello")], json!({"add_generation_prompt": false})),
        case(
            vec![json!({"role": "developer", "content": "Always call a tool."}), u("What time is it?")],
            json!({"tools": tools(), "reasoning_effort": "high"}),
        ),
        case(
            vec![
                u("Weather?"),
                json!({"role": "assistant", "content": "checking", "thinking": "hmm", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}),
            ],
            json!({"tools": tools()}),
        ),
        case(
            vec![u("Two tools"), call("now", json!({})), tool("12:00"), call("get_weather", json!({"city": "Rome"})), tool("sunny"), u("Thanks")],
            json!({"tools": tools()}),
        ),
    ]
}

fn hearth_render(template: &str, case: &Value) -> Result<String, String> {
    let mut input: TemplateInput = TemplateInput {
        messages: serde_json::from_value(case["messages"].clone()).unwrap(),
        tools: case.get("tools").cloned(),
        add_generation_prompt: case["add_generation_prompt"].as_bool().unwrap(),
        bos_token: case["bos_token"].as_str().unwrap().into(),
        eos_token: case["eos_token"].as_str().unwrap().into(),
        kwargs: Default::default(),
    };
    for (k, v) in case.as_object().unwrap() {
        if !["messages", "tools", "add_generation_prompt", "bos_token", "eos_token"].contains(&k.as_str()) {
            input.kwargs.insert(k.clone(), v.clone());
        }
    }
    render(template, &input).map_err(|e| e.to_string())
}

#[test]
fn hearth_renders_the_gpt_oss_template_exactly_as_jinja2_does() {
    let template = std::fs::read_to_string(fixtures().join("openai-gpt-oss-120b.jinja")).expect("run scripts/fixtures.sh");
    let cases = conversations();
    assert!(cases.len() >= 20);
    let reference = jinja2_renders(&template, &cases);
    let mut errors = 0;
    for (i, (case, want)) in cases.iter().zip(&reference).enumerate() {
        let got = hearth_render(&template, case);
        match (want, &got) {
            (Value::String(want), Ok(got)) => {
                if want != got {
                    let at = want.chars().zip(got.chars()).take_while(|(a, b)| a == b).count();
                    let tail = |s: &str| s.chars().skip(at.saturating_sub(40)).take(120).collect::<String>();
                    panic!("case {i} differs at char {at}:\n jinja2: {:?}\n hearth: {:?}", tail(want), tail(got));
                }
            }
            (Value::Object(e), Err(got)) => {
                errors += 1;
                let want = e["error"].as_str().unwrap();
                assert!(got.contains(want), "case {i}: jinja2 raised {want:?}, Hearth {got:?}");
            }
            _ => panic!("case {i}: jinja2 gave {want:?}, Hearth {got:?}"),
        }
    }
    // The template's own refusals were exercised (channel tags in content; content with thinking and a tool call).
    assert_eq!(errors, 2);
    // The effort really reaches the prompt.
    let high = hearth_render(&template, &cases[8]).unwrap();
    assert!(high.contains("Reasoning: high"), "{high}");
}

/// Issue 19: a conversation with a call and its result, as the API hands it to the engine
/// (`ChatMessage.tool_calls` with arguments as the client's JSON text, a `Tool` message), reaches
/// gpt-oss's template in transformers' shape (arguments as an object): the render equals
/// jinja2's of the same conversation written as Hugging Face users write it.
#[test]
fn api_tool_calls_reach_the_template_as_transformers_passes_them() {
    use hearth_protocol::{ChatMessage, Role, ToolCall};
    let template = std::fs::read_to_string(fixtures().join("openai-gpt-oss-120b.jinja")).expect("run scripts/fixtures.sh");
    let mut call = ChatMessage::new(Role::Assistant, "");
    call.tool_calls = vec![ToolCall { name: "get_weather".into(), arguments: "{\"city\": \"Paris\"}".into(), id: Some("call_1".into()) }];
    let mut result = ChatMessage::new(Role::Tool, "{\"temp\": 18}");
    result.tool_call_id = Some("call_1".into());
    let messages = [ChatMessage::new(Role::User, "Weather in Paris?"), call, result, ChatMessage::new(Role::Assistant, "It is 18 °C in Paris.")];
    let input = TemplateInput {
        messages: hearth_engine::template_messages(&messages),
        tools: Some(tools()),
        add_generation_prompt: true,
        bos_token: "<|startoftext|>".into(),
        eos_token: "<|return|>".into(),
        kwargs: Default::default(),
    };
    let ours = render(&template, &input).unwrap();
    let reference = jinja2_renders(&template, &[conversations()[11].clone()]);
    assert_eq!(reference[0].as_str().unwrap(), ours);
    assert!(ours.contains("<|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{\"city\": \"Paris\"}<|call|>"), "{ours}");
}
