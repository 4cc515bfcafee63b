//! One chat turn: render and fit the prompt, reuse the KV cache prefix, evaluate, sample and
//! stream text. Timing is measured here, inside the engine, so the app's IPC is not counted
//! as model speed.

use std::time::Instant;

use hearth_protocol::{
    ChatMessage, DraftKind, GenerationStats, OutputConstraint, ReusedFrom, SamplingSettings, StopReason, TemplateChoice, ToolCall,
};
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::vocab::LlamaVocab;

use crate::chat_prompt::trim_to_fit;
use crate::draft::{Drafter, NgramDraft};
use crate::kept_states;
use crate::loaded_model::LoadedModel;
use crate::tool_use;
use crate::{llama_log, Engine, EngineError};

pub struct GenerationRequest {
    pub messages: Vec<ChatMessage>,
    pub sampling: SamplingSettings,
    pub template: TemplateChoice,
    /// Keep the sequence state after the answer under this name (a conversation's).
    pub keep_state_as: Option<String>,
}

/// Receives a generation as it happens.
pub trait GenerationObserver {
    fn trimmed(&mut self, dropped_messages: u32);
    /// The prompt is evaluated: its length, and how many of its tokens were reused.
    fn prompt_done(&mut self, prompt_tokens: u32, cached_tokens: u32);
    fn token(&mut self, text: &str);
    /// Polled between batches and tokens.
    fn cancelled(&self) -> bool;
    /// The exact text handed to the tokenizer, and why the model's own template was not used.
    fn prompt_rendered(&mut self, _prompt: &str, _template_notice: Option<&str>) {}
    /// The call a constrained answer (`OutputConstraint::ToolCall`) wrote; its text is not
    /// passed to `token`.
    fn tool_call(&mut self, _call: ToolCall) {}
    /// The generation is over: flush what is held back; a notice about calls kept as text.
    fn end(&mut self) -> Option<String> {
        None
    }
}

/// Tokens kept free for the answer when deciding whether old turns must go.
pub(crate) const ANSWER_RESERVE: usize = 256;
const LLAMA_DEFAULT_SEED: u32 = 0xFFFF_FFFF;

