//! Turning a conversation into the prompt text the model expects. A model's own Jinja template
//! is rendered as Hugging Face transformers renders it (`jinja_template`), with the reasoning
//! effort and template variables the request carries; llama.cpp's built-in matcher is the
//! fallback when the template fails, and says so. A model without a template gets a clear error
//! unless the user picked a built-in one.

use hearth_protocol::{ChatMessage, Role, SamplingSettings, TemplateChoice, ToolFormat};
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};

use crate::jinja_template::{self, TemplateInput};
use crate::tool_use;
use crate::EngineError;

/// The rendered prompt.
pub struct RenderedPrompt {
    pub text: String,
    /// Jinja templates usually write the BOS token themselves; llama.cpp's do not.
    pub includes_bos: bool,
    /// Why the model's own template was not used (it failed and llama.cpp's matcher rendered).
    pub notice: Option<String>,
}

pub struct ChatPrompt {
    /// `tokenizer.chat_template` from the GGUF, if any.
    pub model_template: Option<String>,
    pub bos_token: String,
    pub eos_token: String,
}

impl ChatPrompt {
    /// A description of the template for the model bar: which path will render it.
    pub fn describe(&self, model: &LlamaModel) -> String {
        match &self.model_template {
            None => "none".to_string(),
            Some(_) => match self.render(model, &TemplateChoice::Model, &probe_messages(), &SamplingSettings::default()) {
                Ok(r) if r.notice.is_none() => "jinja".to_string(),
                _ => "llama.cpp".to_string(),
            },
        }
    }

    /// Whether the model's template reads `reasoning_effort` (gpt-oss's does).
    pub fn supports_reasoning_effort(&self) -> bool {
        self.model_template.as_deref().is_some_and(|t| jinja_template::reads_variable(t, "reasoning_effort"))
    }

    /// How the model writes tool calls with this template choice.
    pub fn tool_format(&self, choice: &TemplateChoice) -> ToolFormat {
        match choice {
            TemplateChoice::Model => ToolFormat::of_template(self.model_template.as_deref()),
            _ => ToolFormat::Generic,
        }
    }

    /// The prompt for `messages`; with tools offered, they are rendered (by the template, or
    /// described in a system message) and a constrained call's opening ends the prompt.
    pub fn render(
        &self,
        model: &LlamaModel,
        choice: &TemplateChoice,
        messages: &[ChatMessage],
        sampling: &SamplingSettings,
    ) -> Result<RenderedPrompt, EngineError> {
        let format = self.tool_format(choice);
        let has_tool_parts =
            sampling.tools.as_ref().is_some_and(|t| !t.is_empty()) || messages.iter().any(|m| m.role == Role::Tool || !m.tool_calls.is_empty());
        let described;
        let messages = if has_tool_parts && !format.template_renders_tools() {
            described = tool_use::for_template_without_tools(messages, sampling);
            &described[..]
        } else {
            messages
        };
        let mut rendered = self.render_messages(model, choice, messages, sampling)?;
        rendered.text.push_str(&tool_use::forced_opening(sampling, format));
        Ok(rendered)
    }

