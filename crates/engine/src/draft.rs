//! Speculative decoding's drafts from prompt lookup (issue 18; the idea of llama.cpp's
//! `examples/lookup` and of "prompt lookup decoding"): an answer that quotes its documents or
//! the conversation repeats token runs already in the context, so the tokens that followed the
//! answer's last tokens where they appeared before (the passage with the longest such run) are
//! proposed, and the model checks them all in one batch; under greedy decoding only the ones it
//! would have written itself are kept.
//! The text is the same as plain decoding's up to rounding: with more than one thread, llama.cpp's
//! one-token steps split their work between threads in another order than a batch does, and
//! where the model hesitates between two tokens that can tip it (with one thread they agree bit
//! for bit: bench/RESULTS.md).
//!
//! How many tokens to check is chosen each step from two things this answer has measured:
//! - **what a checked token costs here**: the steps are timed, and a line fitted to the drafted
//!   ones gives a step's time for k drafts, against a plain step's. On a GPU with a big model a
//!   batch of eleven costs little more than one token; on a CPU at a document's depth each
//!   checked token costs about 0.6 of a plain step (llama.cpp's CPU flash attention takes 2-63
//!   queries one by one); on a GPU with a small model a batch leaves the one-token path and
//!   costs more than a step (bench/RESULTS.md).
//! - **how often a drafted token is kept**, by the run of the answer's last tokens it follows
//!   (a draft's run plus the tokens drafted before it): after a run of 3-4 tokens the
//!   model kept 69 % of drafted tokens, after runs over 16 nearly all (bench/RESULTS.md). Each
//!   drafted position is a trial, kept or not, counted in its run's bucket, recent trials
//!   weighing most.
//!
//! The draft length with the most tokens per second expected is taken, and none where no length
//! beats a plain step: drafting pauses. Paused, it keeps looking drafts up without checking them
//! and compares each with what the model then writes, which costs nothing and keeps the kept
//! rate current, so drafting resumes when the answer begins to quote. A draft model's drafts are
//! not looked up while paused (that would cost its steps), so it does not resume.

use hearth_protocol::{DraftKind, DraftStats};
use llama_cpp_2::token::LlamaToken;

/// The shortest run looked up. Not two: in free chat a pair of tokens recurs by chance ("of
/// the"), and drafts from such pairs mostly missed (chat at 0.85x of plain decoding), while a
/// quote repeats longer runs (bench/RESULTS.md).
const MIN_NGRAM: usize = 3;
/// Tokens proposed at most per step.
pub(crate) const MAX_DRAFT: usize = 10;
/// Each new trial weighs the earlier ones of its bucket down by this: about the last ten decide.
const TRIAL_DECAY: f64 = 0.9;
/// Kept rates are kept apart by the run a drafted token follows (its draft's run plus the
/// tokens drafted before it): runs up to 4, 8, 16, 32, and longer.
const RUN_BUCKET_ENDS: [usize; 4] = [4, 8, 16, 32];
const RUN_BUCKETS: usize = RUN_BUCKET_ENDS.len() + 1;
/// Each bucket's prior, as four trials (kept, missed): the rates measured over the answers of
/// bench/speculative.py, every lookup compared with what plain decoding wrote (bench/RESULTS.md,
/// 2026-12-05): 0.69, 0.82, 0.90, 0.97 and 1.00 (taken as 0.975, so that misses still count).
const PRIORS: [(f64, f64); RUN_BUCKETS] = [(2.8, 1.2), (3.3, 0.7), (3.6, 0.4), (3.9, 0.1), (3.9, 0.1)];
/// A checked token's cost, as a share of a plain step, before any drafted step is timed:
/// cheap, as on the machines drafts are for (bound by reading weights), so drafting starts and
/// then learns this machine's cost.
const PRIOR_COST_PER_DRAFT: f64 = 0.1;
/// A length is drafted only when it is expected to make tokens this much faster than plain
/// steps: timing noise must not turn drafting on for nothing.
const MIN_EXPECTED_GAIN: f64 = 1.03;
/// Timed plain steps needed before their mean is trusted over the drafted steps' intercept.
const MIN_TIMED_PLAIN: u32 = 2;
/// Timed drafted steps needed before their line replaces the prior: one step's time can be a
/// hiccup of the machine, and would judge drafting for the rest of the answer.
const MIN_TIMED_DRAFTED: f64 = 2.0;
/// Tokens checked at most while this machine's cost of a check is not measured yet: where a
/// check costs as much as a step (one thread of a CPU), longer drafts on the prior's word cost
/// free chat 7-12 % (bench/RESULTS.md, 2026-12-05).
const UNMEASURED_MAX_DRAFT: usize = 2;