impl Engine {
    pub fn generate(&mut self, req: &GenerationRequest, obs: &mut dyn GenerationObserver) -> Result<GenerationStats, EngineError> {
        let started = Instant::now();
        let loaded = self.loaded.as_mut().ok_or(EngineError::NoModel)?;
        let n_ctx = loaded.n_ctx_seq();
        let reserve = req.sampling.max_tokens.map_or(ANSWER_RESERVE, |m| m as usize).clamp(1, n_ctx / 4);
        // A constrained answer's grammar, made before any work so that a bad schema costs nothing.
        let grammar = match tool_use::grammar(&req.sampling)? {
            Some(g) => Some(
                LlamaSampler::grammar(&loaded.model, &g, "root")
                    .map_err(|e| EngineError::BadRequest(format!("llama.cpp refused the grammar made from the schema: {e}")))?,
            ),
            None => None,
        };
        let forced_call = matches!(req.sampling.constraint, Some(OutputConstraint::ToolCall { .. }));

        let Some(FittedPrompt { tokens, dropped, template_notice }) = fit_prompt(loaded, req, reserve, obs)? else {
            // Stopped while fitting a long prompt: a stopped generation with nothing said.
            return Ok(GenerationStats { total_ms: ms(started), ..stats_with(StopReason::Cancelled) });
        };

        // A state kept after an earlier answer (this conversation's before a switch, a reload or
        // a restart) replaces the live cache when it holds more of this prompt.
        let template_id = kept_states::template_id(&req.template);
        let mut reused_from = loaded.kept.prepare(&mut loaded.ctx, 0, &mut loaded.cached_tokens, &tokens, &template_id);
        // Reuse the longest cached prefix; at least the last prompt token is evaluated again
        // because its logits are needed.
        let reused = keep_common_prefix(&mut loaded.ctx, &mut loaded.cached_tokens, &tokens, 0, loaded.swa_window);
        if reused == 0 {
            reused_from = ReusedFrom::Nothing;
        }

        let n_batch = loaded.ctx.n_batch() as usize;
        let mut batch = LlamaBatch::new(n_batch.max(1), 1);
        let pp_started = Instant::now();
        let mark = llama_log::mark();
        let mut stats = prompt_stats(tokens.len(), reused, reused_from, dropped, template_notice);
        for start in (reused..tokens.len()).step_by(n_batch) {
            if obs.cancelled() {
                stats.total_ms = ms(started);
                loaded.kept.answered(0, req.keep_state_as.as_deref(), &template_id);
                return Ok(stats);
            }
            let end = (start + n_batch).min(tokens.len());
            batch.clear();
            for (i, &t) in tokens.iter().enumerate().take(end).skip(start) {
                batch.add(t, i as i32, &[0], i == tokens.len() - 1).map_err(|e| EngineError::Internal(e.to_string()))?;
            }
            if let Err(e) = loaded.ctx.decode(&mut batch) {
                loaded.cached_tokens.clear();
                loaded.ctx.clear_kv_cache();
                loaded.kept.live_lost();
                return Err(decode_error(mark, &e));
            }
            loaded.cached_tokens.extend_from_slice(&tokens[start..end]);
        }
        let pp_secs = pp_started.elapsed().as_secs_f64();
        stats.prompt_evaluated = (tokens.len() - reused) as u32;
        stats.pp_tps = if pp_secs > 0.0 { stats.prompt_evaluated as f64 / pp_secs } else { 0.0 };
        obs.prompt_done(stats.prompt_tokens, stats.cached_tokens);

        let mut picker = TokenPicker::new(&req.sampling, &loaded.info.sampling_defaults, loaded.model.n_vocab(), grammar);
        // Drafts are checked by greedy agreement, so only a plain greedy answer takes them (the
        // text is then the same as without).
        let draft = req.sampling.draft.unwrap_or(loaded.draft);
        let greedy = picker.is_plain_greedy() && !forced_call;
        let mut drafter = match (draft, loaded.draft_model.as_mut()) {
            (DraftKind::Ngram, _) if greedy => Some(Drafter::Ngram(NgramDraft::default())),
            (DraftKind::Model, Some(model)) if greedy => Some(Drafter::Model { model, tally: NgramDraft::default() }),
            _ => None,
        };
        let vocab = loaded.model.vocab();
        let mut pos = tokens.len();
        let mut answer = AnswerText::new(forced_call, started);
        // The batch output whose logits choose the next token.
        let mut next_output = batch.n_tokens() - 1;
        // The last step's start and the drafts it checked: timed once its logits are read (on a
        // GPU `decode` returns before the work is done).
        let mut timed_step: Option<(Instant, usize)> = None;
        let stop_reason = loop {
            if obs.cancelled() {
                break StopReason::Cancelled;
            }
            if req.sampling.max_tokens.is_some_and(|m| stats.gen_tokens >= m) {
                break StopReason::MaxTokens;
            }
            if pos >= n_ctx {
                break StopReason::ContextFull;
            }
            let token = picker.pick(&loaded.ctx, next_output);
            if let (Some((step_started, checked)), Some(drafter)) = (timed_step.take(), drafter.as_mut()) {
                drafter.record_time(step_started.elapsed().as_secs_f64(), checked);
            }
            if vocab.is_eog(token) {
                break StopReason::EndOfTurn;
            }
            answer.put(&vocab, token, &mut stats, obs);
            // The answer's last token is not decoded: nothing would read its logits (a decode
            // step per request, the gap to llama-server with short answers: bench/RESULTS.md).
            if req.sampling.max_tokens.is_some_and(|m| stats.gen_tokens >= m) {
                break StopReason::MaxTokens;
            }
            loaded.cached_tokens.push(token);
            let step_started = Instant::now();

            // Draft tokens ride in the same batch: room for them in the context, the answer's
            // token budget and the batch.
            let budget_left = req.sampling.max_tokens.map_or(usize::MAX, |m| m.saturating_sub(stats.gen_tokens) as usize);
            let room = (n_ctx - pos - 1).min(budget_left).min(n_batch - 1);
            let drafts = drafter.as_mut().map(|d| d.propose(&loaded.cached_tokens, room)).unwrap_or_default();
            batch.clear();
            batch.add(token, pos as i32, &[0], true).map_err(|e| EngineError::Internal(e.to_string()))?;
            for (i, &d) in drafts.iter().enumerate() {
                batch.add(d, (pos + 1 + i) as i32, &[0], true).map_err(|e| EngineError::Internal(e.to_string()))?;
            }
            if let Err(e) = loaded.ctx.decode(&mut batch) {
                loaded.cached_tokens.clear();
                loaded.ctx.clear_kv_cache();
                loaded.kept.live_lost();
                return Err(decode_error(mark, &e));
            }
            pos += 1;
            next_output = 0;
            if drafts.is_empty() {
                timed_step = Some((step_started, 0));
                continue;
            }
            // Output i predicts the token after draft i - 1: a draft is kept while it is the
            // model's own greedy choice (an end of turn is left for the next pick to see).
            let mut accepted = 0;
            for (i, &d) in drafts.iter().enumerate() {
                let own = LlamaToken(first_argmax(loaded.ctx.get_logits_ith(i as i32)) as i32);
                if own != d || vocab.is_eog(d) || obs.cancelled() {
                    break;
                }
                answer.put(&vocab, d, &mut stats, obs);
                loaded.cached_tokens.push(d);
                pos += 1;
                accepted += 1;
                next_output = (i + 1) as i32;
            }
            if let Some(drafter) = drafter.as_mut() {
                drafter.record(drafts.len(), accepted);
            }
            timed_step = Some((step_started, drafts.len()));
            // The cells of the drafts the model did not keep go.
            if accepted < drafts.len() && !matches!(loaded.ctx.clear_kv_cache_seq(Some(0), Some(pos as u32), None), Ok(true)) {
                loaded.cached_tokens.clear();
                loaded.ctx.clear_kv_cache();
                loaded.kept.live_lost();
                return Err(EngineError::DecodeFailed("this model's cache cannot drop rejected draft tokens: turn speculative decoding off".into()));
            }
        };
        stats.draft = drafter.as_ref().map(Drafter::stats);
        answer.finish(&req.sampling, stop_reason, &mut stats, obs);
        loaded.kept.answered(0, req.keep_state_as.as_deref(), &template_id);
        Ok(stats)
    }
}

