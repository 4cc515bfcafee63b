//! Speculative decoding's drafts from prompt lookup (issue 18; the idea of llama.cpp's
//! `examples/lookup` and of "prompt lookup decoding"): an answer that quotes its documents or
//! the conversation repeats token runs already in the context, so the tokens that followed the
//! answer's last few tokens where they last appeared are proposed, and the model checks them all
//! in one batch; under greedy decoding only the ones it would have written itself are kept.
//! The text is the same as plain decoding's up to rounding: with more than one thread, llama.cpp's
//! one-token steps split their work between threads in another order than a batch does, and
//! where the model hesitates between two tokens that can tip it (with one thread they agree bit
//! for bit: bench/RESULTS.md). Drafting pauses itself when fewer than half its drafts are kept
//! (each checked token widens the batch, which costs on a compute-bound CPU) or when its steps,
//! timed, make tokens more slowly than the answer's plain steps do. While paused it keeps looking
//! drafts up without checking them and compares each with what the model then writes, which costs
//! nothing; when two in a row would have been kept whole (the answer has begun to quote), drafting
//! resumes, and the next miss pauses it again. Where drafts lose even when nearly all are kept (on
//! a GPU with a small model a batch of several tokens leaves llama.cpp's one-token path and costs
//! more than a step: bench/RESULTS.md, the H200 run), drafting stops for the rest of the answer.

use hearth_protocol::{DraftKind, DraftStats};
use llama_cpp_2::token::LlamaToken;

/// The longest and shortest runs looked up (the longest found wins). Not two: in free chat a
/// pair of tokens recurs by chance ("of the"), and drafts from such pairs mostly missed (chat at
/// 0.85x of plain decoding), while a quote repeats longer runs (bench/RESULTS.md).
const MAX_NGRAM: usize = 4;
const MIN_NGRAM: usize = 3;
/// Tokens proposed at most per step.
pub(crate) const MAX_DRAFT: usize = 10;
/// After this many proposed tokens, drafting pauses if fewer than [`MIN_ACCEPTANCE`] of them
/// were kept. Pausing can be undone, so this judges early: the answers that quote their documents
/// begin in the model's own words, and their quotes resume drafting.
const JUDGE_AFTER: u32 = 12;
const MIN_ACCEPTANCE: f64 = 0.5;
/// Drafts this often kept, and still slower than plain steps: the machine, not the text, is why.
const KEPT_YET_SLOWER: f64 = 0.8;
/// Paused drafting resumes after this many looked-up drafts in a row would have been kept whole.
const RESUME_AFTER: u32 = 2;
/// Tokens proposed at the start; the length doubles while drafts are kept whole and shrinks to
/// what was kept plus one when they miss, since every checked token widens the batch.
const FIRST_DRAFT: usize = 2;
/// Timed steps needed of each kind before drafting is judged by its speed.
const MIN_TIMED_PLAIN: u32 = 8;
const MIN_TIMED_DRAFTED: u32 = 3;

#[derive(Debug)]
pub(crate) struct NgramDraft {
    /// The answer's drafts checked and kept, for its stats.
    proposed: u32,
    accepted: u32,
    /// Since drafting last began or resumed.
    phase_proposed: u32,
    phase_accepted: u32,
    /// Times drafting paused, and resumed.
    paused: u32,
    resumed: u32,
    state: State,
    length: usize,
    pace: Pace,
}

#[derive(Debug)]
enum State {
    Drafting,
    /// Drafts looked up and compared with what the model writes next, not checked: `pending`
    /// is the last one, `matched` of it written so far, `whole` the ones in a row that were kept.
    Watching {
        pending: Vec<LlamaToken>,
        matched: usize,
        whole: u32,
    },
    /// Drafts cost more than they save on this machine: off for the rest of the answer.
    Off,
}