#[derive(Debug)]
pub(crate) struct NgramDraft {
    /// The answer's drafts checked and kept, for its stats.
    proposed: u32,
    accepted: u32,
    /// Times drafting paused, and resumed.
    paused: u32,
    resumed: u32,
    /// Whether the last step with a draft to offer checked it (at first: yes, it starts drafting).
    drafting: bool,
    kept: KeptRates,
    pace: Pace,
    /// The run the draft being checked follows (None: a draft model's, which follows none).
    checked_run: Option<usize>,
    /// While paused: the last draft looked up and not checked, and how much of it the model has
    /// written since, token by token.
    pending: Found,
    matched: usize,
}

impl Default for NgramDraft {
    fn default() -> NgramDraft {
        NgramDraft {
            proposed: 0,
            accepted: 0,
            paused: 0,
            resumed: 0,
            drafting: true,
            kept: KeptRates::default(),
            pace: Pace::default(),
            checked_run: None,
            pending: Found::default(),
            matched: 0,
        }
    }
}

/// How often a drafted token is kept, given the ones before it were, by the run it follows:
/// drafted positions as trials, recent ones weighing most.
#[derive(Debug, Default)]
struct KeptRates {
    kept: [f64; RUN_BUCKETS],
    missed: [f64; RUN_BUCKETS],
}

impl KeptRates {
    fn bucket(run: usize) -> usize {
        RUN_BUCKET_ENDS.iter().take_while(|&&end| run > end).count()
    }

    /// The bucket of a draft's `position`th token (0 first) after a run of `run` (None: a draft
    /// model's, whose tokens share the first bucket).
    fn bucket_at(run: Option<usize>, position: usize) -> usize {
        run.map_or(0, |run| KeptRates::bucket(run + position))
    }

    fn trial(&mut self, bucket: usize, kept: bool) {
        self.kept[bucket] *= TRIAL_DECAY;
        self.missed[bucket] *= TRIAL_DECAY;
        if kept {
            self.kept[bucket] += 1.0;
        } else {
            self.missed[bucket] += 1.0;
        }
    }

    /// A draft after `run` checked `proposed` tokens and the model kept the first `accepted`:
    /// those were kept trials, the next one missed; the rest were never reached.
    fn draft(&mut self, run: Option<usize>, proposed: usize, accepted: usize) {
        for position in 0..accepted {
            self.trial(KeptRates::bucket_at(run, position), true);
        }
        if accepted < proposed {
            self.trial(KeptRates::bucket_at(run, accepted), false);
        }
    }

    fn rate(&self, bucket: usize) -> f64 {
        let (prior_kept, prior_missed) = PRIORS[bucket];
        (self.kept[bucket] + prior_kept) / (self.kept[bucket] + self.missed[bucket] + prior_kept + prior_missed)
    }
}

/// The answer's steps, timed: plain ones (one token) and drafted ones (the token and the drafts
/// checked with it), the drafted ones summed for a least-squares line of time over drafts.
/// A drafted step's first is left out: a batch shape's first run can load kernels (CUDA loads
/// them lazily) and would judge drafting by that.
#[derive(Debug, Default)]
struct Pace {
    plain_secs: f64,
    plain_steps: u32,
    first_drafted_seen: bool,
    drafted_steps: f64,
    sum_drafts: f64,
    sum_secs: f64,
    sum_drafts_sq: f64,
    sum_drafts_secs: f64,
}

impl Pace {
    fn record(&mut self, secs: f64, checked: usize) {
        if checked == 0 {
            self.plain_secs += secs;
            self.plain_steps += 1;
        } else if !self.first_drafted_seen {
            self.first_drafted_seen = true;
        } else {
            let k = checked as f64;
            self.drafted_steps += 1.0;
            self.sum_drafts += k;
            self.sum_secs += secs;
            self.sum_drafts_sq += k * k;
            self.sum_drafts_secs += k * secs;
        }
    }