impl Engine {
    /// Copies the last answer's state out (see `generate`'s `keep_state_as`): called after the
    /// answer has gone to the app, so the copy does not delay its end.
    pub fn keep_answered_state(&mut self) {
        if let Some(loaded) = self.loaded.as_mut() {
            loaded.kept.keep_answered(&loaded.ctx, 0, &loaded.cached_tokens);
        }
    }
}

/// A failed `llama_decode`, explained from llama.cpp's log since `mark`: out of memory, or why.
pub(crate) fn decode_error(mark: u64, e: &dyn std::fmt::Display) -> EngineError {
    match llama_log::failure_since(mark, &e.to_string()) {
        (true, why) => EngineError::OutOfMemory(format!("out of memory while evaluating: {why}")),
        (false, why) => EngineError::DecodeFailed(why),
    }
}

/// Statistics with nothing counted yet.
pub(crate) fn stats_with(stop_reason: StopReason) -> GenerationStats {
    GenerationStats {
        prompt_tokens: 0,
        prompt_evaluated: 0,
        cached_tokens: 0,
        reused_from: ReusedFrom::Nothing,
        gen_tokens: 0,
        ttft_ms: 0.0,
        pp_tps: 0.0,
        tg_tps: 0.0,
        total_ms: 0.0,
        dropped_messages: 0,
        stop_reason,
        template_notice: None,
        tool_call_notice: None,
        draft: None,
    }
}