impl Default for NgramDraft {
    fn default() -> NgramDraft {
        NgramDraft {
            proposed: 0,
            accepted: 0,
            phase_proposed: 0,
            phase_accepted: 0,
            paused: 0,
            resumed: 0,
            state: State::Drafting,
            length: FIRST_DRAFT,
            pace: Pace::default(),
        }
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

    /// Drafted steps are judged per phase of drafting: a quote's are not its prelude's.
    fn new_phase(&mut self) {
        self.drafted_secs = 0.0;
        self.drafted_tokens = 0;
        self.drafted_steps = 0;
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
    /// with the token just chosen), or none. While paused, the draft is looked up and kept to
    /// compare with what the model writes.
    pub(crate) fn propose(&mut self, context: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
        if max == 0 {
            return Vec::new();
        }
        match &mut self.state {
            State::Drafting => lookup(context, max.min(self.length)),
            State::Off => Vec::new(),
            State::Watching { pending, matched, whole } => {
                // Each call while watching follows one plain step: one new token.
                if let (Some(&written), Some(&expected)) = (context.last(), pending.get(*matched)) {
                    if written == expected {
                        *matched += 1;
                        if *matched == pending.len() {
                            *whole += 1;
                            pending.clear();
                        }
                    } else {
                        *whole = 0;
                        pending.clear();
                    }
                }
                if *whole >= RESUME_AFTER {
                    self.resume();
                    return lookup(context, max.min(self.length));
                }
                if pending.is_empty() {
                    *pending = lookup(context, FIRST_DRAFT);
                    *matched = 0;
                }
                Vec::new()
            }
        }
    }

    fn is_drafting(&self) -> bool {
        matches!(self.state, State::Drafting)
    }

    fn pause(&mut self) {
        self.state = State::Watching { pending: Vec::new(), matched: 0, whole: 0 };
        self.paused += 1;
    }

    fn resume(&mut self) {
        self.state = State::Drafting;
        self.resumed += 1;
        self.phase_proposed = 0;
        self.phase_accepted = 0;
        // Two drafts kept whole already: start where doubling would have got to.
        self.length = (FIRST_DRAFT * 2).min(MAX_DRAFT);
        self.pace.new_phase();
    }

    /// Whether this phase of drafting has proposed enough to be judged: the first after
    /// [`JUDGE_AFTER`] tokens, a resumed one (a quote, by the evidence that resumed it) at once.
    fn judged(&self) -> bool {
        self.resumed > 0 || self.phase_proposed >= JUDGE_AFTER
    }

    fn phase_acceptance(&self) -> f64 {
        self.phase_accepted as f64 / self.phase_proposed.max(1) as f64
    }

    pub(crate) fn record(&mut self, proposed: usize, accepted: usize) {
        self.proposed += proposed as u32;
        self.accepted += accepted as u32;
        self.phase_proposed += proposed as u32;
        self.phase_accepted += accepted as u32;
        self.length = if accepted == proposed { (self.length * 2).min(MAX_DRAFT) } else { accepted + 1 };
        let quote_ended = self.resumed > 0 && accepted == 0 && proposed > 0;
        if self.is_drafting() && (quote_ended || (self.judged() && self.phase_acceptance() < MIN_ACCEPTANCE)) {
            self.pause();
        }
    }

    /// One step's time, from its proposal to its logits read: a plain step's (`drafted_kept`
    /// None) or a step that checked drafts and kept `drafted_kept` of them. Once there are
    /// enough of both and the drafted ones make tokens more slowly, drafting pauses, or stops
    /// where it lost though nearly all its drafts were kept.
    pub(crate) fn record_time(&mut self, secs: f64, drafted_kept: Option<usize>) {
        self.pace.record(secs, drafted_kept);
        if self.is_drafting() && self.judged() && self.pace.drafts_lose() {
            if self.phase_acceptance() >= KEPT_YET_SLOWER {
                self.state = State::Off;
            } else {
                self.pause();
            }
        }
    }

    pub(crate) fn stats(&self) -> DraftStats {
        DraftStats {
            kind: DraftKind::Ngram,
            proposed: self.proposed,
            accepted: self.accepted,
            switched_off: self.paused > 0 || matches!(self.state, State::Off),
            resumed: self.resumed,
        }
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
            // The same rule for giving up on drafts that keep missing; a draft model's drafts are
            // not looked up while paused (that would cost its steps), so it does not resume.
            Drafter::Model { model, tally } if tally.is_drafting() => model.propose(context, max),
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

    /// The CPU runs of bench/speculative.py (2026-12-04): an answer that began in the model's own
    /// words had its drafting switched off for good before its quote began, and judging sooner
    /// would switch off more of them; now paused drafting watches and comes back for the quote.
    #[test]
    fn paused_drafting_resumes_when_the_answer_begins_to_quote_and_pauses_when_it_stops() {
        let quote: Vec<i32> = (100..130).collect();
        let mut prompt = vec![1, 2, 3];
        prompt.extend(&quote);
        prompt.extend([4, 5, 6]);
        let mut d = NgramDraft::default();
        d.record(12, 0);
        assert!(d.stats().switched_off && !d.is_drafting());
        // The answer: its own words, then the quote, one token per plain step.
        let mut context = toks(&prompt);
        context.extend(toks(&[7, 8, 9]));
        let mut steps = 0;
        let drafts = loop {
            context.push(LlamaToken(quote[steps]));
            steps += 1;
            let drafts = d.propose(&context, 8);
            if !drafts.is_empty() {
                break drafts;
            }
            assert!(steps < 10, "still paused {steps} tokens into the quote");
        };
        // Three tokens to find the quote, then two looked-up drafts of two written as drafted.
        assert_eq!(steps, 7);
        assert_eq!(drafts, toks(&quote[7..11]));
        assert_eq!(d.stats().resumed, 1);
        d.record(4, 4);
        assert!(d.is_drafting());
        // The quote ends: a draft wholly missed pauses drafting again at once.
        d.record(8, 0);
        assert!(!d.is_drafting());
        assert!(d.propose(&context, 8).is_empty());
    }

    #[test]
    fn drafting_stopped_for_cost_does_not_resume() {
        let mut d = NgramDraft::default();
        d.record(30, 27);
        for _ in 0..8 {
            d.record_time(0.001, None);
        }
        for _ in 0..4 {
            d.record_time(0.005, Some(3));
        }
        assert!(matches!(d.state, State::Off));
        let context = toks(&[1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6]);
        for n in 4..context.len() {
            assert!(d.propose(&context[..n], 8).is_empty());
        }
        assert_eq!(d.stats().resumed, 0);
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
