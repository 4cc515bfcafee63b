//! "Summarize this document" for documents longer than the context: map-reduce. The document's
//! chunks, in reading order, are grouped into sections that fit the context; each section is
//! summarized on its own (map), then the section summaries are summarized into one (reduce,
//! again in groups if they do not fit). The reduce step is the turn's streamed answer; the map
//! steps report progress.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hearth_engine_client::EngineClient;
use hearth_protocol::ErrorCode;
use hearth_protocol::{ChatMessage, ErrorPayload, Event, Request, Role, SamplingSettings, TemplateChoice, TextPart};
use hearth_store::{DocumentRecord, Passage};

/// Tokens a section summary may take.
pub const SECTION_SUMMARY_TOKENS: u32 = 160;

/// Consecutive chunks grouped so that each group's tokens stay within `budget` (a chunk larger
/// than the budget is a group of its own).
pub fn sections(chunks: &[Passage], budget: u32) -> Vec<Vec<Passage>> {
    let mut out: Vec<Vec<Passage>> = Vec::new();
    let mut used = 0;
    for c in chunks {
        if out.is_empty() || used + c.tokens > budget {
            out.push(Vec::new());
            used = 0;
        }
        used += c.tokens;
        out.last_mut().expect("pushed").push(c.clone());
    }
    out
}

fn page_span(section: &[Passage]) -> String {
    let (first, last) = (section.first().map_or(1, |p| p.page), section.last().map_or(1, |p| p.page));
    if first == last {
        format!("page {first}")
    } else {
        format!("pages {first}-{last}")
    }
}

pub fn section_prompt(doc: &DocumentRecord, section: &[Passage]) -> String {
    let mut text = String::new();
    for p in section {
        text.push_str(&format!("[p. {}] {}\n\n", p.page, p.text.trim()));
    }
    format!(
        "Summarize this part ({}) of the document {} in a few sentences. Keep the page labels of the facts you keep, like [p. 4].\n\n{}",
        page_span(section),
        doc.name,
        text.trim_end()
    )
}

pub fn whole_prompt(doc: &DocumentRecord, section: &[Passage]) -> String {
    let mut text = String::new();
    for p in section {
        text.push_str(&format!("[p. {}] {}\n\n", p.page, p.text.trim()));
    }
    format!("Summarize the document {}. Cite the pages of the main points like [p. 4].\n\n{}", doc.name, text.trim_end())
}

pub fn reduce_prompt(doc: &DocumentRecord, summaries: &[(String, String)]) -> String {
    let mut text = String::new();
    for (span, summary) in summaries {
        text.push_str(&format!("Summary of {span}:\n{}\n\n", summary.trim()));
    }
    format!(
        "These are summaries of consecutive parts of the document {}. Write one summary of the whole document from them, keeping the page labels like [p. 4].\n\n{}",
        doc.name,
        text.trim_end()
    )
}

/// One answer from the engine, whole (no streaming to the user). `stop` set: the answer is
/// cancelled (checked every 100 ms, prompt processing included) and `Cancelled` returned.
pub async fn complete(
    engine: &EngineClient,
    prompt: String,
    sampling: &SamplingSettings,
    template: &TemplateChoice,
    stop: Option<&AtomicBool>,
) -> Result<String, ErrorPayload> {
    let stopped = || stop.is_some_and(|s| s.load(Ordering::SeqCst));
    let cancelled = || ErrorPayload::new(ErrorCode::Cancelled, "stopped while summarizing");
    if stopped() {
        return Err(cancelled());
    }
    let sampling = SamplingSettings { max_tokens: Some(SECTION_SUMMARY_TOKENS), ..sampling.clone() };
    let messages = vec![ChatMessage::new(Role::User, prompt)];
    let mut stream = engine
        .request_first(|id| Request::Generate { id, messages, sampling, template: template.clone(), keep_state_as: None })
        .await
        .map_err(|e| e.payload())?;
    let mut text = String::new();
    loop {
        if stopped() {
            engine.cancel(stream.id).await;
            return Err(cancelled());
        }
        let Ok(next) = tokio::time::timeout(Duration::from_millis(100), stream.next()).await else { continue };
        match next {
            Some(Event::Token { text: piece, part: TextPart::Answer, .. }) => text.push_str(&piece),
            Some(Event::Done { .. }) => return Ok(text),
            Some(Event::Error { error, .. }) => return Err(error),
            Some(_) => {}
            None => return Err(ErrorPayload::new(ErrorCode::EngineDied, "the engine stopped while summarizing")),
        }
    }
}

/// The span label of a section, for the reduce prompt and progress.
pub fn span_of(section: &[Passage]) -> String {
    page_span(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(page: u32, tokens: u32) -> Passage {
        Passage { chunk_id: page as i64, document_id: 1, document: "d.pdf".into(), page, text: format!("text {page}"), tokens, score: 0.0 }
    }

    #[test]
    fn sections_keep_reading_order_within_the_budget() {
        let chunks: Vec<Passage> = (1..=10).map(|p| chunk(p, 300)).collect();
        let s = sections(&chunks, 1000);
        assert_eq!(s.iter().map(|g| g.len()).collect::<Vec<_>>(), [3, 3, 3, 1]);
        assert_eq!(span_of(&s[1]), "pages 4-6");
        assert_eq!(span_of(&s[3]), "page 10");
        // A chunk bigger than the budget still gets a section.
        assert_eq!(sections(&[chunk(1, 5000)], 1000).len(), 1);
    }
}
