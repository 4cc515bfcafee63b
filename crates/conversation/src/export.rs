//! A conversation as one Markdown file, as chat apps export them: its title, the system prompt,
//! each message under its author with an answer's reasoning folded, its sources and how it ended,
//! and tool calls with their arguments and results. The app's "Export" and `hearth conversations
//! --export ID` both write this.

use hearth_protocol::Role;
use hearth_store::{Conversation, Message, MessageStatus};

/// The Markdown of `conversation` with its `messages` in order.
pub fn to_markdown(conversation: &Conversation, messages: &[Message]) -> String {
    let mut out = format!("# {}\n\n", one_line(&conversation.title));
    if !conversation.system_prompt.trim().is_empty() {
        out.push_str("**System prompt**\n\n");
        out.push_str(&quoted(&conversation.system_prompt));
        out.push_str("\n\n");
    }
    for m in messages {
        match m.role {
            Role::User => {
                out.push_str("## User\n\n");
                out.push_str(m.content.trim_end());
                out.push_str("\n\n");
            }
            Role::Assistant => assistant(&mut out, m),
            Role::Tool => tool(&mut out, m),
            Role::System => {
                out.push_str("**System**\n\n");
                out.push_str(&quoted(&m.content));
                out.push_str("\n\n");
            }
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn assistant(out: &mut String, m: &Message) {
    match &m.model {
        Some(model) if !model.is_empty() => out.push_str(&format!("## Assistant ({})\n\n", one_line(model))),
        _ => out.push_str("## Assistant\n\n"),
    }
    if !m.reasoning.trim().is_empty() {
        out.push_str("<details><summary>Reasoning</summary>\n\n");
        out.push_str(m.reasoning.trim_end());
        out.push_str("\n\n</details>\n\n");
    }
    if !m.content.trim().is_empty() {
        out.push_str(m.content.trim_end());
        out.push_str("\n\n");
    }
    for call in &m.tool_calls {
        out.push_str(&format!("*Called `{}`*\n\n", one_line(&call.name)));
    }
    if !m.citations.is_empty() {
        let pages: Vec<String> = m.citations.iter().map(|c| format!("{} p. {}", c.document, c.page)).collect();
        out.push_str(&format!("*Sources: {}*\n\n", pages.join(", ")));
    }
    let ended = match m.status {
        MessageStatus::Complete | MessageStatus::Streaming => None,
        MessageStatus::Stopped => Some("Stopped: the answer is partial.".to_string()),
        MessageStatus::Interrupted => Some("Interrupted: the app or the engine stopped while it answered.".to_string()),
        MessageStatus::Failed => Some(m.error.as_ref().map_or("The answer failed.".to_string(), |e| format!("The answer failed: {}", e.message))),
    };
    if let Some(note) = ended {
        out.push_str(&format!("*{}*\n\n", one_line(&note)));
    }
}

fn tool(out: &mut String, m: &Message) {
    match &m.tool_result {
        Some(r) if !r.server.is_empty() => out.push_str(&format!("### Tool `{}` ({})\n\n", one_line(&r.name), one_line(&r.server))),
        Some(r) => out.push_str(&format!("### Tool `{}`\n\n", one_line(&r.name))),
        None => out.push_str("### Tool result\n\n"),
    }
    if let Some(r) = &m.tool_result {
        out.push_str("Arguments:\n\n");
        out.push_str(&fenced(&r.arguments, "json"));
        out.push_str("Result:\n\n");
    }
    out.push_str(&fenced(&m.content, ""));
}

/// `text` in a code fence longer than any run of backticks inside it, so it cannot close early.
fn fenced(text: &str, language: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{}\n{fence}\n\n", text.trim_end())
}

fn quoted(text: &str) -> String {
    text.trim_end().lines().map(|l| if l.is_empty() { ">".to_string() } else { format!("> {l}") }).collect::<Vec<_>>().join("\n")
}

/// A title or a name on one line (a newline would end the heading).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_protocol::{ErrorCode, ErrorPayload, SamplingSettings, TemplateChoice};
    use hearth_store::{Citation, ConversationTools, ToolOutcome, ToolResult};

    fn conversation(system_prompt: &str) -> Conversation {
        Conversation {
            id: 1,
            title: "Fan speeds\nof the box".into(),
            system_prompt: system_prompt.into(),
            sampling: SamplingSettings::default(),
            template: TemplateChoice::Model,
            tools: ConversationTools::default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn message(role: Role, content: &str) -> Message {
        Message {
            id: 1,
            conversation_id: 1,
            role,
            content: content.into(),
            status: MessageStatus::Complete,
            stats: None,
            error: None,
            model: None,
            created_at: 0,
            citations: vec![],
            reasoning: String::new(),
            tool_calls: vec![],
            tool_result: None,
        }
    }

    #[test]
    fn a_conversation_reads_as_markdown_with_its_authors_reasoning_and_sources() {
        let mut answer = message(Role::Assistant, "It spins at 1200 RPM [p. 2].");
        answer.model = Some("gpt-oss-120b".into());
        answer.reasoning = "The manual's page 2 says so.".into();
        answer.citations = vec![Citation {
            label: "p. 2".into(),
            document_id: 1,
            document: "manual.pdf".into(),
            page: 2,
            text: "The fan spins at 1200 RPM when idle.".into(),
            inferred: false,
        }];
        let md = to_markdown(&conversation("Be brief.\n\nCite pages."), &[message(Role::User, "How fast is the fan?"), answer]);
        assert_eq!(
            md,
            "# Fan speeds of the box\n\n**System prompt**\n\n> Be brief.\n>\n> Cite pages.\n\n## User\n\nHow fast is the fan?\n\n\
             ## Assistant (gpt-oss-120b)\n\n<details><summary>Reasoning</summary>\n\nThe manual's page 2 says so.\n\n</details>\n\n\
             It spins at 1200 RPM [p. 2].\n\n*Sources: manual.pdf p. 2*\n"
        );
    }

    #[test]
    fn a_tool_result_with_backticks_cannot_close_its_fence_and_an_ended_answer_says_how() {
        let mut tool_message = message(Role::Tool, "a ``` inside\n````");
        tool_message.tool_result = Some(ToolResult {
            call_id: "call_1".into(),
            name: "read_file".into(),
            arguments: "{\"path\":\"/tmp/x\"}".into(),
            server: "filesystem".into(),
            outcome: ToolOutcome::Ran,
        });
        let mut failed = message(Role::Assistant, "");
        failed.status = MessageStatus::Failed;
        failed.error = Some(ErrorPayload::new(ErrorCode::EngineDied, "the engine stopped"));
        let md = to_markdown(&conversation(""), &[tool_message, failed]);
        assert!(md.contains("### Tool `read_file` (filesystem)\n\nArguments:\n\n```json\n{\"path\":\"/tmp/x\"}\n```\n\nResult:\n\n`````\na ``` inside\n````\n`````\n"), "{md}");
        assert!(md.ends_with("## Assistant\n\n*The answer failed: the engine stopped*\n"), "{md}");
    }
}