/// What sequence `seq`'s cells (whose tokens are `cached`) keep for a prompt of `tokens`: their
/// longest common prefix, short of the last prompt token (whose logits are needed); the rest of
/// the sequence's cells go. Returns the number of tokens kept.
pub(crate) fn keep_common_prefix(
    ctx: &mut llama_cpp_2::context::LlamaContext<'static>,
    cached: &mut Vec<LlamaToken>,
    tokens: &[LlamaToken],
    seq: i32,
    swa_window: usize,
) -> usize {
    let mut reused = kept_states::common_prefix(cached, tokens).min(tokens.len().saturating_sub(1));
    // Sliding-window layers have dropped positions older than about window + ubatch from the
    // end of the cache: the prefix is reusable only if the `window` positions before the cut
    // are still there (llama-server's rule). Otherwise evaluate the whole prompt again.
    if reused > 0 && swa_window > 0 {
        let pos_min = ctx.kv_cache_seq_pos_min(seq);
        if pos_min > 0 && pos_min as usize > reused.saturating_sub(swa_window) {
            reused = 0;
        }
    }
    if !matches!(ctx.clear_kv_cache_seq(Some(seq as u32), Some(reused as u32), None), Ok(true)) {
        let _ = ctx.clear_kv_cache_seq(Some(seq as u32), None, None);
        reused = 0;
    }
    cached.truncate(reused);
    reused
}

/// A generation's statistics once its prompt is known, nothing generated yet.
pub(crate) fn prompt_stats(prompt: usize, reused: usize, reused_from: ReusedFrom, dropped: u32, template_notice: Option<String>) -> GenerationStats {
    GenerationStats {
        prompt_tokens: prompt as u32,
        cached_tokens: reused as u32,
        reused_from,
        dropped_messages: dropped,
        template_notice,
        ..stats_with(StopReason::Cancelled)
    }
}

/// A request's prompt rendered with its template, old turns dropped until it fits the context
/// with room for the answer, and tokenized.
pub(crate) struct FittedPrompt {
    pub tokens: Vec<LlamaToken>,
    pub dropped: u32,
    pub template_notice: Option<String>,
}

/// `Ok(None)`: stopped while fitting (a long prompt can take a while to bisect).
pub(crate) fn fit_prompt(
    loaded: &LoadedModel,
    req: &GenerationRequest,
    reserve: usize,
    obs: &mut dyn GenerationObserver,
) -> Result<Option<FittedPrompt>, EngineError> {
    let n_ctx = loaded.n_ctx_seq();
    let mut tokens = Vec::new();
    let mut rendered = None;
    let trimmed = trim_to_fit(
        &req.messages,
        |msgs| {
            let r = loaded.prompt.render(&loaded.model, &req.template, msgs, &req.sampling)?;
            tokens = loaded.model.vocab().tokenize(r.text.as_bytes(), !r.includes_bos, true);
            rendered = Some(r);
            Ok(tokens.len() + reserve <= n_ctx)
        },
        || obs.cancelled(),
    );
    let (kept, dropped) = match trimmed {
        Err(EngineError::Cancelled) => return Ok(None),
        Err(EngineError::ContextOverflow(_)) if loaded.parallel > 1 => {
            return Err(EngineError::ContextOverflow(format!(
                "the last message alone does not fit one answer's share of the context ({n_ctx} tokens: {} shared by {} parallel answers); \
                 shorten it, or load the model with a longer context or fewer parallel answers",
                loaded.ctx.n_ctx(),
                loaded.parallel
            )))
        }
        other => other?,
    };
    if dropped > 0 {
        // The bisection's last render may have been of a candidate that did not fit.
        let r = loaded.prompt.render(&loaded.model, &req.template, &kept, &req.sampling)?;
        tokens = loaded.model.vocab().tokenize(r.text.as_bytes(), !r.includes_bos, true);
        rendered = Some(r);
    }
    let template_notice = rendered.as_ref().and_then(|r| r.notice.clone());
    if let Some(r) = &rendered {
        obs.prompt_rendered(&r.text, r.notice.as_deref());
    }
    if dropped > 0 {
        obs.trimmed(dropped);
    }
    if tokens.is_empty() {
        return Err(EngineError::TemplateFailed("the prompt rendered to nothing".into()));
    }
    Ok(Some(FittedPrompt { tokens, dropped, template_notice }))
}

