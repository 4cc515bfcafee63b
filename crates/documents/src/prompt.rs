//! The prompt for a question about documents, and the citations read back from the answer.
//! Passages go in with page labels (`[p. 12]`, or `[report.pdf p. 12]` when several documents are
//! asked), best first until the token budget is spent, then in reading order. Citations in the
//! answer are matched to those passages; where the model cited nothing that matches, the passage
//! the answer draws most words from is given as an inferred source, marked so.

use std::collections::HashSet;

use hearth_store::{Citation, DocumentRecord, Passage, Store, StoreError};

use crate::TokenCounter;

#[derive(Debug, Clone)]
pub struct QuestionPrompt {
    /// The user message to send (instructions, excerpts, question).
    pub message: String,
    /// The passages in the prompt, in the order given.
    pub sources: Vec<Passage>,
    pub tokens: u32,
}

fn label(p: &Passage, many_documents: bool) -> String {
    if many_documents {
        format!("{} p. {}", p.document, p.page)
    } else {
        format!("p. {}", p.page)
    }
}

/// Documents given whole: every page with text as one passage (in reading order), for documents
/// that fit the context.
pub fn whole_documents(store: &Store, documents: &[DocumentRecord], counter: &TokenCounter) -> Result<Vec<Passage>, StoreError> {
    let mut all = Vec::new();
    for d in documents {
        for (page, text) in store.document_pages(d.id)? {
            if !text.trim().is_empty() {
                let tokens = counter.count(&text);
                all.push(Passage { chunk_id: page as i64, document_id: d.id, document: d.name.clone(), page, text, tokens, score: 0.0 });
            }
        }
    }
    Ok(all)
}

/// Builds the message for `question` from `passages` (best first) within `budget_tokens`.
pub fn question_prompt(question: &str, passages: &[Passage], budget_tokens: u32, counter: &TokenCounter) -> QuestionPrompt {
    let many = passages.iter().map(|p| p.document_id).collect::<HashSet<_>>().len() > 1;
    let example = if many { "[report.pdf p. 4]" } else { "[p. 4]" };
    let head = format!(
        "Answer the question using the excerpts below. After each fact, cite its page in square brackets, like {example}. \
         If the excerpts do not contain the answer, say that the documents do not say.\n\n"
    );
    let tail = format!("Question: {question}");
    let mut used = counter.count(&head) + counter.count(&tail);
    let mut chosen: Vec<Passage> = Vec::new();
    for p in passages {
        let cost = p.tokens + 8;
        if used + cost > budget_tokens {
            continue;
        }
        used += cost;
        chosen.push(p.clone());
    }
    chosen.sort_by_key(|p| (p.document_id, p.page, p.chunk_id));
    let mut message = head;
    for p in &chosen {
        message.push_str(&format!("[{}] {}\n\n", label(p, many), p.text.trim()));
    }
    message.push_str(&tail);
    QuestionPrompt { message, sources: chosen, tokens: used }
}

/// A search tool's result: the passages with their page labels (`[report.pdf p. 12]`) and how to
/// cite them, or a line saying nothing matched.
pub fn tool_result(passages: &[Passage]) -> String {
    if passages.is_empty() {
        return "No passage of the documents matches that query.".into();
    }
    let mut out = String::from("Passages from the documents. Cite the pages you use in square brackets, like [report.pdf p. 4].\n\n");
    for p in passages {
        out.push_str(&format!("[{}] {}\n\n", label(p, true), p.text.trim()));
    }
    out.trim_end().to_string()
}

/// `[p. 12]`, `[page 12]`, `[pp. 3-4]`, `[report.pdf p. 12]`, `[report.pdf, p. 12]`: the
/// (document name or "", page) pairs an answer cites, in order.
pub fn parse_citations(answer: &str) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inside = &after[..close];
        rest = &after[close + 1..];
        if inside.len() > 200 {
            continue;
        }
        for part in inside.split(';') {
            if let Some((doc, page)) = parse_one(part.trim()) {
                out.push((part.trim().to_string(), doc, page));
            }
        }
    }
    out
}

fn parse_one(s: &str) -> Option<(String, u32)> {
    let lower = s.to_lowercase();
    for marker in ["pages ", "page ", "pp. ", "pp.", "p. ", "p."] {
        if let Some(at) = lower.rfind(marker) {
            // The marker starts a word.
            if at > 0 && !lower[..at].ends_with([' ', ',', '(']) {
                continue;
            }
            let digits: String = lower[at + marker.len()..].trim_start().chars().take_while(|c| c.is_ascii_digit()).collect();
            let page: u32 = digits.parse().ok()?;
            let doc = s[..at].trim().trim_end_matches(',').trim().to_string();
            return Some((doc, page));
        }
    }
    None
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 3).map(|w| w.to_lowercase()).collect()
}

