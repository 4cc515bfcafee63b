//! Answers side by side (issue 18, `ModelSettings::parallel`): several generations share one
//! context as llama.cpp sequences, each with its share of the KV cache, as llama-server's
//! `--parallel` slots do. Each step puts every running answer's next token, and as much of the
//! waiting prompts as the batch holds, into one `llama_decode`, so N clients cost little more
//! per step than one where a step is bound by reading the weights. An answer's cells lie in its
//! own part of the cache as they would alone, so at temperature 0 it is the answer it would be
//! alone (`crates/cli/tests/parallel_slots.rs`).
//!
//! - Slot 0 is sequence 0, the lone answer's: a request with a conversation tag (the app's own
//!   chat) takes it and is admitted before untagged ones (the API's); untagged requests take it
//!   last.
//! - An untagged request takes the free slot whose cached tokens share the longest prefix with
//!   its prompt. Before it overwrites most of that slot's cells, they are copied out, and a
//!   copy that shares more with the prompt is restored into the slot (`kept_states.rs`, for
//!   every slot): a system prompt, a document or a question several clients send is read once.
//! - Each answer is cancelled on its own; the others go on.
//! - A slot's cells stay after its answer, for the next prompt that starts the same way. A
//!   prompt is fitted to the slot's share of the context (old turns dropped; one that cannot fit
//!   is refused as `ContextOverflow`, naming the share).
//! - Prompt-lookup drafts are not used here (each step already batches the slots).
//! - A step is one graph run where it can be: an idle slot between running ones holds a
//!   stand-in cell for the step (removed after it), since llama.cpp splits a batch at any gap
//!   in the sequence ids when each sequence has a cache of its own.

use std::collections::VecDeque;
use std::time::Instant;

use hearth_protocol::{GenerationStats, OutputConstraint, ReusedFrom, StopReason};
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;

use crate::generation::{
    decode_error, fit_prompt, keep_common_prefix, ms, prompt_stats, stats_with, AnswerText, FittedPrompt, TokenPicker, ANSWER_RESERVE,
};
use crate::kept_states::{self, common_prefix};
use crate::loaded_model::LoadedModel;
use crate::{llama_log, tool_use, Engine, EngineError, GenerationObserver, GenerationRequest};

/// A generation handed to the slots.
pub struct SlotJob {
    pub id: u64,
    pub request: GenerationRequest,
    pub observer: Box<dyn GenerationObserver>,
}

/// Where the slots get new generations from and hand finished ones to.
pub trait SlotFeed {
    /// Generations that arrived since the last call; never blocks.
    fn poll(&mut self) -> Vec<SlotJob>;
    /// An answer ended (its observer has had every token).
    fn finished(&mut self, id: u64, observer: Box<dyn GenerationObserver>, result: Result<GenerationStats, EngineError>);
}

struct Slot {
    id: u64,
    arrival: u64,
    req: GenerationRequest,
    obs: Box<dyn GenerationObserver>,
    /// The prompt; `evaluated` of its tokens are in the cache.
    tokens: Vec<LlamaToken>,
    evaluated: usize,
    picker: TokenPicker,
    answer: AnswerText,
    stats: GenerationStats,
    template_id: String,
    started: Instant,
    pp_started: Instant,
    /// The answer's last token, to be decoded in the next step.
    next: Option<LlamaToken>,
    /// This slot's logits in the last decoded batch.
    output: Option<i32>,
}

impl Slot {
    fn tagged(&self) -> bool {
        self.req.keep_state_as.is_some()
    }
}

impl Engine {
    /// How many answers the loaded model generates side by side (1 without a model).
    pub fn parallel_slots(&self) -> usize {
        self.loaded.as_ref().map_or(1, |l| l.parallel)
    }

