//! `hearth bench`: the seed's method, measured the way llama-bench measures (`-p`, `-n` and the
//! depth mean what they mean to llama-bench: prompt tokens evaluated in batches, tokens generated
//! one at a time after `depth` tokens of context), but generation goes through Hearth's own path:
//! each token is sampled and turned into text, as in a chat. Also: load time, time to first token
//! for a long prompt, peak memory of the process, and power and energy per token where a sensor
//! says (RAPL for the CPU package, the GPU's own sensor).

use std::time::{Duration, Instant};

use hearth_hardware::Probe;
use hearth_protocol::{phrase, BenchReport, ChatMessage, DraftKind, ModelSettings, Phrase, Role, SamplingSettings, SpeculativeBench, TemplateChoice};
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::token::LlamaToken;

use crate::generation::{GenerationObserver, GenerationRequest, TokenPicker};
use crate::{llama_log, Engine, EngineError};

#[derive(Debug, Clone)]
pub struct BenchRequest {
    pub path: std::path::PathBuf,
    /// Prompt tokens per prompt-processing run (llama-bench `-p`); 0 skips it.
    pub n_prompt: u32,
    /// Tokens generated per generation run (llama-bench `-n`); 0 skips it.
    pub n_gen: u32,
    /// Tokens already in the context before each run (llama-bench `-d`).
    pub depth: u32,
    /// Prompt length for the time-to-first-token run; 0 skips it.
    pub ttft_prompt: u32,
    /// How the model is loaded (the app's saved settings with the command's flags); the
    /// context is sized for the runs.
    pub settings: ModelSettings,
    pub reps: u32,
    /// Speculative decoding to measure beside plain decoding (`--draft`): a greedy answer that
    /// quotes its prompt, `n_gen` tokens long, both ways in each repetition. A draft model comes
    /// from `settings.draft_model`.
    pub draft: Option<DraftKind>,
}

/// What the speculative run asks for: an answer that repeats a passage of its prompt, as an
/// answer quoting a document does (prompt-lookup drafts find it; a draft model writes it too).
const QUOTED_PASSAGE: &str = "Repeat the following passage exactly, word for word:\n\n\
The village of Hearthwood lies where two rivers meet below the northern hills. Every morning the \
baker opens her shop before sunrise, and the smell of fresh bread drifts across the square. The \
old mill on the eastern bank still turns when the water is high, grinding wheat for the farms \
along the valley. In spring the meadows fill with flowers and the children walk to school along \
the river path, counting the herons that stand in the shallows. In autumn the orchards are heavy \
with apples, and the whole village gathers in the square for the harvest fair, where the best \
cider of the year is poured and the musicians play until the lanterns burn low.";

/// llama-bench's token source: pseudo-random ids (the text does not matter for speed).
struct RandomTokens(u64);
impl RandomTokens {
    fn next(&mut self, n_vocab: i32) -> LlamaToken {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        LlamaToken(((self.0 >> 33) % n_vocab.max(1) as u64) as i32)
    }
}

/// Mean and sample standard deviation (`None` for no samples).
pub fn mean_stdev(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    if xs.is_empty() {
        return (None, None);
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = if xs.len() > 1 { xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64 } else { 0.0 };
    (Some(mean), Some(var.sqrt()))
}

/// Peak resident memory of this process (`VmHWM`), which holds the model.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024)
}

