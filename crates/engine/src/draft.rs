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
//! the batch, which costs on a compute-bound CPU), or when its steps, timed, make tokens slower
//! than the answer's plain steps do: on a GPU with a small model a batch of several tokens leaves
//! llama.cpp's one-token path and costs more than a step, so drafts lose even when most are kept
//! (bench/RESULTS.md, the H200 run).

use hearth_protocol::{DraftKind, DraftStats};
use llama_cpp_2::token::LlamaToken;

/// The longest and shortest runs looked up (the longest found wins). Not two: in free chat a
/// pair of tokens recurs by chance ("of the"), and drafts from such pairs mostly missed (chat at
/// 0.85x of plain decoding), while a quote repeats longer runs (bench/RESULTS.md).
const MAX_NGRAM: usize = 4;
const MIN_NGRAM: usize = 3;
/// Tokens proposed at most per step.
pub(crate) const MAX_DRAFT: usize = 10;
/// After this many proposed tokens, drafting stops if fewer than [`MIN_ACCEPTANCE`] of them were kept.
const JUDGE_AFTER: u32 = 24;
const MIN_ACCEPTANCE: f64 = 0.5;

/// Tokens proposed at the start; the length doubles while drafts are kept whole and shrinks to
/// what was kept plus one when they miss, since every checked token widens the batch.
const FIRST_DRAFT: usize = 2;
/// Timed steps needed of each kind before drafting is judged by its speed.
const MIN_TIMED_PLAIN: u32 = 8;
const MIN_TIMED_DRAFTED: u32 = 3;

#[derive(Debug)]
pub(crate) struct NgramDraft {
    proposed: u32,
    accepted: u32,
    off: bool,
    length: usize,
    pace: Pace,
}

impl Default for NgramDraft {
    fn default() -> NgramDraft {
        NgramDraft { proposed: 0, accepted: 0, off: false, length: FIRST_DRAFT, pace: Pace::default() }
    }
}

/// The answer's steps, timed: plain ones (one token each) and those that checked drafts (the
/// tokens they kept plus the model's own). A drafted step's first is left out: a batch shape's
/// first run can load kernels (CUDA loads them lazily) and would judge drafting by that.
#[derive(Debug, Default)]
struct Pace {
    plain_secs: f64,
    plain_steps: u32,
    drafted_secs: f64,
    drafted_tokens: u32,
    drafted_steps: u32,
    first_drafted_seen: bool,
}

impl Pace {
    fn record(&mut self, secs: f64, drafted_kept: Option<usize>) {
        match drafted_kept {
            None => {
                self.plain_secs += secs;
                self.plain_steps += 1;
            }
            Some(_) if !self.first_drafted_seen => self.first_drafted_seen = true,
            Some(kept) => {
                self.drafted_secs += secs;
                self.drafted_tokens += kept as u32 + 1;
                self.drafted_steps += 1;
            }
        }
    }

    /// Whether drafted steps, timed, make tokens more slowly than plain steps (false while
    /// there are too few of either to tell).
    fn drafts_lose(&self) -> bool {
        if self.plain_steps < MIN_TIMED_PLAIN || self.drafted_steps < MIN_TIMED_DRAFTED || self.plain_secs <= 0.0 {
            return false;
        }
        let plain_rate = self.plain_steps as f64 / self.plain_secs;
        let drafted_rate = self.drafted_tokens as f64 / self.drafted_secs.max(f64::MIN_POSITIVE);
        drafted_rate < plain_rate
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
        self.length = if accepted == proposed { (self.length * 2).min(MAX_DRAFT) } else { accepted + 1 };
        if self.proposed >= JUDGE_AFTER && (self.accepted as f64) < MIN_ACCEPTANCE * self.proposed as f64 {
            self.off = true;
        }
    }

    /// One step's time, from its proposal to its logits read: a plain step's (`drafted_kept`
    /// None) or a step that checked drafts and kept `drafted_kept` of them. Once there are
    /// enough of both and the drafted ones make tokens more slowly, drafting stops.
    pub(crate) fn record_time(&mut self, secs: f64, drafted_kept: Option<usize>) {
        self.pace.record(secs, drafted_kept);
        if self.proposed >= JUDGE_AFTER && self.pace.drafts_lose() {
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

    pub(crate) fn record_time(&mut self, secs: f64, drafted_kept: Option<usize>) {
        match self {
            Drafter::Ngram(d) | Drafter::Model { tally: d, .. } => d.record_time(secs, drafted_kept),
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
        let context = toks(&[7, 8, 9, 1, 7, 8, 9, 2, 7, 8, 9]);
        assert_eq!(lookup(&context, 2), toks(&[2, 7]));
        // Nothing repeats: nothing proposed.
        assert!(lookup(&toks(&[1, 2, 3, 4]), 4).is_empty());
    }

    /// The CPU runs of bench/speculative.py (2026-12-04): drafts from recurring token pairs in free
    /// chat were mostly rejected, and each rejected one widened a step; a pair alone proposes nothing.
    #[test]
    fn a_pair_of_tokens_seen_before_is_not_enough_to_propose() {
        assert!(lookup(&toks(&[5, 6, 1, 2, 9, 1, 2]), 4).is_empty());
        assert_eq!(lookup(&toks(&[5, 1, 2, 3, 9, 1, 2, 3]), 4), toks(&[9, 1, 2, 3]));
    }

    #[test]
    fn drafting_switches_itself_off_when_its_drafts_keep_missing() {
        let mut d = NgramDraft::default();
        let context = toks(&[1, 2, 3, 4, 1, 2, 3]);
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

    /// The H200 run (bench/RESULTS.md, 2026-12-04): drafts kept 350 of 590 times and still made
    /// the answer 0.82x, because a checked batch cost more than the tokens it kept saved.
    #[test]
    fn drafting_switches_itself_off_when_its_steps_are_slower_than_plain_ones_though_kept() {
        let mut d = NgramDraft::default();
        // Most drafts kept: the acceptance rule alone keeps drafting on.
        d.record(30, 24);
        assert!(!d.stats().switched_off);
        for _ in 0..8 {
            d.record_time(0.001, None); // 1000 tok/s plain
        }
        d.record_time(0.050, Some(3)); // the first drafted step: not counted (kernel loading)
        for _ in 0..2 {
            d.record_time(0.005, Some(3)); // 4 tokens in 5 ms: 800 tok/s
        }
        assert!(!d.stats().switched_off, "two timed drafted steps are too few to judge");
        d.record_time(0.005, Some(3));
        assert!(d.stats().switched_off);

        // Where a batch is nearly free (bandwidth-bound), the same acceptance pays and stays on.
        let mut pays = NgramDraft::default();
        pays.record(30, 24);
        for _ in 0..8 {
            pays.record_time(0.010, None); // 100 tok/s
        }
        for _ in 0..6 {
            pays.record_time(0.012, Some(3)); // 333 tok/s
        }
        assert!(!pays.stats().switched_off);

        // Not judged by time before JUDGE_AFTER drafts were proposed.
        let mut early = NgramDraft::default();
        for _ in 0..8 {
            early.record_time(0.001, None);
        }
        for _ in 0..6 {
            early.record_time(0.005, Some(0));
        }
        assert!(!early.stats().switched_off);
    }
}
