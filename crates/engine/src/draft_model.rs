//! Speculative decoding's drafts from a smaller model with the same vocabulary (issue 18, part 2;
//! llama.cpp's `--model-draft`): e.g. gpt-oss-20b drafting for gpt-oss-120b. The draft model
//! runs beside the target in the engine, with a context of its own that follows the target's
//! tokens; each step it writes a few greedy tokens, which the target checks in one batch as it
//! does prompt-lookup drafts (`draft.rs`): under greedy decoding only the tokens the target
//! would have written itself are kept, so the answer is the target's.
//!
//! A draft model is accepted only when its vocabulary is the target's, by llama.cpp's own rule
//! (`common_speculative_are_compatible`): the same tokenizer type, the same BOS/EOS use, sizes
//! within 128 tokens, and the same text for every token from id 5 on.

use std::num::NonZeroU32;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;

use crate::generation::first_argmax;
use crate::kept_states::common_prefix;
use crate::EngineError;

/// llama.cpp's `SPEC_VOCAB_MAX_SIZE_DIFFERENCE` and `SPEC_VOCAB_CHECK_START_TOKEN_ID`.
const MAX_VOCAB_DIFFERENCE: i32 = 128;
const CHECK_FROM_TOKEN: i32 = 5;
/// Tokens drafted at most per step.
pub(crate) const MAX_MODEL_DRAFT: usize = 12;
/// A draft stops at a token the draft model gives less than this probability: the target would
/// likely reject it, and every checked token widens the target's batch.
const MIN_DRAFT_PROBABILITY: f32 = 0.5;

pub(crate) struct DraftModel {
    // Declared first so that it drops before the model it borrows.
    ctx: LlamaContext<'static>,
    model: Box<LlamaModel>,
    /// The tokens whose cells the draft context holds.
    cached: Vec<LlamaToken>,
    pub name: String,
}

impl DraftModel {
    /// Loads `path` as the draft model for `target`, on the same devices; refused with the reason
    /// when its vocabulary is not the target's.
    pub(crate) fn load(
        path: &std::path::Path,
        target: &LlamaModel,
        model_params: &LlamaModelParams,
        ctx_params: LlamaContextParams,
    ) -> Result<DraftModel, EngineError> {
        let backend = crate::loaded_model::backend()?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        crate::loaded_model::open_gguf(path)?;
        let model = LlamaModel::load_from_file(backend, path, model_params)
            .map_err(|e| EngineError::LoadFailed(format!("the draft model {name} did not load: {e}")))?;
        if let Err(why) = same_vocabulary(target, &model) {
            return Err(EngineError::InvalidModel(format!("{name} cannot draft for this model: its vocabulary differs ({why})")));
        }
        let model = Box::new(model);
        let ctx = model.new_context(backend, ctx_params).map_err(|e| EngineError::ContextFailed(format!("the draft model {name}'s context: {e}")))?;
        // SAFETY: `ctx` borrows the boxed model, whose heap address never changes; `DraftModel`
        // declares `ctx` before `model`, so the context is dropped first.
        let ctx: LlamaContext<'static> = unsafe { std::mem::transmute(ctx) };
        Ok(DraftModel { ctx, model, cached: Vec::new(), name })
    }

    /// Lets the draft context compute with the target's worker threads (they never compute at
    /// the same time).
    pub(crate) fn share_thread_pool(&self, pool: &crate::thread_pool::ThreadPool) {
        // Where it cannot be reached, the draft context keeps ggml's pool per graph.
        let _ = pool.attach_to(&self.ctx);
    }

    /// Up to `max` tokens the draft model writes greedily after `context` (the target's tokens,
    /// ending with the one just chosen), stopping at one it is unsure of. Empty on any failure:
    /// drafting only ever saves work.
    pub(crate) fn propose(&mut self, context: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
        let max = max.min(MAX_MODEL_DRAFT);
        if max == 0 || context.is_empty() || context.len() + max >= self.ctx.n_ctx() as usize {
            return Vec::new();
        }
        match self.draft(context, max) {
            Ok(drafts) => drafts,
            Err(_) => {
                // Whatever the failed batch left is unknown: start the draft context afresh.
                self.ctx.clear_kv_cache();
                self.cached.clear();
                Vec::new()
            }
        }
    }