    /// A plain step's time and a drafted step's as `(intercept, per draft)`, in the same unit
    /// (seconds, or plain steps before anything is timed).
    fn costs(&self) -> (f64, (f64, f64)) {
        let drafted = self.drafted_line();
        // Nothing plain timed yet (an answer that quotes from its first token): a step's own
        // token is taken to cost what the drafted steps' line says it does.
        let plain = self.plain_mean().or(drafted.map(|(intercept, _)| intercept)).unwrap_or(1.0);
        let line = drafted.unwrap_or((plain, plain * PRIOR_COST_PER_DRAFT));
        (plain, line)
    }

    /// A plain step's mean time, once enough are timed.
    fn plain_mean(&self) -> Option<f64> {
        (self.plain_steps >= MIN_TIMED_PLAIN).then(|| self.plain_secs / self.plain_steps as f64)
    }

    /// Whether enough drafted steps are timed for their line to replace the prior.
    fn drafted_measured(&self) -> bool {
        self.drafted_steps >= MIN_TIMED_DRAFTED
    }

    /// The drafted steps' line: fitted where their draft lengths differ, else through the plain
    /// step's time (a checked token costs what the mean drafted step costs beyond it).
    fn drafted_line(&self) -> Option<(f64, f64)> {
        if !self.drafted_measured() {
            return None;
        }
        let n = self.drafted_steps;
        let spread = n * self.sum_drafts_sq - self.sum_drafts * self.sum_drafts;
        if n >= 3.0 && spread > 1e-9 * n * n {
            let slope = (n * self.sum_drafts_secs - self.sum_drafts * self.sum_secs) / spread;
            if slope >= 0.0 {
                let intercept = (self.sum_secs - slope * self.sum_drafts) / n;
                if intercept > 0.0 {
                    return Some((intercept, slope));
                }
            }
        }
        if let Some(plain) = self.plain_mean() {
            let slope = ((self.sum_drafts_secs - plain * self.sum_drafts) / self.sum_drafts_sq).max(0.0);
            return Some((plain, slope));
        }
        // Drafted steps only, all of one length: their own mean, checking nothing extra.
        Some((self.sum_secs / n, 0.0))
    }
}

impl NgramDraft {
    /// Up to `max` tokens to check after `context` (the prompt and the answer so far, ending
    /// with the token just chosen), or none: a lookup's draft cut to the length expected to pay.
    pub(crate) fn propose(&mut self, context: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
        self.compare_pending(context);
        let found = lookup(context, max.min(MAX_DRAFT));
        if found.tokens.is_empty() {
            return Vec::new();
        }
        let length = self.plan(found.tokens.len(), Some(found.run));
        if length == 0 {
            if self.pending.tokens.is_empty() {
                self.pending = found;
                self.matched = 0;
            }
            return Vec::new();
        }
        self.pending = Found::default();
        let mut draft = found.tokens;
        draft.truncate(length);
        draft
    }

    /// While paused, one plain step has written one token since the last call: a trial of the
    /// pending draft's next token.
    fn compare_pending(&mut self, context: &[LlamaToken]) {
        let (Some(&written), Some(&expected)) = (context.last(), self.pending.tokens.get(self.matched)) else {
            return;
        };
        let kept = written == expected;
        self.kept.trial(KeptRates::bucket_at(Some(self.pending.run), self.matched), kept);
        self.matched += 1;
        if !kept || self.matched == self.pending.tokens.len() {
            self.pending = Found::default();
            self.matched = 0;
        }
    }

    /// How many of `available` drafted tokens, following a run of `run`, to check this step (0:
    /// a plain step), from the kept rates and this machine's costs; pausing and resuming are
    /// counted here.
    fn plan(&mut self, available: usize, run: Option<usize>) -> usize {
        let available = if self.pace.drafted_measured() { available } else { available.min(UNMEASURED_MAX_DRAFT) };
        let rates: Vec<f64> = (0..available).map(|position| self.kept.rate(KeptRates::bucket_at(run, position))).collect();
        let length = best_length(&rates, self.pace.costs());
        match (self.drafting, length > 0) {
            (true, false) => self.paused += 1,
            (false, true) if self.paused > 0 => self.resumed += 1,
            _ => {}
        }
        self.drafting = length > 0;
        self.checked_run = run;
        length
    }

    pub(crate) fn record(&mut self, proposed: usize, accepted: usize) {
        self.proposed += proposed as u32;
        self.accepted += accepted as u32;
        self.kept.draft(self.checked_run, proposed, accepted);
    }