    fn render_messages(
        &self,
        model: &LlamaModel,
        choice: &TemplateChoice,
        messages: &[ChatMessage],
        sampling: &SamplingSettings,
    ) -> Result<RenderedPrompt, EngineError> {
        match choice {
            TemplateChoice::Raw => {
                let text = messages.iter().map(|m| m.content.as_str()).collect::<String>();
                Ok(RenderedPrompt { text, includes_bos: false, notice: None })
            }
            TemplateChoice::Builtin(name) => {
                let tmpl = LlamaChatTemplate::new(name).map_err(|_| EngineError::TemplateFailed(format!("bad template name {name:?}")))?;
                let text = self.render_llama(model, Some(tmpl), messages).map_err(|_| {
                    EngineError::TemplateFailed(format!(
                        "llama.cpp has no built-in template {name:?}; it has {}",
                        builtin_template_names().join(", ")
                    ))
                })?;
                Ok(RenderedPrompt { text, includes_bos: false, notice: None })
            }
            TemplateChoice::Model => {
                let Some(source) = &self.model_template else {
                    return Err(EngineError::TemplateMissing(
                        "this model has no chat template (it may be a base model); choose a built-in template \
                         such as chatml, llama3 or gemma under Settings → Chat template"
                            .to_string(),
                    ));
                };
                let input = TemplateInput {
                    messages: template_messages(messages),
                    tools: sampling.tools.clone().filter(|t| !t.is_empty()).map(serde_json::Value::Array),
                    add_generation_prompt: true,
                    bos_token: self.bos_token.clone(),
                    eos_token: self.eos_token.clone(),
                    kwargs: template_kwargs(sampling),
                };
                match jinja_template::render(source, &input) {
                    Ok(text) => {
                        let includes_bos = !self.bos_token.is_empty() && text.starts_with(&self.bos_token);
                        Ok(RenderedPrompt { text, includes_bos, notice: None })
                    }
                    Err(jinja_error) => match self.render_llama(model, model.chat_template(None).ok(), messages) {
                        Ok(text) => Ok(RenderedPrompt {
                            text,
                            includes_bos: false,
                            notice: Some(format!("{jinja_error}; llama.cpp's built-in template for this model was used instead")),
                        }),
                        Err(_) => Err(jinja_error),
                    },
                }
            }
        }
    }

