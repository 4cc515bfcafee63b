//! Pages cut into chunks of a few hundred tokens for retrieval. A chunk never crosses a page (so
//! that every retrieved passage has one page to cite), prefers to end at a sentence, and overlaps
//! the one before so that a fact on a cut is whole in one of them.

use crate::TokenCounter;

#[derive(Debug, Clone, Copy)]
pub struct ChunkSizes {
    /// Tokens a chunk aims at.
    pub target: usize,
    /// Tokens repeated from the end of the chunk before.
    pub overlap: usize,
}

impl Default for ChunkSizes {
    fn default() -> Self {
        ChunkSizes { target: 256, overlap: 48 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub page: u32,
    /// Byte offset of `text` in the page's text.
    pub start: usize,
    pub text: String,
    pub tokens: u32,
}

pub fn chunk_page(page: u32, text: &str, counter: &TokenCounter, sizes: ChunkSizes) -> Vec<Chunk> {
    let spans = counter.spans(text);
    let n = spans.len();
    let mut chunks = Vec::new();
    if n == 0 {
        return chunks;
    }
    let target = sizes.target.max(8);
    let overlap = sizes.overlap.min(target / 2);
    let mut i = 0;
    loop {
        let mut end = (i + target).min(n);
        if end < n {
            // End after the last sentence end in the window's last quarter, if there is one.
            let earliest = i + target * 3 / 4;
            if let Some(cut) = (earliest..end).rev().find(|&k| ends_sentence(&text[spans[k].0..spans[k].1])) {
                end = cut + 1;
            }
        }
        let (a, b) = (spans[i].0, spans[end - 1].1);
        let raw = &text[a..b];
        let trimmed = raw.trim_start();
        let start = a + (raw.len() - trimmed.len());
        let body = trimmed.trim_end();
        if !body.is_empty() {
            chunks.push(Chunk { page, start, text: body.to_string(), tokens: (end - i) as u32 });
        }
        if end >= n {
            break;
        }
        i = (end - overlap).max(i + 1);
    }
    chunks
}

fn ends_sentence(token: &str) -> bool {
    let t = token.trim_end();
    t.ends_with('.') || t.ends_with('!') || t.ends_with('?') || token.contains('\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_page_is_one_chunk() {
        let chunks = chunk_page(3, "  Water boils at 100 degrees.  ", &TokenCounter::Estimate, ChunkSizes::default());
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].text, "Water boils at 100 degrees.");
        assert_eq!((chunks[0].page, chunks[0].start), (3, 2));
    }

    #[test]
    fn long_pages_are_cut_with_overlap_and_every_word_is_in_a_chunk() {
        let text: String = (0..400).map(|i| format!("Word{i} is here. ")).collect();
        let chunks = chunk_page(1, &text, &TokenCounter::Estimate, ChunkSizes { target: 100, overlap: 20 });
        assert!(chunks.len() > 5, "{}", chunks.len());
        for w in 0..400 {
            let word = format!("Word{w} ");
            assert!(chunks.iter().any(|c| format!("{} ", c.text).contains(&word)), "{word} is in no chunk");
        }
        for pair in chunks.windows(2) {
            assert!(pair[1].start < pair[0].start + pair[0].text.len(), "chunks overlap");
            assert!(pair[0].text.ends_with('.'), "cut at a sentence: {:?}", &pair[0].text[pair[0].text.len() - 20..]);
            assert_eq!(&text[pair[1].start..pair[1].start + pair[1].text.len()], pair[1].text);
        }
        assert!(chunks.iter().all(|c| c.tokens <= 100));
    }
}