    /// Runs generations from `feed` in the model's slots until none is running or waiting.
    pub fn run_slots(&mut self, feed: &mut dyn SlotFeed) {
        let Some(loaded) = self.loaded.as_mut() else {
            for job in feed.poll() {
                feed.finished(job.id, job.observer, Err(EngineError::NoModel));
            }
            return;
        };
        let mut cache: Vec<Vec<LlamaToken>> =
            std::iter::once(std::mem::take(&mut loaded.cached_tokens)).chain(std::mem::take(&mut loaded.other_seqs)).collect();
        cache.resize(loaded.parallel, Vec::new());
        let mut run = Run { loaded, cache, slots: Vec::new(), waiting: VecDeque::new(), arrivals: 0, stand_ins: Vec::new() };
        run.slots.resize_with(run.cache.len(), || None);
        run.go(feed);
        let Run { loaded, mut cache, .. } = run;
        loaded.cached_tokens = std::mem::take(&mut cache[0]);
        loaded.other_seqs = cache.split_off(1);
    }
}

struct Run<'a> {
    loaded: &'a mut LoadedModel,
    /// The tokens each sequence's cells hold (a running answer's last token counts from when it
    /// was chosen).
    cache: Vec<Vec<LlamaToken>>,
    slots: Vec<Option<Slot>>,
    waiting: VecDeque<(u64, SlotJob)>,
    arrivals: u64,
    /// Stand-in cells in idle slots in this step's batch (sequence, position), removed after it.
    stand_ins: Vec<(usize, usize)>,
}

/// The token a stand-in cell holds; what it is does not matter, its cell is removed unread.
const STAND_IN: LlamaToken = LlamaToken(0);

/// llama.cpp attends over a sequence's cells in multiples of 256 (`llama_kv_cache::get_n_kv`).
fn pad_to_cells(n: usize) -> usize {
    n.div_ceil(256) * 256
}