/// The answer's text as tokens come: bytes held until they complete a character, a forced
/// call's text gathered instead of streamed, and the timing of the first and last token.
pub(crate) struct AnswerText {
    forced_call: bool,
    call_text: String,
    pending: Vec<u8>,
    piece: Vec<u8>,
    started: Instant,
    first_token_at: Option<Instant>,
    last_token_at: Instant,
}

impl AnswerText {
    pub(crate) fn new(forced_call: bool, started: Instant) -> AnswerText {
        AnswerText {
            forced_call,
            call_text: String::new(),
            pending: Vec::new(),
            piece: Vec::new(),
            started,
            first_token_at: None,
            last_token_at: started,
        }
    }

    /// One generated token out: counted, its text streamed (or gathered for a forced call).
    pub(crate) fn put(&mut self, vocab: &LlamaVocab, token: LlamaToken, stats: &mut GenerationStats, obs: &mut dyn GenerationObserver) {
        stats.gen_tokens += 1;
        self.piece.clear();
        vocab.token_to_piece_into(token, &mut self.piece, true, None);
        self.pending.extend_from_slice(&self.piece);
        let ready = complete_utf8_prefix(&self.pending);
        if ready > 0 {
            let text = String::from_utf8_lossy(&self.pending[..ready]);
            if self.forced_call {
                self.call_text.push_str(&text);
            } else {
                obs.token(&text);
            }
            self.pending.drain(..ready);
        }
        let now = Instant::now();
        if self.first_token_at.is_none() {
            self.first_token_at = Some(now);
            stats.ttft_ms = (now - self.started).as_secs_f64() * 1000.0;
        }
        self.last_token_at = now;
    }

    /// The answer's end: what is still held goes out, a forced call is handed over as a call,
    /// and the generation speed is reckoned from the first token to the last.
    pub(crate) fn finish(
        mut self,
        sampling: &SamplingSettings,
        stop_reason: StopReason,
        stats: &mut GenerationStats,
        obs: &mut dyn GenerationObserver,
    ) {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending).into_owned();
            if self.forced_call {
                self.call_text.push_str(&text);
            } else {
                obs.token(&text);
            }
        }
        if self.forced_call && stop_reason != StopReason::Cancelled {
            match tool_use::forced_call(sampling, &self.call_text) {
                Ok(call) => obs.tool_call(call),
                // Cut off by max_tokens before the JSON closed: the text stays, with the reason.
                Err(why) => {
                    obs.token(&self.call_text);
                    stats.tool_call_notice = Some(format!("{why}; the text was kept"));
                }
            }
        }
        if let Some(first) = self.first_token_at {
            let secs = (self.last_token_at - first).as_secs_f64();
            if stats.gen_tokens > 1 && secs > 0.0 {
                stats.tg_tps = (stats.gen_tokens - 1) as f64 / secs;
            }
        }
        stats.stop_reason = stop_reason;
        stats.total_ms = ms(self.started);
    }
}