pub fn bench(req: &BenchRequest, mut progress: impl FnMut(Phrase)) -> Result<BenchReport, EngineError> {
    if req.reps == 0 {
        return Err(EngineError::Internal("--reps must be at least 1".into()));
    }
    let drafting = req.draft.filter(|k| *k != DraftKind::None);
    // The quoting prompt (about 170 tokens with its template) and its answer must fit too.
    let speculative_ctx = if drafting.is_some() { 512 + req.n_gen } else { 0 };
    let n_ctx = (req.depth + req.n_prompt.max(req.n_gen)).max(req.ttft_prompt).max(speculative_ctx).max(64) + 64;
    let settings = ModelSettings { context_length: Some(n_ctx), ..req.settings.clone() };
    let mut engine = Engine::new()?;
    progress(phrase!("said.bench.loading", "loading"));
    let info = engine.load(&req.path, &settings, |_| true)?;
    let loaded = engine.loaded.as_mut().expect("just loaded");
    let n_vocab = loaded.model.n_vocab();
    let n_batch = loaded.ctx.n_batch() as usize;
    let mut rng = RandomTokens(0x5eed);
    let mut batch = LlamaBatch::new(n_batch.max(1), 1);
    let mut one = LlamaBatch::new(1, 1);
    let mark = llama_log::mark();
    let failed = |e: &dyn std::fmt::Display| EngineError::DecodeFailed(llama_log::failure_since(mark, &e.to_string()).1);

    // Evaluates `n` random tokens from position `from`, in batches; logits for the last only.
    let mut eval = |ctx: &mut llama_cpp_2::context::LlamaContext<'static>, from: u32, n: u32, rng: &mut RandomTokens| -> Result<(), EngineError> {
        let mut pos = from;
        let end = from + n;
        while pos < end {
            let chunk = (end - pos).min(n_batch as u32);
            batch.clear();
            for i in 0..chunk {
                let p = pos + i;
                batch.add(rng.next(n_vocab), p as i32, &[0], p == end - 1).map_err(|e| EngineError::Internal(e.to_string()))?;
            }
            ctx.decode(&mut batch).map_err(|e| failed(&e))?;
            pos += chunk;
        }
        Ok(())
    };

    // Warm-up, as llama-bench does: one short run that is not counted.
    loaded.ctx.clear_kv_cache();
    eval(&mut loaded.ctx, 0, 16.min(n_ctx - 1), &mut rng)?;

    let mut pp = Vec::new();
    let mut tg = Vec::new();
    let mut energy = Vec::new();
    // Greedy without penalties, as llama-bench (which samples nothing) comes closest to.
    let sampler_settings = SamplingSettings { temperature: Some(0.0), repeat_penalty: Some(1.0), ..Default::default() };
    for rep in 0..req.reps {
        if req.n_prompt > 0 {
            progress(phrase!("said.bench.prompt", "prompt {rep}/{reps}", rep = rep + 1, reps = req.reps));
            loaded.ctx.clear_kv_cache();
            eval(&mut loaded.ctx, 0, req.depth, &mut rng)?;
            let t = Instant::now();
            eval(&mut loaded.ctx, req.depth, req.n_prompt, &mut rng)?;
            // A GPU backend returns from decode before it has finished; llama-bench waits too.
            loaded.ctx.synchronize();
            pp.push(req.n_prompt as f64 / t.elapsed().as_secs_f64());
        }
        if req.n_gen > 0 {
            progress(phrase!("said.bench.generation", "generation {rep}/{reps}", rep = rep + 1, reps = req.reps));
            loaded.ctx.clear_kv_cache();
            eval(&mut loaded.ctx, 0, req.depth.max(1), &mut rng)?;
            let mut picker = TokenPicker::new(&sampler_settings, &loaded.info.sampling_defaults, n_vocab, None);
            let vocab = loaded.model.vocab();
            let mut piece = Vec::new();
            let mut probe = Probe::system();
            probe.snapshot(Duration::ZERO);
            let t = Instant::now();
            let start = req.depth.max(1);
            for pos in start..start + req.n_gen {
                // Hearth's path: sample (from the last output), detokenize, evaluate the token.
                let token = picker.pick(&loaded.ctx, -1);
                piece.clear();
                vocab.token_to_piece_into(token, &mut piece, true, None);
                one.clear();
                one.add(token, pos as i32, &[0], true).map_err(|e| EngineError::Internal(e.to_string()))?;
                loaded.ctx.decode(&mut one).map_err(|e| failed(&e))?;
            }
            loaded.ctx.synchronize();
            let secs = t.elapsed().as_secs_f64();
            tg.push(req.n_gen as f64 / secs);
            let after = probe.snapshot(Duration::ZERO);
            let gpu_w: Vec<f64> = after.gpus.iter().filter_map(|g| g.power_w).collect();
            let watts = match (after.cpu.power_w, gpu_w.is_empty()) {
                (Some(cpu), _) => Some(cpu + gpu_w.iter().sum::<f64>()),
                (None, false) => Some(gpu_w.iter().sum()),
                (None, true) => None,
            };
            if let Some(w) = watts {
                energy.push((w, w * secs / req.n_gen as f64));
            }
        }
    }

    let mut ttft_ms = None;
    if req.ttft_prompt > 0 {
        progress(phrase!("said.bench.ttft", "time to first token"));
        loaded.ctx.clear_kv_cache();
        let mut picker = TokenPicker::new(&sampler_settings, &loaded.info.sampling_defaults, n_vocab, None);
        let t = Instant::now();
        eval(&mut loaded.ctx, 0, req.ttft_prompt, &mut rng)?;
        let first = picker.pick(&loaded.ctx, -1);
        let _ = loaded.model.vocab().token_to_piece(first, true, None);
        ttft_ms = Some(t.elapsed().as_secs_f64() * 1000.0);
    }
    loaded.ctx.clear_kv_cache();
    loaded.cached_tokens.clear();

    let speculative = match drafting {
        Some(kind) => Some(speculative_runs(&mut engine, req, kind, &mut progress)?),
        None => None,
    };

    let (pp_tps, pp_tps_stdev) = mean_stdev(&pp);
    let (tg_tps, tg_tps_stdev) = mean_stdev(&tg);
    Ok(BenchReport {
        model: info.name,
        model_path: info.path,
        quant: info.quant,
        size_bytes: info.size_bytes,
        parameters: info.parameters,
        backend: info.backend.to_lowercase(),
        threads: info.threads,
        n_prompt: req.n_prompt,
        n_gen: req.n_gen,
        depth: req.depth,
        reps: req.reps,
        load_ms: info.load_ms as f64,
        ttft_prompt: req.ttft_prompt,
        ttft_ms,
        pp_tps,
        pp_tps_stdev,
        tg_tps,
        tg_tps_stdev,
        peak_rss_bytes: peak_rss_bytes(),
        power_w: (!energy.is_empty()).then(|| energy.iter().map(|e| e.0).sum::<f64>() / energy.len() as f64),
        joules_per_token: (!energy.is_empty()).then(|| energy.iter().map(|e| e.1).sum::<f64>() / energy.len() as f64),
        speculative,
    })
}