impl Run<'_> {
    fn go(&mut self, feed: &mut dyn SlotFeed) {
        let n_batch = self.loaded.ctx.n_batch() as usize;
        let mut batch = LlamaBatch::new(n_batch.max(1), 1);
        loop {
            for job in feed.poll() {
                self.arrivals += 1;
                self.waiting.push_back((self.arrivals, job));
            }
            self.admit(feed);
            for seq in 0..self.slots.len() {
                if self.slots[seq].as_ref().is_some_and(|s| s.obs.cancelled()) {
                    self.end(feed, seq, Ok(StopReason::Cancelled));
                }
            }
            if self.slots.iter().all(Option::is_none) {
                if self.waiting.is_empty() {
                    return;
                }
                continue;
            }
            self.fill(&mut batch, n_batch);
            if batch.n_tokens() == 0 {
                continue;
            }
            let mark = llama_log::mark();
            if let Err(e) = self.loaded.ctx.decode(&mut batch) {
                let error = decode_error(mark, &e);
                self.stand_ins.clear();
                // What the failed batch left in the cache is unknown: every answer in it ends.
                self.loaded.ctx.clear_kv_cache();
                self.loaded.kept.live_lost();
                for seq in 0..self.slots.len() {
                    self.cache[seq].clear();
                    if self.slots[seq].is_some() {
                        self.end(feed, seq, Err(error.clone()));
                    }
                }
                continue;
            }
            self.remove_stand_ins();
            self.after_decode(feed);
        }
    }

    /// Starts waiting requests in free slots: the app's own (tagged) first, then in arrival order.
    fn admit(&mut self, feed: &mut dyn SlotFeed) {
        // Cancelled before they started: ended with nothing said.
        let mut i = 0;
        while i < self.waiting.len() {
            if self.waiting[i].1.observer.cancelled() {
                let (_, job) = self.waiting.remove(i).expect("index in range");
                feed.finished(job.id, job.observer, Ok(stats_with(StopReason::Cancelled)));
            } else {
                i += 1;
            }
        }
        let mut queued: Vec<(u64, SlotJob)> = self.waiting.drain(..).collect();
        queued.sort_by_key(|(arrival, job)| (job.request.keep_state_as.is_none(), *arrival));
        // As many as there are free slots; the rest wait, still in that order.
        let free = self.slots.iter().filter(|s| s.is_none()).count();
        self.waiting.extend(queued.split_off(free.min(queued.len())));
        for (arrival, job) in queued {
            self.start(feed, job, arrival);
        }
    }

    /// Puts one request into a free slot: its prompt fitted, the slot chosen, the reusable prefix
    /// kept and the rest of the cache for that sequence dropped. One that cannot start (a bad
    /// schema, a prompt over the slot's share, a stop while fitting) ends here.
    fn start(&mut self, feed: &mut dyn SlotFeed, job: SlotJob, arrival: u64) {
        let SlotJob { id, request: req, mut observer } = job;
        let started = Instant::now();
        let n_ctx = self.loaded.n_ctx_seq();
        let reserve = req.sampling.max_tokens.map_or(ANSWER_RESERVE, |m| m as usize).clamp(1, n_ctx / 4);
        let grammar = match tool_use::grammar(&req.sampling) {
            Ok(Some(g)) => match LlamaSampler::grammar(&self.loaded.model, &g, "root") {
                Ok(s) => Some(s),
                Err(e) => {
                    return feed.finished(
                        id,
                        observer,
                        Err(EngineError::BadRequest(format!("llama.cpp refused the grammar made from the schema: {e}"))),
                    )
                }
            },
            Ok(None) => None,
            Err(e) => return feed.finished(id, observer, Err(e)),
        };
        let forced_call = matches!(req.sampling.constraint, Some(OutputConstraint::ToolCall { .. }));
        let fitted = match fit_prompt(self.loaded, &req, reserve, observer.as_mut()) {
            Ok(Some(f)) => f,
            // Stopped while fitting a long prompt: a stopped answer with nothing said.
            Ok(None) => return feed.finished(id, observer, Ok(GenerationStats { total_ms: ms(started), ..stats_with(StopReason::Cancelled) })),
            Err(e) => return feed.finished(id, observer, Err(e)),
        };
        let FittedPrompt { tokens, dropped, template_notice } = fitted;

        let free: Vec<usize> = (0..self.slots.len()).filter(|&s| self.slots[s].is_none()).collect();
        let tagged = req.keep_state_as.is_some();
        let seq = if tagged && self.slots[0].is_none() {
            0
        } else {
            // The longest shared prefix; slot 0 last for untagged requests (it is the app's).
            *free
                .iter()
                .max_by_key(|&&s| (common_prefix(&self.cache[s], &tokens), s != 0 || tagged, std::cmp::Reverse(s)))
                .expect("a free slot was checked for")
        };
        let template_id = kept_states::template_id(&req.template);
        let mut reused_from = self.loaded.kept.prepare(&mut self.loaded.ctx, seq, &mut self.cache[seq], &tokens, &template_id);
        let reused = keep_common_prefix(&mut self.loaded.ctx, &mut self.cache[seq], &tokens, seq as i32, self.loaded.swa_window);
        if reused == 0 {
            reused_from = ReusedFrom::Nothing;
        }
        let picker = TokenPicker::new(&req.sampling, &self.loaded.info.sampling_defaults, self.loaded.model.n_vocab(), grammar);
        let stats = prompt_stats(tokens.len(), reused, reused_from, dropped, template_notice);
        self.slots[seq] = Some(Slot {
            id,
            arrival,
            answer: AnswerText::new(forced_call, started),
            req,
            obs: observer,
            tokens,
            evaluated: reused,
            picker,
            stats,
            template_id,
            started,
            pp_started: Instant::now(),
            next: None,
            output: None,
        });
    }

    /// The next batch, laid out so that llama.cpp runs it as few graphs as it can. With a cache
    /// per sequence, llama.cpp cuts a batch into micro-batches of *consecutive* sequence ids with
    /// equally many tokens each (`split_equal(…, sequential)`), so one idle slot between running
    /// ones made a step two graph runs, each as dear as a whole step where a step is bound by
    /// reading the weights (the H200 run: a real model's answers, ending at different lengths,
    /// left Hearth at one client's speed at 4 and 8 clients).
    ///
    /// So the batch opens with one token for every sequence from the lowest running one to the
    /// highest: a generating slot's next token, a prefilling slot's next prompt token, and for an
    /// idle slot in between a stand-in token at its next position, whose cell `remove_stand_ins`
    /// takes out again after the step. Then come the rest of the prompts, the app's first, then by
    /// arrival, up to the batch's size.
    fn fill(&mut self, batch: &mut LlamaBatch, n_batch: usize) {
        batch.clear();
        self.stand_ins.clear();
        for slot in self.slots.iter_mut().flatten() {
            slot.output = None;
        }
        let active = |slot: &Option<Slot>| slot.as_ref().is_some_and(|s| s.next.is_some() || s.evaluated < s.tokens.len());
        let lo = self.slots.iter().position(active);
        let hi = self.slots.iter().rposition(active);
        let (Some(lo), Some(hi)) = (lo, hi) else { return };
        // The longest cache among running slots after this step: a stand-in in a slot whose
        // cells reach further would make every sequence's attention span that many cells.
        let reach = (lo..=hi).filter(|&s| active(&self.slots[s])).map(|s| self.cache[s].len() + 1).max().unwrap_or(0);
        let can_stand_in = self.loaded.stand_ins_allowed();
        let n_ctx_seq = self.loaded.n_ctx_seq();
        for seq in lo..=hi {
            if batch.n_tokens() as usize >= n_batch {
                break;
            }
            match self.slots[seq].as_mut() {
                Some(slot) if slot.next.is_some() => {
                    let token = slot.next.take().expect("checked");
                    let pos = self.cache[seq].len() - 1;
                    if batch.add(token, pos as i32, &[seq as i32], true).is_err() {
                        slot.next = Some(token);
                        continue;
                    }
                    slot.output = Some(batch.n_tokens() - 1);
                }
                Some(slot) if slot.evaluated < slot.tokens.len() => {
                    let i = slot.evaluated;
                    let last = i == slot.tokens.len() - 1;
                    if batch.add(slot.tokens[i], i as i32, &[seq as i32], last).is_err() {
                        continue;
                    }
                    self.cache[seq].push(slot.tokens[i]);
                    slot.evaluated += 1;
                    if last {
                        slot.output = Some(batch.n_tokens() - 1);
                    }
                }
                _ => {
                    let pos = self.cache[seq].len();
                    let fits = pos + 1 < n_ctx_seq && pad_to_cells(pos + 1) <= pad_to_cells(reach);
                    if can_stand_in && fits && batch.add(STAND_IN, pos as i32, &[seq as i32], false).is_ok() {
                        self.stand_ins.push((seq, pos));
                    }
                }
            }
        }
        let mut prefilling: Vec<usize> =
            (0..self.slots.len()).filter(|&s| self.slots[s].as_ref().is_some_and(|slot| slot.evaluated < slot.tokens.len())).collect();
        prefilling.sort_by_key(|&s| self.slots[s].as_ref().map(|slot| (!slot.tagged(), slot.arrival)));
        for seq in prefilling {
            let room = n_batch.saturating_sub(batch.n_tokens() as usize);
            if room == 0 {
                break;
            }
            let (start, end) = {
                let slot = self.slots[seq].as_ref().expect("prefilling");
                (slot.evaluated, (slot.evaluated + room).min(slot.tokens.len()))
            };
            let slot = self.slots[seq].as_mut().expect("prefilling");
            let last = slot.tokens.len() - 1;
            for i in start..end {
                if batch.add(slot.tokens[i], i as i32, &[seq as i32], i == last).is_err() {
                    break;
                }
            }
            self.cache[seq].extend_from_slice(&slot.tokens[start..end]);
            slot.evaluated = end;
            if end == slot.tokens.len() {
                slot.output = Some(batch.n_tokens() - 1);
            }
        }
    }

    /// Removes the stand-in cells `fill` put into idle slots: their caches are as before.
    fn remove_stand_ins(&mut self) {
        for (seq, pos) in std::mem::take(&mut self.stand_ins) {
            if !matches!(self.loaded.ctx.clear_kv_cache_seq(Some(seq as u32), Some(pos as u32), None), Ok(true)) {
                // Not removable: forget the slot's cells rather than keep one that is not its own.
                let _ = self.loaded.ctx.clear_kv_cache_seq(Some(seq as u32), None, None);
                self.cache[seq].clear();
                self.loaded.kept.seq_lost(seq);
            }
        }
    }

    /// Each slot whose logits came out: the prompt's end noted, the next token chosen.
    fn after_decode(&mut self, feed: &mut dyn SlotFeed) {
        let n_ctx = self.loaded.n_ctx_seq();
        for seq in 0..self.slots.len() {
            let Some(slot) = self.slots[seq].as_mut() else { continue };
            let Some(idx) = slot.output.take() else { continue };
            if slot.stats.prompt_evaluated == 0 && slot.stats.gen_tokens == 0 {
                let secs = slot.pp_started.elapsed().as_secs_f64();
                slot.stats.prompt_evaluated = (slot.tokens.len() - slot.stats.cached_tokens as usize) as u32;
                slot.stats.pp_tps = if secs > 0.0 { slot.stats.prompt_evaluated as f64 / secs } else { 0.0 };
                slot.obs.prompt_done(slot.stats.prompt_tokens, slot.stats.cached_tokens);
            }
            let stop = if slot.obs.cancelled() {
                Some(StopReason::Cancelled)
            } else if slot.req.sampling.max_tokens.is_some_and(|m| slot.stats.gen_tokens >= m) {
                Some(StopReason::MaxTokens)
            } else if self.cache[seq].len() >= n_ctx {
                Some(StopReason::ContextFull)
            } else {
                None
            };
            if let Some(reason) = stop {
                self.end(feed, seq, Ok(reason));
                continue;
            }
            let token = slot.picker.pick(&self.loaded.ctx, idx);
            let vocab = self.loaded.model.vocab();
            if vocab.is_eog(token) {
                self.end(feed, seq, Ok(StopReason::EndOfTurn));
                continue;
            }
            slot.answer.put(&vocab, token, &mut slot.stats, slot.obs.as_mut());
            self.cache[seq].push(token);
            slot.next = Some(token);
            // The answer's last token is not decoded (`end` drops its cell from the record).
            if slot.req.sampling.max_tokens.is_some_and(|m| slot.stats.gen_tokens >= m) {
                self.end(feed, seq, Ok(StopReason::MaxTokens));
            }
        }
    }

    /// Ends the answer in slot `seq`: the rest of its text out, its result handed over, and a
    /// conversation's state kept as after a lone answer.
    fn end(&mut self, feed: &mut dyn SlotFeed, seq: usize, result: Result<StopReason, EngineError>) {
        let Some(slot) = self.slots[seq].take() else { return };
        let Slot { id, req, mut obs, answer, mut stats, template_id, started, next, .. } = slot;
        if next.is_some() {
            // Chosen but never decoded: its cell does not exist.
            self.cache[seq].pop();
        }
        let result = match result {
            Ok(reason) => {
                answer.finish(&req.sampling, reason, &mut stats, obs.as_mut());
                stats.total_ms = ms(started);
                Ok(stats)
            }
            Err(e) => Err(e),
        };
        self.loaded.kept.answered(seq, req.keep_state_as.as_deref(), &template_id);
        let done = result.is_ok();
        feed.finished(id, obs, result);
        if done {
            self.loaded.kept.keep_answered(&self.loaded.ctx, seq, &self.cache[seq]);
        }
    }
}
