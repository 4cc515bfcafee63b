//! Speculative decoding's drafts from prompt lookup (issue 18; the idea of llama.cpp's
//! `examples/lookup` and of "prompt lookup decoding"): an answer that quotes its documents or
//! the conversation repeats token runs already in the context, so the tokens that followed the
//! answer's last few tokens where they last appeared are proposed, and the model checks them all
//! in one batch; under greedy decoding only the ones it would have written itself are kept.
//! The text is the same as plain decoding's up to rounding: with more than one thread, llama.cpp's
//! one-token steps split their work between threads in another order than a batch does, and
//! where the model hesitates between two tokens that can tip it (with one thread they agree bit
//! for bit: bench/RESULTS.md). Drafting switches itself off
//! for the rest of an answer when fewer than half its drafts are kept (each checked token widens
//! the batch, which costs on a compute-bound CPU).

use hearth_protocol::{DraftKind, DraftStats};
use llama_cpp_2::token::LlamaToken;

/// The longest and shortest runs looked up (the longest found wins).
const MAX_NGRAM: usize = 4;
const MIN_NGRAM: usize = 2;
/// Tokens proposed at most per step.
pub(crate) const MAX_DRAFT: usize = 10;
/// After this many proposed tokens, drafting stops if fewer than [`MIN_ACCEPTANCE`] of them were kept.
const JUDGE_AFTER: u32 = 24;
const MIN_ACCEPTANCE: f64 = 0.5;

/// Tokens proposed at the start; the length grows while drafts are kept whole and shrinks to
/// what was kept when they miss, since every checked token widens the batch.
const FIRST_DRAFT: usize = 4;

#[derive(Debug)]
pub(crate) struct NgramDraft {
    proposed: u32,
    accepted: u32,
    off: bool,
    length: usize,
}

impl Default for NgramDraft {
    fn default() -> NgramDraft {
        NgramDraft { proposed: 0, accepted: 0, off: false, length: FIRST_DRAFT }
    }
}

impl NgramDraft {
    /// Up to `max` tokens to check after `context` (the prompt and the answer so far, ending
    /// with the token just chosen), or none.
    pub(crate) fn propose(&self, context: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
        if self.off || max == 0 {
            return Vec::new();
        }
        lookup(context, max.min(self.length))
    }

    pub(crate) fn record(&mut self, proposed: usize, accepted: usize) {
        self.proposed += proposed as u32;
        self.accepted += accepted as u32;
        self.length = if accepted == proposed { (self.length * 2).min(MAX_DRAFT) } else { (accepted + 1).max(2) };
        if self.proposed >= JUDGE_AFTER && (self.accepted as f64) < MIN_ACCEPTANCE * self.proposed as f64 {
            self.off = true;
        }
    }

    pub(crate) fn stats(&self) -> DraftStats {
        DraftStats { kind: DraftKind::Ngram, proposed: self.proposed, accepted: self.accepted, switched_off: self.off }
    }
}

/// The tokens that followed the most recent earlier occurrence of the context's last
/// `MAX_NGRAM..=MIN_NGRAM` tokens (longest first), at most `max` of them.
pub(crate) fn lookup(context: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
    let len = context.len();
    for n in (MIN_NGRAM..=MAX_NGRAM).rev() {
        if len <= n {
            continue;
        }
        let key = &context[len - n..];
        // The most recent match that is not the key itself, and has tokens after it.
        for start in (0..len - n).rev() {
            if &context[start..start + n] == key {
                let from = start + n;
                let to = (from + max).min(len);
                if from < to {
                    return context[from..to].to_vec();
                }
            }
        }
    }
    Vec::new()
}

/// Where an answer's drafts come from: prompt lookup, or the draft model.
pub(crate) enum Drafter<'a> {
    Ngram(NgramDraft),
    Model { model: &'a mut crate::draft_model::DraftModel, tally: NgramDraft },
}

impl Drafter<'_> {
    pub(crate) fn propose(&mut self, context: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
        match self {
            Drafter::Ngram(d) => d.propose(context, max),
            // The same rule for giving up on drafts that keep missing.
            Drafter::Model { model, tally } if !tally.off => model.propose(context, max),
            Drafter::Model { .. } => Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, proposed: usize, accepted: usize) {
        match self {
            Drafter::Ngram(d) | Drafter::Model { tally: d, .. } => d.record(proposed, accepted),
        }
    }

    pub(crate) fn stats(&self) -> DraftStats {
        match self {
            Drafter::Ngram(d) => d.stats(),
            Drafter::Model { tally, .. } => DraftStats { kind: DraftKind::Model, ..tally.stats() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(ids: &[i32]) -> Vec<LlamaToken> {
        ids.iter().map(|&i| LlamaToken(i)).collect()
    }

    #[test]
    fn the_longest_recent_run_proposes_what_followed_it() {
        // "1 2 3 4 5 6 … 1 2 3" → "4 5 6" (the run of 3 matched, what followed it proposed).
        let context = toks(&[1, 2, 3, 4, 5, 6, 9, 1, 2, 3]);
        assert_eq!(lookup(&context, 3), toks(&[4, 5, 6]));
        // Capped at `max`, and at the end of the context.
        assert_eq!(lookup(&context, 1), toks(&[4]));
        // The most recent occurrence wins.
        let context = toks(&[7, 8, 1, 7, 8, 2, 7, 8]);
        assert_eq!(lookup(&context, 2), toks(&[2, 7]));
        // Nothing repeats: nothing proposed.
        assert!(lookup(&toks(&[1, 2, 3, 4]), 4).is_empty());
    }

    #[test]
    fn drafting_switches_itself_off_when_its_drafts_keep_missing() {
        let mut d = NgramDraft::default();
        let context = toks(&[1, 2, 3, 1, 2]);
        assert!(!d.propose(&context, 4).is_empty());
        for _ in 0..3 {
            d.record(10, 4);
        }
        assert!(d.stats().switched_off);
        assert!(d.propose(&context, 4).is_empty());
        let mut good = NgramDraft::default();
        good.record(50, 30);
        assert!(!good.stats().switched_off);
    }
}