    fn draft(&mut self, context: &[LlamaToken], max: usize) -> Result<Vec<LlamaToken>, String> {
        // Keep the cells the draft context shares with the target's tokens; decode the rest.
        let keep = common_prefix(&self.cached, context).min(context.len() - 1);
        if !matches!(self.ctx.clear_kv_cache_seq(Some(0), Some(keep as u32), None), Ok(true)) {
            return Err("the draft context cannot drop cells".into());
        }
        self.cached.truncate(keep);
        let n_batch = (self.ctx.n_batch() as usize).max(1);
        let mut batch = LlamaBatch::new(n_batch, 1);
        for start in (keep..context.len()).step_by(n_batch) {
            let end = (start + n_batch).min(context.len());
            batch.clear();
            for (i, &t) in context.iter().enumerate().take(end).skip(start) {
                batch.add(t, i as i32, &[0], i == context.len() - 1).map_err(|e| e.to_string())?;
            }
            self.ctx.decode(&mut batch).map_err(|e| e.to_string())?;
            self.cached.extend_from_slice(&context[start..end]);
        }
        let vocab = self.model.vocab();
        let mut drafts = Vec::new();
        let mut output = batch.n_tokens() - 1;
        loop {
            let logits = self.ctx.get_logits_ith(output);
            let best = first_argmax(logits);
            if probability_of(logits, best) < MIN_DRAFT_PROBABILITY {
                break;
            }
            let token = LlamaToken(best as i32);
            if vocab.is_eog(token) {
                break;
            }
            drafts.push(token);
            if drafts.len() == max {
                break;
            }
            batch.clear();
            batch.add(token, self.cached.len() as i32, &[0], true).map_err(|e| e.to_string())?;
            self.ctx.decode(&mut batch).map_err(|e| e.to_string())?;
            self.cached.push(token);
            output = 0;
        }
        Ok(drafts)
    }
}

/// The softmax probability of `logits[i]`.
fn probability_of(logits: &[f32], i: usize) -> f32 {
    let top = logits[i];
    let sum: f32 = logits.iter().map(|&l| (l - top).exp()).sum();
    if sum > 0.0 {
        1.0 / sum
    } else {
        0.0
    }
}

/// llama.cpp's test of a draft model's vocabulary against the target's; `Err` says the first
/// difference.
pub(crate) fn same_vocabulary(target: &LlamaModel, draft: &LlamaModel) -> Result<(), String> {
    let (t, d) = (target.vocab(), draft.vocab());
    if t.vocab_type() != d.vocab_type() {
        return Err(format!("tokenizer type {:?}, the target's is {:?}", d.vocab_type(), t.vocab_type()));
    }
    if t.should_add_bos() != d.should_add_bos() || (t.should_add_bos() && t.bos() != d.bos()) {
        return Err(format!("begin-of-text token {} against the target's {}", d.bos().0, t.bos().0));
    }
    if t.should_add_eos() != d.should_add_eos() || (t.should_add_eos() && t.eos() != d.eos()) {
        return Err(format!("end-of-text token {} against the target's {}", d.eos().0, t.eos().0));
    }
    let (nt, nd) = (t.n_tokens(), d.n_tokens());
    if (nt - nd).abs() > MAX_VOCAB_DIFFERENCE {
        return Err(format!("{nd} tokens against the target's {nt}"));
    }
    for id in CHECK_FROM_TOKEN..nt.min(nd) {
        let token = LlamaToken(id);
        if t.text(token) != d.text(token) {
            let show = |s: Option<&std::ffi::CStr>| s.map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            return Err(format!("token {id} is {:?}, the target's is {:?}", show(d.text(token)), show(t.text(token))));
        }
    }
    Ok(())
}

/// A context for the draft model: the target's context settings, for one sequence.
pub(crate) fn draft_context_params(n_ctx: u32, batch: u32, threads: u32) -> LlamaContextParams {
    LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(n_ctx))
        .with_n_batch(batch)
        .with_n_ubatch(batch.min(hearth_advisor::UBATCH))
        .with_n_threads(threads as i32)
        .with_n_threads_batch(threads as i32)
}