pub(crate) fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Chooses each next token. Greedy decoding without a repeat penalty is an argmax over the logits:
/// llama.cpp's sampler chain would first copy every logit into a candidate array, which costs
/// about a millisecond per token on a 262k vocabulary (Gemma 3) — a few percent of generation.
/// A grammar (a constrained answer) is checked as llama.cpp's own `common_sampler_sample` does:
/// the unconstrained choice alone first, and only when the grammar rejects it is the grammar run
/// over the whole vocabulary and the choice made again (a grammar pass over 49k candidates for
/// every token made a 14-tool schema 30x slower).
pub(crate) struct TokenPicker {
    base: BasePicker,
    grammar: Option<LlamaSampler>,
}

enum BasePicker {
    Argmax,
    Chain(LlamaSampler),
}

impl TokenPicker {
    /// `grammar`: a grammar sampler the answer must follow.
    pub(crate) fn new(s: &SamplingSettings, model: &SamplingSettings, n_vocab: i32, grammar: Option<LlamaSampler>) -> TokenPicker {
        let temperature = s.temperature.or(model.temperature).unwrap_or(0.8);
        let repeat = s.repeat_penalty.or(model.repeat_penalty).unwrap_or(1.0);
        let base = if temperature <= 0.0 && (repeat - 1.0).abs() <= f32::EPSILON {
            BasePicker::Argmax
        } else {
            BasePicker::Chain(build_sampler(s, model, n_vocab))
        };
        TokenPicker { base, grammar }
    }

    /// Greedy with nothing else (no penalties, no grammar): drafts can be checked by argmax.
    pub(crate) fn is_plain_greedy(&self) -> bool {
        matches!(self.base, BasePicker::Argmax) && self.grammar.is_none()
    }

    /// The token after the output at `idx` (-1: the last one).
    pub(crate) fn pick(&mut self, ctx: &llama_cpp_2::context::LlamaContext, idx: i32) -> LlamaToken {
        let Some(grammar) = self.grammar.as_mut() else {
            return match &mut self.base {
                BasePicker::Chain(sampler) => sampler.sample(ctx, idx),
                BasePicker::Argmax => LlamaToken(first_argmax(ctx.get_logits_ith(idx)) as i32),
            };
        };
        let choose = |base: &mut BasePicker, mut candidates: LlamaTokenDataArray| match base {
            BasePicker::Argmax => {
                let logits: Vec<f32> = candidates.data.iter().map(|d| d.logit()).collect();
                candidates.data[first_argmax(&logits)].id()
            }
            BasePicker::Chain(sampler) => {
                candidates.apply_sampler(sampler);
                candidates.selected_token().unwrap_or_else(|| candidates.data[0].id())
            }
        };
        // The free pick: a greedy one straight from the logits (no copy of the vocabulary).
        let free = match &self.base {
            BasePicker::Argmax => LlamaToken(first_argmax(ctx.get_logits_ith(idx)) as i32),
            BasePicker::Chain(_) => choose(&mut self.base, ctx.token_data_array_ith(idx)),
        };
        let logit = ctx.get_logits_ith(idx).get(free.0 as usize).copied().unwrap_or(0.0);
        let mut alone = LlamaTokenDataArray::new(vec![LlamaTokenData::new(free, logit, 0.0)], false);
        grammar.apply(&mut alone);
        let token = if alone.data[0].logit().is_finite() {
            free
        } else {
            let mut all = ctx.token_data_array_ith(idx);
            grammar.apply(&mut all);
            choose(&mut self.base, all)
        };
        grammar.accept(token);
        if let BasePicker::Chain(sampler) = &mut self.base {
            sampler.accept(token);
        }
        token
    }
}

