//! Issue 15, item 5: the gpt-oss architecture for real, on a tiny random-weight gpt-oss that
//! scripts/fixtures.sh writes with gguf-py from the vendored llama.cpp tree (4 layers
//! alternating sliding-window and full attention, attention sinks, 8 experts with 2 used, MXFP4
//! experts, the real Harmony template). It loads and generates on the CPU; its own template
//! renders the prompt exactly as jinja2 does, with the reasoning effort and the developer
//! message; experts kept on the CPU (`--n-cpu-moe`) answer as before; the advisor's memory
//! estimate is within 5 % of what llama.cpp allocates; the API takes `reasoning_effort`.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{fixture, hearth, serve_model};
use serde_json::{json, Value};

fn tiny_gpt_oss() -> PathBuf {
    fixture("tiny-gpt-oss-MXFP4.gguf")
}

fn json_of(args: &[&str]) -> Value {
    let out = Command::new(hearth()).args(args).env("HEARTH_HOME", tempfile::tempdir().unwrap().path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hearth {args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn chat(extra: &[&str]) -> Value {
    let model = tiny_gpt_oss();
    let mut args = vec!["chat", model.to_str().unwrap(), "--prompt", "What is 2+2?", "--temp", "0", "--max-tokens", "16", "--json"];
    args.extend_from_slice(extra);
    json_of(&args)
}

#[test]
fn it_is_the_gpt_oss_architecture_and_generates_on_the_cpu() {
    let info = json_of(&["inspect", tiny_gpt_oss().to_str().unwrap(), "--json"]);
    assert_eq!(info["architecture"], "gpt-oss");
    assert_eq!((info["experts"].as_u64(), info["experts_used"].as_u64()), (Some(8), Some(2)));
    assert!(info["quant_types"].as_array().unwrap().iter().any(|q| q["ggml_type"] == "MXFP4"), "{info}");
    let out = chat(&[]);
    assert_eq!(out["gen_tokens"], 16, "{out}");
    assert_eq!(out["quant"], "MXFP4_MOE");
    assert_eq!(out["template"], "jinja");
    // Random weights say nothing sensible, but the same thing every time at temperature 0.
    assert_eq!(chat(&[])["text"], out["text"]);
}

#[test]
fn its_own_template_renders_the_prompt_with_the_reasoning_effort() {
    let default = chat(&[])["prompt"].as_str().unwrap().to_string();
    assert!(default.starts_with("<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI."), "{default}");
    assert!(default.contains("Reasoning: medium"), "{default}");
    assert!(default.ends_with("<|start|>user<|message|>What is 2+2?<|end|><|start|>assistant"), "{default}");
    let high = chat(&["--reasoning-effort", "high", "--system", "Answer with a number."]);
    let prompt = high["prompt"].as_str().unwrap();
    assert!(prompt.contains("Reasoning: high"), "{prompt}");
    assert!(prompt.contains("<|start|>developer<|message|># Instructions\n\nAnswer with a number.\n\n<|end|>"), "{prompt}");

    // Exactly jinja2's render, with transformers' settings (tests/fixtures/render_jinja2.py).
    let template = std::fs::read_to_string(fixture("openai-gpt-oss-120b.jinja")).unwrap();
    let venv = std::env::var_os("HEARTH_FIXTURES_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/hearth/fixtures-venv"));
    let mut py = Command::new(venv.join("bin/python"))
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/render_jinja2.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = json!({"messages": [{"role": "system", "content": "Answer with a number."}, {"role": "user", "content": "What is 2+2?"}],
                       "add_generation_prompt": true, "bos_token": "<|endoftext|>", "eos_token": "<|return|>", "reasoning_effort": "high"});
    py.stdin.take().unwrap().write_all(json!({"template": template, "inputs": [input]}).to_string().as_bytes()).unwrap();
    let rendered: Value = serde_json::from_slice(&py.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(rendered[0].as_str().unwrap(), prompt);

    let bad =
        Command::new(hearth()).args(["chat", tiny_gpt_oss().to_str().unwrap(), "--prompt", "x", "--reasoning-effort", "extreme"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("low, medium or high"));
}

#[test]
fn experts_kept_on_the_cpu_answer_as_before() {
    let plain = chat(&[]);
    let moe_on_cpu = chat(&["--n-cpu-moe", "4"]);
    assert_eq!(moe_on_cpu["text"], plain["text"]);
    // Every other placement flag is taken too.
    let tuned = chat(&["--n-cpu-moe", "2", "--kv", "q8_0", "--flash-attn", "on", "--batch", "256", "--ubatch", "128", "--no-mmap"]);
    assert_eq!(tuned["gen_tokens"], 16, "{tuned}");
    assert!(tuned["allocated"]["kv_bytes"].as_u64().unwrap() < plain["allocated"]["kv_bytes"].as_u64().unwrap(), "q8_0 KV is smaller");
}

#[test]
fn the_advisor_estimate_is_within_5_percent_of_what_llama_cpp_allocates() {
    let model = tiny_gpt_oss();
    let v = json_of(&["advise", "--model", model.to_str().unwrap(), "--hardware", "ddr5-6400-desktop", "--ctx", "4096", "--measure", "--json"]);
    let (est, real) = (&v["memory"], &v["measured"]);
    let sum = |m: &Value| ["weights_bytes", "kv_bytes", "compute_bytes"].iter().map(|k| m[k].as_f64().unwrap()).sum::<f64>();
    let ratio = sum(est) / sum(real);
    assert!((ratio - 1.0).abs() < 0.05, "estimate {est} against llama.cpp's {real}");
    assert_eq!(est["kv_bytes"], real["kv_bytes"], "sliding-window layers sized as llama.cpp sizes them");
}

#[test]
fn the_api_takes_the_reasoning_effort() {
    let server = serve_model(&tiny_gpt_oss(), &["--reasoning-effort", "low"]);
    let post = |body: Value| {
        let out = Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "-d", &body.to_string()])
            .arg(format!("{}/v1/chat/completions", server.url))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.to_string(), body.to_string())
    };
    let ask = |extra: Value| {
        let mut body = json!({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        post(body)
    };
    for ok in [json!({}), json!({"reasoning_effort": "high"}), json!({"chat_template_kwargs": {"reasoning_effort": "medium"}})] {
        let (code, body) = ask(ok.clone());
        assert_eq!(code, "200", "{ok}: {body}");
    }
    let (code, body) = ask(json!({"reasoning_effort": "extreme"}));
    assert_eq!(code, "400", "{body}");
    assert!(body.contains("invalid_reasoning_effort"), "{body}");
}

/// The Harmony fixture: a gpt-oss that answers every prompt with the analysis channel "Let me
/// think about it" and the answer "Paris is the capital of France." (scripts/fixtures.sh).
fn harmony_gpt_oss() -> PathBuf {
    fixture("harmony-gpt-oss-MXFP4.gguf")
}

fn curl(url: &str, body: &Value) -> String {
    let out = Command::new("curl").args(["-sf", "-H", "Content-Type: application/json", "-d", &body.to_string(), url]).output().unwrap();
    assert!(out.status.success(), "curl {url} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_api_sends_reasoning_apart_from_the_answer_whole_and_streamed() {
    let server = serve_model(&harmony_gpt_oss(), &[]);
    let url = format!("{}/v1/chat/completions", server.url);
    let ask = json!({"messages": [{"role": "user", "content": "What is the capital of France?"}], "temperature": 0});
    let whole: Value = serde_json::from_str(&curl(&url, &ask)).unwrap();
    let message = &whole["choices"][0]["message"];
    assert_eq!(message["content"], "Paris is the capital of France.", "{whole}");
    assert_eq!(message["reasoning_content"], "Let me think about it", "{whole}");
    assert_eq!(whole["choices"][0]["finish_reason"], "stop");

    let mut streamed = ask.clone();
    streamed["stream"] = json!(true);
    let sse = curl(&url, &streamed);
    let (mut content, mut reasoning) = (String::new(), String::new());
    for data in sse.lines().filter_map(|l| l.strip_prefix("data: ")).filter(|d| *d != "[DONE]") {
        let chunk: Value = serde_json::from_str(data).unwrap();
        let delta = &chunk["choices"][0]["delta"];
        content.push_str(delta["content"].as_str().unwrap_or(""));
        reasoning.push_str(delta["reasoning_content"].as_str().unwrap_or(""));
    }
    assert_eq!((content.as_str(), reasoning.as_str()), ("Paris is the capital of France.", "Let me think about it"), "{sse}");
    assert!(!sse.contains("<|channel|>") && !sse.contains("<|message|>"), "markup leaked: {sse}");

    // A raw completion is the model's text as it is, markup and all.
    let raw: Value = serde_json::from_str(&curl(
        &format!("{}/v1/completions", server.url),
        &json!({"prompt": "<|start|>user<|message|>Hi<|end|><|start|>assistant", "max_tokens": 4, "temperature": 0}),
    ))
    .unwrap();
    assert_eq!(raw["choices"][0]["text"], "<|channel|>analysis<|message|>Let", "{raw}");
}

#[test]
fn a_conversation_stores_the_reasoning_apart_and_the_cli_prints_both() {
    let home = tempfile::tempdir().unwrap();
    let model = harmony_gpt_oss();
    let send = |extra: &[&str]| {
        let out = Command::new(hearth())
            .args(["send", "What is the capital of France?", "--model", model.to_str().unwrap(), "--json"])
            .args(extra)
            .env("HEARTH_HOME", home.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = send(&["--reasoning-effort", "low"]);
    assert_eq!(first["content"], "Paris is the capital of France.", "{first}");
    assert_eq!(first["reasoning"], "Let me think about it");
    // The next turn goes back through the template with the earlier answer split.
    let id = first["conversation_id"].as_i64().unwrap().to_string();
    let second = send(&["--conversation", &id]);
    assert_eq!(second["content"], "Paris is the capital of France.");
    let list = Command::new(hearth()).args(["conversations", "--json"]).env("HEARTH_HOME", home.path()).output().unwrap();
    let conversations: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(conversations[0]["sampling"]["reasoning_effort"], "low", "the effort is kept with the conversation");

    // `hearth chat` streams the answer to stdout and the reasoning to stderr.
    let out = Command::new(hearth()).args(["chat", model.to_str().unwrap(), "--prompt", "Hi"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Paris is the capital of France.");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Let me think about it"));
}

#[test]
fn a_template_that_raises_or_loops_falls_back_visibly() {
    // A ChatML template (llama.cpp's matcher recognises it) that raises on a system message and
    // loops on the message "loop" (tests/fixtures/make_models.py, FAILING_TEMPLATE).
    let model = fixture("failing-template/harmony-gpt-oss-MXFP4.gguf");
    let chat = |extra: &[&str]| {
        let mut args = vec!["chat", model.to_str().unwrap(), "--max-tokens", "4", "--json"];
        args.extend_from_slice(extra);
        json_of(&args)
    };
    let fine = chat(&["--prompt", "Hi"]);
    assert!(fine["template_notice"].is_null(), "{fine}");
    assert_eq!(fine["prompt"], "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");

    let raised = chat(&["--prompt", "Hi", "--system", "Be brief."]);
    let notice = raised["template_notice"].as_str().unwrap();
    assert!(notice.contains("This model takes no system message"), "{notice}");
    assert!(notice.contains("llama.cpp's built-in template"), "{notice}");
    assert!(raised["prompt"].as_str().unwrap().starts_with("<|im_start|>system\nBe brief."), "{raised}");
    // (What the bigram fixture says after a ChatML prompt does not matter: it answered.)
    assert!(raised["stop_reason"].is_string(), "{raised}");

    let started = std::time::Instant::now();
    let looped = chat(&["--prompt", "loop"]);
    assert!(looped["template_notice"].as_str().unwrap().contains("ran too long"), "{looped}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "the loop was not stopped: {:?}", started.elapsed());
}

#[test]
fn a_vocabulary_listing_a_token_twice_is_refused_before_llama_cpp() {
    // Regression: such a file made llama.cpp assert (llama-vocab.cpp) and `hearth chat` died by
    // SIGABRT with a debugger's backtrace. Here "<|channel|>" in the token list becomes a second
    // "<|message|>" (same length, so the file stays valid otherwise).
    let mut bytes = std::fs::read(tiny_gpt_oss()).unwrap();
    let mut entry = 11u64.to_le_bytes().to_vec();
    entry.extend_from_slice(b"<|channel|>");
    let at = bytes.windows(entry.len()).position(|w| w == entry.as_slice()).expect("the token list holds <|channel|>");
    bytes[at + 8..at + 19].copy_from_slice(b"<|message|>");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duplicate-token.gguf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(hearth()).args(["chat", path.to_str().unwrap(), "--prompt", "Hi", "--max-tokens", "1"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), None, "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the vocabulary lists the token \"<|message|>\" twice"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// Issue 19: a call forced by `tool_choice` on gpt-oss (Harmony's own opening,
/// `<|channel|>commentary to=functions.NAME <|constrain|>json<|message|>`, then the arguments
/// held to the function's schema by llama.cpp's grammar sampler). Random weights would write
/// anything; the grammar makes it a call whose arguments fit. The call and its result then go
/// back through gpt-oss's own template (which raises on a `tool` message without a call before it).
#[test]
fn a_forced_tool_call_on_gpt_oss_follows_the_schema_and_its_result_renders() {
    let server = serve_model(&tiny_gpt_oss(), &[]);
    let url = format!("{}/v1/chat/completions", server.url);
    let schema = json!({"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
                        "days": {"type": "integer", "minimum": 1, "maximum": 7}},
                        "required": ["city", "days"], "additionalProperties": false});
    let tools = json!([{"type": "function", "function": {"name": "get_weather", "description": "Forecast", "parameters": schema}}]);
    let question = json!([{"role": "user", "content": "Weather in Oslo?"}]);
    let body = json!({"messages": question, "tools": tools, "temperature": 0, "max_tokens": 60,
                      "tool_choice": {"type": "function", "function": {"name": "get_weather"}}});
    let whole: Value = serde_json::from_str(&curl(&url, &body)).unwrap();
    let choice = &whole["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls", "{whole}");
    let call = &choice["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_weather", "{whole}");
    let args: Value = serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).expect("the arguments are JSON");
    let keys: Vec<&String> = args.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["city", "days"], "{args}");
    assert!(args["city"].as_str().unwrap().chars().count() <= 12, "{args}");
    assert!((1..=7).contains(&args["days"].as_i64().unwrap()), "{args}");

    let mut messages = question.as_array().unwrap().clone();
    messages.push(json!({"role": "assistant", "content": null, "tool_calls": [call]}));
    messages.push(json!({"role": "tool", "tool_call_id": call["id"], "content": "{\"forecast\": \"snow\"}"}));
    let next: Value = serde_json::from_str(&curl(&url, &json!({"messages": messages, "tools": tools, "max_tokens": 4, "temperature": 0}))).unwrap();
    assert!(next["choices"][0]["finish_reason"].is_string(), "{next}");
    assert!(next["usage"]["prompt_tokens"].as_u64().unwrap() > whole["usage"]["prompt_tokens"].as_u64().unwrap(), "{next}");
}