    fn render_llama(&self, model: &LlamaModel, tmpl: Option<LlamaChatTemplate>, messages: &[ChatMessage]) -> Result<String, String> {
        let tmpl = tmpl.ok_or("no template")?;
        let chat = for_template(messages)
            .iter()
            .map(|m| LlamaChatMessage::new(m.role.as_str().to_string(), m.content.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        model.apply_chat_template(&tmpl, &chat, true).map_err(|e| e.to_string())
    }
}

fn probe_messages() -> Vec<ChatMessage> {
    vec![ChatMessage::new(Role::System, "s"), ChatMessage::new(Role::User, "u")]
}

/// The template's extra variables: `chat_template_kwargs`, then the reasoning effort.
pub fn template_kwargs(sampling: &SamplingSettings) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut kwargs = sampling.template_kwargs.clone().unwrap_or_default();
    if let Some(effort) = sampling.reasoning_effort {
        kwargs.insert("reasoning_effort".into(), serde_json::Value::from(effort.as_str()));
    }
    kwargs
}

/// The conversation as Jinja templates take it: an earlier answer's reasoning apart from its
/// text, as `thinking` (gpt-oss) and `reasoning_content` (Qwen3, DeepSeek), for the template to
/// keep or drop as the model was trained.
pub fn template_messages(messages: &[ChatMessage]) -> Vec<serde_json::Value> {
    messages
        .iter()
        .map(|m| match m.role {
            Role::Assistant => {
                // Turns stored before answers were split still carry their markup.
                let (reasoning, answer) = match &m.reasoning {
                    Some(r) => (Some(r.clone()), m.content.clone()),
                    None => hearth_protocol::split_reasoning(&m.content),
                };
                let mut v = serde_json::json!({"role": "assistant", "content": answer});
                if let Some(r) = reasoning.filter(|r| !r.is_empty()) {
                    v["thinking"] = r.clone().into();
                    v["reasoning_content"] = r.into();
                }
                if !m.tool_calls.is_empty() {
                    // OpenAI's shape, arguments as an object (transformers' convention).
                    v["tool_calls"] = m
                        .tool_calls
                        .iter()
                        .map(|c| {
                            serde_json::json!({"id": c.id, "type": "function",
                                "function": {"name": c.name, "arguments": tool_use::arguments_value(&c.arguments)}})
                        })
                        .collect();
                }
                v
            }
            Role::Tool => serde_json::json!({"role": "tool", "content": m.content, "tool_call_id": m.tool_call_id}),
            _ => serde_json::json!({"role": m.role.as_str(), "content": m.content}),
        })
        .collect()
}

/// The answer part of an earlier assistant turn, as templates expect it back: reasoning is
/// dropped (gpt-oss's template even refuses `<|channel|>` tags in `content`, and models are
/// trained without earlier turns' reasoning).
pub fn answer_only(text: &str) -> String {
    const FINAL: &str = "<|channel|>final<|message|>";
    if text.contains("<|channel|>") {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find(FINAL) {
            rest = &rest[at + FINAL.len()..];
            let end = ["<|end|>", "<|return|>", "<|start|>", "<|call|>"].iter().filter_map(|m| rest.find(m)).min().unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
        return out.trim().to_string();
    }
    let trimmed = text.trim_start();
    if let Some(after) = trimmed.strip_prefix("<think>") {
        return after.find("</think>").map_or(String::new(), |end| after[end + "</think>".len()..].trim().to_string());
    }
    text.to_string()
}

/// The conversation as it goes to the template: earlier answers without their reasoning.
pub fn for_template(messages: &[ChatMessage]) -> Vec<ChatMessage> {
    messages
        .iter()
        .map(|m| match m.role {
            Role::Assistant => ChatMessage { content: answer_only(&m.content), reasoning: None, ..m.clone() },
            _ => m.clone(),
        })
        .collect()
}

/// The messages that fit: the oldest turns dropped first, system messages and the last message
/// always kept. `fits` renders and counts a candidate; the number to drop is found by bisection,
/// so a long conversation costs a few renders, not one per dropped message (a request of 20,000
/// short messages once kept the engine busy for minutes). `cancelled` is asked between renders.
pub fn trim_to_fit(
    messages: &[ChatMessage],
    mut fits: impl FnMut(&[ChatMessage]) -> Result<bool, EngineError>,
    cancelled: impl Fn() -> bool,
) -> Result<(Vec<ChatMessage>, u32), EngineError> {
    if fits(messages)? {
        return Ok((messages.to_vec(), 0));
    }
    // The turns that may go, oldest first: every non-system message but the last one.
    let last = messages.len().saturating_sub(1);
    let droppable: Vec<usize> = (0..last).filter(|&i| messages[i].role != Role::System).collect();
    // Dropping the first `k` of them keeps the system messages and everything from the next one on.
    let without = |k: usize| -> Vec<ChatMessage> {
        let cut = droppable.get(k).copied().unwrap_or(last);
        messages.iter().enumerate().filter(|(i, m)| m.role == Role::System || *i >= cut).map(|(_, m)| m.clone()).collect()
    };
    let overflow = || {
        EngineError::ContextOverflow(
            "the last message alone does not fit the context; shorten it or load the model with a longer context".to_string(),
        )
    };
    if droppable.is_empty() || !fits(&without(droppable.len()))? {
        return Err(overflow());
    }
    // The fewest drops that fit: fewer never fit, more always do.
    let (mut lo, mut hi) = (1, droppable.len());
    while lo < hi {
        if cancelled() {
            return Err(EngineError::Cancelled);
        }
        let mid = lo + (hi - lo) / 2;
        if fits(&without(mid))? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok((without(lo), lo as u32))
}

/// llama.cpp's built-in chat template names (`llama_chat_builtin_templates`), for the error that
/// names a wrong one.
fn builtin_template_names() -> Vec<String> {
    // SAFETY: with a null buffer of length 0 llama.cpp only returns the count; then it fills at
    // most `names.len()` pointers to static strings of its template table.
    let count = unsafe { llama_cpp_sys_2::llama_chat_builtin_templates(std::ptr::null_mut(), 0) };
    let mut names = vec![std::ptr::null(); count.max(0) as usize];
    unsafe { llama_cpp_sys_2::llama_chat_builtin_templates(names.as_mut_ptr(), names.len()) };
    names.into_iter().filter(|p| !p.is_null()).map(|p| unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: Role, content: &str) -> ChatMessage {
        ChatMessage::new(role, content)
    }

    /// The model-template path without a model: the messages as templates get them.
    fn render_jinja(t: &str, messages: &[ChatMessage], bos: &str, eos: &str) -> Result<String, EngineError> {
        let input = TemplateInput {
            messages: template_messages(messages),
            tools: None,
            add_generation_prompt: true,
            bos_token: bos.into(),
            eos_token: eos.into(),
            kwargs: Default::default(),
        };
        jinja_template::render(t, &input)
    }

    #[test]
    fn jinja_renders_a_chatml_template() {
        let t = "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content | trim }}<|im_end|>\n{% endfor %}\
                 {% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        let out = render_jinja(t, &[msg(Role::User, " hi ")], "<s>", "</s>").unwrap();
        assert_eq!(out, "<s><|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    }

    #[test]
    fn jinja_supports_python_string_methods_and_exceptions() {
        let t = "{% if not messages[0].content.startswith('x') %}{{ raise_exception('must start with x') }}{% endif %}ok";
        assert_eq!(render_jinja(t, &[msg(Role::User, "xy")], "", "").unwrap(), "ok");
        let err = render_jinja(t, &[msg(Role::User, "y")], "", "").unwrap_err();
        assert!(err.to_string().contains("must start with x"), "{err}");
    }

    #[test]
    fn harmony_style_template_renders() {
        // The shape of gpt-oss's template: namespace(), loop.last and channel markers.
        let t = "{%- set ns = namespace(sys='') -%}{%- for m in messages -%}{%- if m.role == 'system' -%}{%- set ns.sys = m.content -%}\
                 {%- else -%}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{%- endif -%}{%- endfor -%}\
                 {%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}|{{ ns.sys }}";
        let out = render_jinja(t, &[msg(Role::System, "S"), msg(Role::User, "U")], "", "").unwrap();
        assert_eq!(out, "<|start|>user<|message|>U<|end|><|start|>assistant|S");
    }

    #[test]
    fn the_jinja_features_gpt_oss_templates_use_are_supported() {
        // Written for this test; it uses what gpt-oss's Harmony template relies on: macros,
        // `is defined`, namespace(), list slicing, `in` on mappings, loop.index, .items(),
        // `none`, tojson, strftime_now and raise_exception.
        let t = r#"
{%- macro sys(effort=none) -%}
  {%- if effort is none %}{% set effort = "medium" %}{% endif -%}
  Current date: {{ strftime_now("%Y-%m-%d") }}|Reasoning: {{ effort }}
{%- endmacro -%}
<|start|>system<|message|>{{ sys(reasoning_effort if reasoning_effort is defined else none) }}<|end|>
{%- if messages[0].role == "system" %}{% set dev = messages[0].content %}{% set rest = messages[1:] %}
{%- else %}{% set dev = "" %}{% set rest = messages %}{% endif -%}
{%- if dev %}<|start|>developer<|message|># Instructions {{ dev }}<|end|>{% endif -%}
{%- set last = namespace(name=none) -%}
{%- for m in rest -%}
  {%- if m.role == "assistant" -%}
    {%- if "content" in m and "<|channel|>final<|message|>" in m.content %}{{ raise_exception("channel tags in content") }}{% endif -%}
    {%- set later = rest[loop.index:] -%}
    <|start|>assistant<|channel|>final<|message|>{{ m.content }}<|end|>{{ "" if later else "" }}
  {%- elif m.role == "user" -%}
    <|start|>user<|message|>{{ m.content }}<|end|>
  {%- endif -%}
{%- endfor -%}
{%- for k, v in {"a": 1}.items() %}{{ k }}={{ v | tojson }}{% endfor -%}
{%- if add_generation_prompt %}<|start|>assistant{% endif -%}"#;
        let msgs = vec![msg(Role::System, "Be brief."), msg(Role::User, "Hi"), msg(Role::Assistant, "Hello!"), msg(Role::User, "Capital of France?")];
        let out = render_jinja(t, &msgs, "", "").unwrap();
        assert!(out.starts_with("<|start|>system<|message|>Current date: 20"), "{out}");
        assert!(out.contains("Reasoning: medium<|end|><|start|>developer<|message|># Instructions Be brief.<|end|>"), "{out}");
        assert!(out.contains("<|start|>assistant<|channel|>final<|message|>Hello!<|end|>"), "{out}");
        assert!(out.ends_with("a=1<|start|>assistant"), "{out}");
        // An earlier answer carrying channel tags is refused by such templates; for_template strips them.
        let raw = vec![
            msg(Role::User, "Hi"),
            msg(Role::Assistant, "<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>Hello!"),
            msg(Role::User, "Again"),
        ];
        // An earlier answer stored with its channel markup reaches the template split: the
        // answer as content, the reasoning as `thinking`.
        assert!(render_jinja(t, &raw, "", "").unwrap().contains("final<|message|>Hello!<|end|>"));
        let messages = template_messages(&raw);
        assert_eq!(messages[1]["content"], "Hello!");
        assert_eq!(messages[1]["thinking"], "x");
    }

    #[test]
    fn earlier_answers_lose_their_reasoning() {
        let harmony = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>Paris.";
        assert_eq!(answer_only(harmony), "Paris.");
        assert_eq!(answer_only("<|channel|>analysis<|message|>only thinking"), "");
        assert_eq!(answer_only("<think>hmm</think>\n\nParis."), "Paris.");
        assert_eq!(answer_only("Plain <b>answer</b>"), "Plain <b>answer</b>");
        let msgs = vec![msg(Role::User, "<think>q</think>"), msg(Role::Assistant, harmony)];
        let t = for_template(&msgs);
        assert_eq!(t[0].content, "<think>q</think>", "user text is never touched");
        assert_eq!(t[1].content, "Paris.");
    }

    #[test]
    fn trimming_drops_oldest_turns_and_keeps_the_system_prompt() {
        let msgs = vec![msg(Role::System, "sys"), msg(Role::User, "a"), msg(Role::Assistant, "b"), msg(Role::User, "c")];
        let (kept, dropped) = trim_to_fit(&msgs, |m| Ok(m.len() <= 2), || false).unwrap();
        assert_eq!(dropped, 2);
        assert_eq!(kept, vec![msg(Role::System, "sys"), msg(Role::User, "c")]);
    }

    #[test]
    fn trimming_never_drops_the_last_message() {
        let msgs = vec![msg(Role::User, "a"), msg(Role::User, "b")];
        let err = trim_to_fit(&msgs, |_| Ok(false), || false).unwrap_err();
        assert!(matches!(err, EngineError::ContextOverflow(_)));
    }

    #[test]
    fn trimming_a_long_conversation_takes_a_few_renders_not_one_per_message() {
        // Regression (issue 17): 20,000 one-word messages re-rendered the whole prompt once per
        // dropped message and wedged the engine.
        let mut msgs = vec![msg(Role::System, "sys")];
        msgs.extend((0..20_000).map(|i| msg(if i % 2 == 0 { Role::User } else { Role::Assistant }, "word")));
        let mut renders = 0;
        let (kept, dropped) = trim_to_fit(
            &msgs,
            |m| {
                renders += 1;
                Ok(m.len() <= 101)
            },
            || false,
        )
        .unwrap();
        assert_eq!(kept.len(), 101);
        assert_eq!(kept[0], msg(Role::System, "sys"));
        assert_eq!(kept.last(), msgs.last());
        assert_eq!(dropped, 19_900);
        assert!(renders <= 20, "{renders} renders");
    }

    #[test]
    fn trimming_gives_the_same_answer_as_dropping_one_at_a_time() {
        let msgs: Vec<ChatMessage> = (0..40)
            .map(|i| {
                msg(
                    if i % 7 == 0 {
                        Role::System
                    } else if i % 2 == 0 {
                        Role::User
                    } else {
                        Role::Assistant
                    },
                    &"x".repeat(i + 1),
                )
            })
            .collect();
        let budget = 300;
        let fits = |m: &[ChatMessage]| Ok(m.iter().map(|m| m.content.len()).sum::<usize>() <= budget);
        let (kept, dropped) = trim_to_fit(&msgs, fits, || false).unwrap();
        // One at a time, as before.
        let mut one = msgs.clone();
        let mut n = 0;
        while !fits(&one).unwrap() {
            let i = one.iter().position(|m| m.role != Role::System).unwrap();
            one.remove(i);
            n += 1;
        }
        assert_eq!((kept, dropped), (one, n));
    }

    #[test]
    fn trimming_stops_when_cancelled() {
        let msgs: Vec<ChatMessage> = (0..1000).map(|_| msg(Role::User, "w")).collect();
        let err = trim_to_fit(&msgs, |m| Ok(m.len() <= 3), || true).unwrap_err();
        assert!(matches!(err, EngineError::Cancelled));
    }
}