    /// One step's time, from its proposal to its logits read, and the drafted tokens it checked
    /// (0 for a plain step).
    pub(crate) fn record_time(&mut self, secs: f64, checked: usize) {
        self.pace.record(secs, checked);
    }

    pub(crate) fn stats(&self) -> DraftStats {
        DraftStats { kind: DraftKind::Ngram, proposed: self.proposed, accepted: self.accepted, switched_off: self.paused > 0, resumed: self.resumed }
    }
}

/// The draft length with the most tokens per second expected, given each drafted position's
/// kept rate (`rates[i]`: the chance the model keeps token i if it kept those before it): a step
/// that checks k drafts makes 1 + r0 + r0·r1 + … tokens on average in `intercept + k *
/// per_draft`, against one token in `plain`. 0 where no length beats plain steps by
/// [`MIN_EXPECTED_GAIN`].
fn best_length(rates: &[f64], (plain, (intercept, per_draft)): (f64, (f64, f64))) -> usize {
    let mut best = (0, MIN_EXPECTED_GAIN / plain);
    let mut tokens = 1.0;
    let mut reach = 1.0;
    for (k, rate) in rates.iter().enumerate().map(|(i, r)| (i + 1, r)) {
        reach *= rate;
        tokens += reach;
        let speed = tokens / (intercept + k as f64 * per_draft);
        if speed > best.1 {
            best = (k, speed);
        }
    }
    best.0
}

/// A draft looked up: the tokens, and the run of the context's last tokens they follow.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) tokens: Vec<LlamaToken>,
    /// How many of the context's last tokens the passage they follow ends with (at least
    /// [`MIN_NGRAM`], at most [`MAX_RUN`]): the longer, the likelier the answer is quoting it.
    pub(crate) run: usize,
}

/// Runs are measured this far back at most (the longest bucket of kept rates starts below it).
const MAX_RUN: usize = 64;

