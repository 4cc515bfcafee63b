//! Counting tokens the way the model will: a byte-level BPE tokenizer (the tokenizers crate)
//! rebuilt from a GGUF's own vocabulary and merges (`tokenizer.ggml.model = gpt2`: SmolLM2,
//! Llama 3, Qwen, gpt-oss). For other vocabularies (SentencePiece), and when no model is
//! chosen, an estimate of one token per four characters of a word.

use std::path::Path;

use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::Tokenizer;

use crate::DocumentError;

pub enum TokenCounter {
    Vocabulary { tokenizer: Box<Tokenizer>, model: String },
    Estimate,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl TokenCounter {
    /// The tokenizer of the GGUF at `path` when its vocabulary is byte-level BPE, else the
    /// estimate.
    pub fn for_model(path: &Path) -> Result<TokenCounter, DocumentError> {
        let gguf = hearth_gguf::GgufFile::open(path).map_err(|e| DocumentError::Tokenizer(e.to_string()))?;
        let kind = gguf.get("tokenizer.ggml.model").and_then(|v| v.as_str()).unwrap_or("");
        if kind != "gpt2" {
            return Ok(TokenCounter::Estimate);
        }
        let arrays = hearth_gguf::read_string_arrays(path, &["tokenizer.ggml.tokens", "tokenizer.ggml.merges"])
            .map_err(|e| DocumentError::Tokenizer(e.to_string()))?;
        let (Some(tokens), Some(merges)) = (arrays.get("tokenizer.ggml.tokens"), arrays.get("tokenizer.ggml.merges")) else {
            return Ok(TokenCounter::Estimate);
        };
        let vocab: tokenizers::models::bpe::Vocab = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let merges: Vec<(String, String)> = merges.iter().filter_map(|m| m.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string()))).collect();
        let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().map_err(|e| DocumentError::Tokenizer(e.to_string()))?;
        let mut tokenizer = Tokenizer::new(bpe);
        tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
        let model = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(TokenCounter::Vocabulary { tokenizer: Box::new(tokenizer), model })
    }

    pub fn describe(&self) -> String {
        match self {
            TokenCounter::Vocabulary { model, .. } => format!("the tokenizer of {model}"),
            TokenCounter::Estimate => "an estimate (4 characters a token)".into(),
        }
    }

    /// The byte ranges of `text`'s tokens, in order.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        if let TokenCounter::Vocabulary { tokenizer, .. } = self {
            if let Ok(encoding) = tokenizer.encode(text, false) {
                return encoding.get_offsets().to_vec();
            }
        }
        estimate_spans(text)
    }

    pub fn count(&self, text: &str) -> u32 {
        match self {
            TokenCounter::Vocabulary { tokenizer, .. } => {
                tokenizer.encode_fast(text, false).map(|e| e.len() as u32).unwrap_or_else(|_| estimate_spans(text).len() as u32)
            }
            TokenCounter::Estimate => estimate_spans(text).len() as u32,
        }
    }
}

/// Words cut into pieces of at most four characters.
fn estimate_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut word_start: Option<usize> = None;
    let mut chars_in_piece = 0;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = word_start.take() {
                spans.push((s, i));
            }
            chars_in_piece = 0;
            continue;
        }
        match word_start {
            None => {
                word_start = Some(i);
                chars_in_piece = 1;
            }
            Some(s) if chars_in_piece == 4 => {
                spans.push((s, i));
                word_start = Some(i);
                chars_in_piece = 1;
            }
            Some(_) => chars_in_piece += 1,
        }
    }
    if let Some(s) = word_start {
        spans.push((s, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_cuts_words_into_four_character_pieces() {
        let t = "a tokenizer is here";
        let pieces: Vec<&str> = estimate_spans(t).iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(pieces, ["a", "toke", "nize", "r", "is", "here"]);
        assert_eq!(TokenCounter::Estimate.count("ünïcödé wörds"), 4);
    }
}