/// The index of the first maximum, as llama.cpp's greedy sampler picks. Per token this runs over
/// the whole vocabulary (49k-262k logits): a plain loop that compares against the best so far
/// cannot be vectorized and cost 2.6 % of generation speed on an H100 (30 us a token, 1B model).
/// Here the maximum of each 64-logit block is found with independent lanes (vectorized), and only
/// the block that holds the maximum is searched for its first position.
pub(crate) fn first_argmax(xs: &[f32]) -> usize {
    const BLOCK: usize = 64;
    const LANES: usize = 16;
    let mut best = f32::NEG_INFINITY;
    let mut best_block = 0;
    for (b, block) in xs.chunks(BLOCK).enumerate() {
        let mut lanes = [f32::NEG_INFINITY; LANES];
        let mut rows = block.chunks_exact(LANES);
        for row in &mut rows {
            for i in 0..LANES {
                lanes[i] = if row[i] > lanes[i] { row[i] } else { lanes[i] };
            }
        }
        let mut m = rows.remainder().iter().fold(f32::NEG_INFINITY, |a, &x| if x > a { x } else { a });
        for l in lanes {
            if l > m {
                m = l;
            }
        }
        if m > best {
            best = m;
            best_block = b;
        }
    }
    let start = best_block * BLOCK;
    let end = (start + BLOCK).min(xs.len());
    start + xs[start..end].iter().position(|&x| x == best).unwrap_or(0)
}

fn build_sampler(s: &SamplingSettings, model: &SamplingSettings, n_vocab: i32) -> LlamaSampler {
    let temperature = s.temperature.or(model.temperature).unwrap_or(0.8);
    let repeat = s.repeat_penalty.or(model.repeat_penalty).unwrap_or(1.0);
    let mut chain = Vec::new();
    if (repeat - 1.0).abs() > f32::EPSILON {
        chain.push(LlamaSampler::penalties(n_vocab, 64, repeat, 0.0, 0.0));
    }
    if temperature <= 0.0 {
        chain.push(LlamaSampler::greedy());
    } else {
        chain.push(LlamaSampler::top_k(s.top_k.or(model.top_k).unwrap_or(40)));
        chain.push(LlamaSampler::top_p(s.top_p.or(model.top_p).unwrap_or(0.95), 1));
        chain.push(LlamaSampler::min_p(s.min_p.or(model.min_p).unwrap_or(0.05), 1));
        chain.push(LlamaSampler::temp(temperature));
        chain.push(LlamaSampler::dist(s.seed.unwrap_or(LLAMA_DEFAULT_SEED)));
    }
    LlamaSampler::chain_simple(chain)
}

/// Length of the longest prefix that is complete UTF-8: a character can span two tokens, and
/// half a character must wait for its other half. Invalid bytes are passed through as they come.
pub(crate) fn complete_utf8_prefix(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        // An invalid sequence goes out too (shown as U+FFFD) rather than blocking the stream.
        Err(e) => e.valid_up_to() + e.error_len().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::{complete_utf8_prefix, first_argmax};

    #[test]
    fn first_argmax_is_the_first_maximum_as_a_plain_scan_finds_it() {
        let plain = |xs: &[f32]| {
            let mut best = 0;
            for (i, &x) in xs.iter().enumerate() {
                if x > xs[best] {
                    best = i;
                }
            }
            best
        };
        let mut seed = 7u64;
        for len in [1usize, 15, 16, 17, 63, 64, 65, 1000, 49152, 49153] {
            for ties in [false, true] {
                let xs: Vec<f32> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        let v = (seed >> 40) as f32 / 1e4;
                        if ties {
                            v.round().min(900.0)
                        } else {
                            v
                        }
                    })
                    .collect();
                assert_eq!(first_argmax(&xs), plain(&xs), "len {len} ties {ties}");
            }
        }
        assert_eq!(first_argmax(&[f32::NEG_INFINITY, f32::NEG_INFINITY]), 0);
        assert_eq!(first_argmax(&[1.0, f32::NAN, 3.0, 3.0]), 2);
    }

    #[test]
    fn a_split_character_waits_for_its_second_half() {
        let snowman = "a☃".as_bytes();
        assert_eq!(complete_utf8_prefix(&snowman[..2]), 1);
        assert_eq!(complete_utf8_prefix(snowman), 4);
    }
}