/// The tokens that followed the earlier passage ending with the longest run of the context's
/// last tokens (at least [`MIN_NGRAM`] of them; the most recent of equal runs), at most `max`.
pub(crate) fn lookup(context: &[LlamaToken], max: usize) -> Found {
    let len = context.len();
    if len <= MIN_NGRAM || max == 0 {
        return Found::default();
    }
    let key = &context[len - MIN_NGRAM..];
    let mut best: Option<(usize, usize)> = None;
    // Passages ending before the key itself, with tokens after them, most recent first.
    for end in (MIN_NGRAM..len).rev() {
        if &context[end - MIN_NGRAM..end] != key {
            continue;
        }
        let run = (MIN_NGRAM..MAX_RUN.min(end)).take_while(|&i| context[end - 1 - i] == context[len - 1 - i]).count() + MIN_NGRAM;
        if best.is_none_or(|(_, longest)| run > longest) {
            best = Some((end, run));
            // Nothing older can beat it: a context of one token repeated stops at once here
            // instead of measuring every earlier position's run.
            if run == MAX_RUN {
                break;
            }
        }
    }
    match best {
        Some((end, run)) => Found { tokens: context[end..(end + max).min(len)].to_vec(), run },
        None => Found::default(),
    }
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
            // The same choice of length; paused, its kept rate stays where it paused (a draft
            // model's drafts are not made unchecked: that would cost its steps).
            Drafter::Model { .. } if max == 0 => Vec::new(),
            Drafter::Model { model, tally } => match tally.plan(max.min(crate::draft_model::MAX_MODEL_DRAFT), None) {
                0 => Vec::new(),
                length => model.propose(context, length),
            },
        }
    }

    pub(crate) fn record(&mut self, proposed: usize, accepted: usize) {
        match self {
            Drafter::Ngram(d) | Drafter::Model { tally: d, .. } => d.record(proposed, accepted),
        }
    }

    pub(crate) fn record_time(&mut self, secs: f64, checked: usize) {
        match self {
            Drafter::Ngram(d) | Drafter::Model { tally: d, .. } => d.record_time(secs, checked),
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
    fn the_passage_with_the_longest_run_proposes_what_followed_it() {
        // "1 2 3 4 5 6 … 1 2 3" → "4 5 6" (the run of 3 matched, what followed it proposed).
        let context = toks(&[1, 2, 3, 4, 5, 6, 9, 1, 2, 3]);
        let found = lookup(&context, 3);
        assert_eq!((found.tokens, found.run), (toks(&[4, 5, 6]), 3));
        // Capped at `max`, and at the end of the context.
        assert_eq!(lookup(&context, 1).tokens, toks(&[4]));
        // Of equal runs, the most recent wins.
        let context = toks(&[7, 8, 9, 1, 7, 8, 9, 2, 7, 8, 9]);
        assert_eq!(lookup(&context, 2).tokens, toks(&[2, 7]));
        // A longer run wins over a more recent one: the passage being quoted.
        let context = toks(&[5, 1, 2, 3, 4, 9, 0, 2, 3, 4, 8, 5, 1, 2, 3, 4]);
        let found = lookup(&context, 2);
        assert_eq!((found.tokens, found.run), (toks(&[9, 0]), 5));
        // Nothing repeats: nothing proposed.
        assert!(lookup(&toks(&[1, 2, 3, 4]), 4).tokens.is_empty());
        // A run as long as runs are measured ends the search: the most recent such passage (here
        // the one ending a token before the key, with one token after it).
        let repeated = toks(&[7; 300]);
        let found = lookup(&repeated, 2);
        assert_eq!((found.tokens, found.run), (toks(&[7]), MAX_RUN));
    }

    /// The CPU runs of bench/speculative.py (2026-12-04): drafts from recurring token pairs in free
    /// chat were mostly rejected, and each rejected one widened a step; a pair alone proposes nothing.
    #[test]
    fn a_pair_of_tokens_seen_before_is_not_enough_to_propose() {
        assert!(lookup(&toks(&[5, 6, 1, 2, 9, 1, 2]), 4).tokens.is_empty());
        assert_eq!(lookup(&toks(&[5, 1, 2, 3, 9, 1, 2, 3]), 4).tokens, toks(&[9, 1, 2, 3]));
    }

    /// Times a drafter's steps as a machine whose plain step takes `plain` seconds and whose
    /// steps checking k drafts take `intercept + k * per_draft`.
    fn time_steps(d: &mut NgramDraft, plain: f64, (intercept, per_draft): (f64, f64), drafted_lengths: &[usize]) {
        for _ in 0..4 {
            d.record_time(plain, 0);
        }
        for &k in drafted_lengths {
            d.record_time(intercept + k as f64 * per_draft, k);
        }
    }

    /// The costs measured in the release package on the 2-core VM with a 2,771-token document in
    /// context (bench/RESULTS.md, 2026-12-05): a plain step 11.0 ms, a step checking k drafts
    /// about 16 + 6.5·k ms; and a machine bound by reading weights, where a checked token costs
    /// 2 % of a step.
    #[test]
    fn the_length_checked_is_the_one_with_most_tokens_per_second_expected() {
        let cpu = (11.0, (16.0, 6.5));
        assert_eq!(best_length(&[0.69; 10], cpu), 0, "a run of 3-4 tokens' drafts do not pay here");
        assert!(best_length(&[0.97; 10], cpu) >= 6, "a quote's do, the longer the better");
        assert_eq!(best_length(&[0.97; 2], cpu), 2, "never more than the lookup found");
        assert_eq!(best_length(&[0.97; 1], cpu), 0, "one token does not pay for leaving the one-token path");
        let weights_bound = (10.0, (10.0, 0.2));
        assert!(best_length(&[0.5; 10], weights_bound) >= 3);
        assert_eq!(best_length(&[0.97; 10], weights_bound), 10);
        assert_eq!(best_length(&[0.05; 10], weights_bound), 0);
        // A draft whose later tokens follow longer runs: where checks are cheap, checked past its
        // doubtful head; here, not.
        let rising = [0.69, 0.69, 0.82, 0.82, 0.82, 0.82, 0.97, 0.97, 0.97, 0.97];
        assert!(best_length(&rising, weights_bound) >= 6);
        assert_eq!(best_length(&rising, cpu), 0);
    }

    #[test]
    fn drafting_pauses_when_its_drafts_keep_missing_and_goes_on_when_they_are_kept() {
        let context = toks(&[1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3]);
        let mut missing = NgramDraft::default();
        assert!(!missing.propose(&context, 8).is_empty(), "before any evidence drafting starts");
        time_steps(&mut missing, 0.010, (0.010, 0.005), &[2, 4, 2, 1]);
        for _ in 0..4 {
            missing.record(2, 0);
        }
        assert!(missing.propose(&context, 8).is_empty());
        assert!(missing.stats().switched_off);

        let mut kept = NgramDraft::default();
        time_steps(&mut kept, 0.010, (0.010, 0.002), &[2, 4, 2, 1]);
        for _ in 0..4 {
            kept.record(4, 4);
        }
        assert!(kept.propose(&context, 8).len() >= 3);
        assert!(!kept.stats().switched_off);
    }

    /// The CPU runs of bench/speculative.py (2026-12-04): an answer that began in the model's own
    /// words had its drafting switched off for good before its quote began; paused drafting
    /// watches what the model writes and comes back for the quote, and pauses when it ends.
    #[test]
    fn paused_drafting_resumes_when_the_answer_begins_to_quote_and_pauses_when_it_stops() {
        let quote: Vec<i32> = (100..160).collect();
        let mut prompt = vec![1, 2, 3];
        prompt.extend(&quote);
        prompt.extend([4, 5, 6]);
        let mut d = NgramDraft::default();
        // This CPU's costs at a document's depth, and drafts after short runs that missed.
        time_steps(&mut d, 0.011, (0.016, 0.0065), &[1, 2, 4, 3]);
        let mut context = toks(&prompt);
        context.extend(toks(&[7, 8, 9, 4, 5, 6]));
        for _ in 0..3 {
            assert!(!d.propose(&context, 8).is_empty() || d.stats().switched_off);
            d.record(2, 0);
        }
        assert!(d.propose(&context, 8).is_empty());
        assert!(d.stats().switched_off);
        // Then the quote, one token per plain step, until drafting resumes.
        let mut written = 0;
        let drafts = loop {
            context.push(LlamaToken(quote[written]));
            written += 1;
            let drafts = d.propose(&context, 8);
            if !drafts.is_empty() {
                break drafts;
            }
            assert!(written < 10, "still paused {written} tokens into the quote");
        };
        assert_eq!(drafts[0], LlamaToken(quote[written]));
        assert_eq!(d.stats().resumed, 1);
        // Kept whole, the quote's drafts grow.
        let first = drafts.len();
        let mut longest = first;
        let mut drafts = drafts;
        for _ in 0..3 {
            d.record(drafts.len(), drafts.len());
            written += drafts.len() + 1;
            context.extend(toks(&quote[written - drafts.len() - 1..written]));
            drafts = d.propose(&context, 10);
            longest = longest.max(drafts.len());
        }
        assert!(longest > first, "drafts stayed at {first} tokens in the quote");
        // The quote ends: the answer's own words again, whose short runs' drafts missed.
        context.extend(toks(&[11, 12, 13, 4, 5, 6]));
        let after = d.propose(&context, 8);
        assert!(after.is_empty(), "drafted {after:?} after the quote: {:?}", d.kept);
    }

    /// The H200 run (bench/RESULTS.md, 2026-12-04): drafts kept 350 of 590 times and still made
    /// the answer 0.82x, because a checked batch cost more than the tokens it kept saved (a small
    /// model's step is bound by launching kernels, and a batch leaves the one-token path).
    #[test]
    fn drafting_that_costs_more_than_it_saves_pauses_though_kept_and_a_quote_does_not_bring_it_back() {
        let context = toks(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 1, 2, 3]);
        let mut d = NgramDraft::default();
        for _ in 0..4 {
            d.record(3, 3);
        }
        d.record(3, 1);
        assert!(!d.propose(&context, 8).is_empty(), "mostly kept: drafting goes on until timed");
        d.record_time(0.001, 0);
        d.record_time(0.001, 0); // 1000 tok/s plain
        d.record_time(0.050, 3); // the first drafted step: not counted (kernel loading)
        d.record_time(0.005, 3); // 4 tokens in 5 ms at best: 800 tok/s
        d.record_time(0.005, 3);
        assert!(d.propose(&context, 8).is_empty());
        assert!(d.stats().switched_off);
        // Paused, a perfect quote is watched, and still does not pay here.
        let mut quoted = context.clone();
        for &t in &context[3..14] {
            quoted.push(t);
            assert!(d.propose(&quoted, 8).is_empty());
        }
        assert_eq!(d.stats().resumed, 0);

        // Where a checked batch is nearly free (bound by reading weights), the same kept rate pays.
        let mut pays = NgramDraft::default();
        pays.record(12, 8);
        time_steps(&mut pays, 0.010, (0.010, 0.0005), &[3, 3, 4]);
        assert!(pays.propose(&context, 8).len() >= 2);
        assert!(!pays.stats().switched_off);
    }
}