/// The citations of `answer`, matched to the passages that were in its prompt.
pub fn cited_pages(answer: &str, sources: &[Passage]) -> Vec<Citation> {
    let mut out: Vec<Citation> = Vec::new();
    for (label, doc, page) in parse_citations(answer) {
        let matching =
            sources.iter().find(|p| p.page == page && (doc.is_empty() || p.document.eq_ignore_ascii_case(&doc) || p.document.starts_with(&doc)));
        if let Some(p) = matching {
            if !out.iter().any(|c| c.document_id == p.document_id && c.page == p.page) {
                out.push(Citation { label, document_id: p.document_id, document: p.document.clone(), page, text: p.text.clone(), inferred: false });
            }
        }
    }
    if out.is_empty() {
        let answer_words = words(answer);
        // Most shared words; among equals, the passage retrieval ranked higher (the first in
        // the list when none was ranked).
        let best = sources
            .iter()
            .map(|p| (words(&p.text).intersection(&answer_words).count(), p))
            .filter(|(shared, _)| *shared >= 2)
            .reduce(|best, next| if next.0 > best.0 || (next.0 == best.0 && next.1.score > best.1.score) { next } else { best });
        if let Some((_, p)) = best {
            out.push(Citation {
                label: format!("p. {}", p.page),
                document_id: p.document_id,
                document: p.document.clone(),
                page: p.page,
                text: p.text.clone(),
                inferred: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(id: i64, doc: i64, name: &str, page: u32, text: &str) -> Passage {
        Passage { chunk_id: id, document_id: doc, document: name.into(), page, text: text.into(), tokens: 10, score: 1.0 }
    }

    #[test]
    fn citations_in_the_forms_models_write() {
        let found = parse_citations("Water boils at 100 C [p. 12]. See [page 3; manual.pdf, p. 7] and [pp. 4-5]. Not [1] or [step].");
        let pairs: Vec<(String, u32)> = found.into_iter().map(|(_, d, p)| (d, p)).collect();
        assert_eq!(pairs, [("".into(), 12), ("".into(), 3), ("manual.pdf".into(), 7), ("".into(), 4)]);
    }

    #[test]
    fn the_prompt_keeps_to_its_budget_and_reading_order() {
        let ps = vec![passage(3, 1, "a.pdf", 9, "nine"), passage(1, 1, "a.pdf", 2, "two"), passage(2, 1, "a.pdf", 5, "five")];
        let q = question_prompt("What?", &ps, 10_000, &TokenCounter::Estimate);
        let at = |s: &str| q.message.find(s).unwrap();
        assert!(at("[p. 2] two") < at("[p. 5] five") && at("[p. 5] five") < at("[p. 9] nine"));
        assert!(q.message.ends_with("Question: What?"));
        // A budget for the instructions and one passage keeps the best one.
        let small = question_prompt("What?", &ps, q.tokens - 30, &TokenCounter::Estimate);
        assert_eq!(small.sources.iter().map(|p| p.page).collect::<Vec<_>>(), [9]);
    }

    #[test]
    fn cited_pages_map_to_passages_or_are_inferred() {
        let ps = vec![passage(1, 1, "a.pdf", 2, "The boiling point of water is 100 degrees."), passage(2, 1, "a.pdf", 5, "Cats sleep a lot.")];
        let c = cited_pages("It boils at 100 degrees [p. 2]. Also [p. 40].", &ps);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].page, c[0].inferred), (2, false));
        let c = cited_pages("Cats sleep most of the day, a lot.", &ps);
        assert_eq!((c[0].page, c[0].inferred), (5, true), "{c:?}");
        assert!(cited_pages("Nothing to do with anything.", &ps).is_empty());
        // Regression: equal overlap went to the last passage in page order (the real window cited
        // page 15 for an answer from page 14); it now goes to the passage retrieval ranked higher.
        let tied = vec![
            Passage { score: 2.0, ..passage(1, 1, "a.pdf", 14, "extended attribute mime type") },
            Passage { score: 5.0, ..passage(2, 1, "a.pdf", 15, "extended attribute mime type") },
            Passage { score: 1.0, ..passage(3, 1, "a.pdf", 16, "extended attribute mime type") },
        ];
        assert_eq!(cited_pages("The extended attribute holds the type.", &tied)[0].page, 15);
    }
}