/// The answer's text, as a chat would show it.
#[derive(Default)]
struct AnswerText(String);
impl GenerationObserver for AnswerText {
    fn trimmed(&mut self, _: u32) {}
    fn prompt_done(&mut self, _: u32, _: u32) {}
    fn token(&mut self, text: &str) {
        self.0.push_str(text);
    }
    fn cancelled(&self) -> bool {
        false
    }
}

/// The quoting answer generated through the chat path, plainly and with `kind`'s drafts, in
/// turns (so that a machine's drift touches both alike).
fn speculative_runs(
    engine: &mut Engine,
    req: &BenchRequest,
    kind: DraftKind,
    progress: &mut impl FnMut(Phrase),
) -> Result<SpeculativeBench, EngineError> {
    let (mut plain, mut drafted) = (Vec::new(), Vec::new());
    let (mut proposed, mut accepted, mut same_text) = (0, 0, true);
    for rep in 0..req.reps {
        progress(phrase!("said.bench.speculative", "speculative decoding {rep}/{reps}", rep = rep + 1, reps = req.reps));
        let mut texts = Vec::new();
        for draft in [DraftKind::None, kind] {
            let request = GenerationRequest {
                messages: vec![ChatMessage::new(Role::User, QUOTED_PASSAGE)],
                // Greedy with nothing else: the only answers drafts are checked for.
                sampling: SamplingSettings {
                    temperature: Some(0.0),
                    repeat_penalty: Some(1.0),
                    max_tokens: Some(req.n_gen.max(2)),
                    draft: Some(draft),
                    ..Default::default()
                },
                template: TemplateChoice::Model,
                keep_state_as: None,
            };
            let mut text = AnswerText::default();
            let stats = engine.generate(&request, &mut text)?;
            if draft == DraftKind::None {
                plain.push(stats.tg_tps);
            } else {
                drafted.push(stats.tg_tps);
                if let Some(d) = stats.draft {
                    proposed += d.proposed;
                    accepted += d.accepted;
                }
            }
            texts.push(text.0);
        }
        same_text &= texts[0] == texts[1];
    }
    let mean = |xs: &[f64]| mean_stdev(xs).0.unwrap_or(0.0);
    Ok(SpeculativeBench {
        kind,
        draft_model: (kind == DraftKind::Model).then(|| req.settings.draft_model.clone()).flatten(),
        plain_tg_tps: mean(&plain),
        draft_tg_tps: mean(&drafted),
        proposed,
        accepted,
        same_text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_stdev() {
        let (m, s) = mean_stdev(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m, Some(5.0));
        assert!((s.unwrap() - 2.138).abs() < 1e-3);
        assert_eq!(mean_stdev(&[3.0]), (Some(3.0), Some(0.0)));
        assert_eq!(mean_stdev(&[]), (None, None));
    }
}
