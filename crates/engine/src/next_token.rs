//! What the loaded model predicts after each token of a fixed text, with the text itself fed in
//! (teacher forcing: every position sees the text, never the model's own earlier choices, so one
//! early difference cannot snowball). Two backends computing the same model must predict the same
//! tokens with about the same scores: this is how a GPU backend is checked against the CPU
//! (`hearth devices --check`, the Vulkan and CUDA tests). Whole greedy answers are no such check:
//! backends round differently, and a near tie early on sends two answers apart for good.

use llama_cpp_2::llama_batch::LlamaBatch;

use crate::{llama_log, Engine, EngineError};

/// The best candidates after one position of the text, best first: (token id, logit).
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub top: Vec<(i32, f32)>,
}

/// How far two backends' predictions over the same text agree.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub positions: usize,
    /// Positions where both chose the same next token.
    pub same_choice: usize,
    /// Positions where they chose differently but the reference had the other's choice within
    /// `tie` of its own best logit: a near tie that rounding may tip either way.
    pub near_ties: usize,
    /// The largest difference between the two backends' logits for the reference's best token,
    /// over positions where the other backend ranked that token among its candidates.
    pub max_logit_diff: f32,
}

impl Agreement {
    /// Positions where the choices differ and no near tie explains it.
    pub fn real_disagreements(&self) -> usize {
        self.positions - self.same_choice - self.near_ties
    }
}

/// Compares `other` against `reference`, position by position. `tie` is the logit gap under
/// which a different choice counts as a near tie.
pub fn compare(reference: &[Prediction], other: &[Prediction], tie: f32) -> Agreement {
    let mut a = Agreement { positions: reference.len().min(other.len()), same_choice: 0, near_ties: 0, max_logit_diff: 0.0 };
    for (r, o) in reference.iter().zip(other) {
        let (Some(&(r_best, r_logit)), Some(&(o_best, _))) = (r.top.first(), o.top.first()) else { continue };
        if r_best == o_best {
            a.same_choice += 1;
        } else if r.top.iter().any(|&(t, l)| t == o_best && r_logit - l <= tie) {
            a.near_ties += 1;
        }
        if let Some(&(_, o_logit)) = o.top.iter().find(|&&(t, _)| t == r_best) {
            a.max_logit_diff = a.max_logit_diff.max((o_logit - r_logit).abs());
        }
    }
    a
}

/// The `k` highest logits, best first (ties: the lower token id first, as a plain argmax).
fn top_k(logits: &[f32], k: usize) -> Vec<(i32, f32)> {
    let mut order: Vec<usize> = (0..logits.len()).collect();
    let k = k.min(order.len());
    if k == 0 {
        return Vec::new();
    }
    let by_logit = |a: &usize, b: &usize| logits[*b].total_cmp(&logits[*a]).then(a.cmp(b));
    order.select_nth_unstable_by(k - 1, by_logit);
    order.truncate(k);
    order.sort_by(by_logit);
    order.into_iter().map(|i| (i as i32, logits[i])).collect()
}

/// The fixed text of a device check: plain prose of about a hundred tokens, no markup.
pub const CHECK_TEXT: &str = "The lighthouse keeper climbed the narrow stairs every evening at dusk. \
From the lamp room he could see the harbour, the fishing boats coming home, and the long line of \
the coast running north towards the mountains. In winter the storms were fierce, and the waves \
broke over the rocks below the tower. He kept a logbook in which he wrote the weather, the ships \
he had seen, and the time the lamp was lit. After thirty years, the logbook filled a whole shelf.";

/// Candidates kept per position, and the logit gap of a near tie.
const CHECK_TOP: usize = 8;
const CHECK_TIE: f32 = 0.5;

/// A device's predictions over [`CHECK_TEXT`] against the CPU's, with the same model.
#[derive(Debug, Clone)]
pub struct DeviceCheck {
    /// Where the checked load's layers ran (e.g. `Vulkan0`).
    pub backend: String,
    pub agreement: Agreement,
}

impl DeviceCheck {
    /// Whether the device computes the model as the CPU does, up to rounding: at most one
    /// position in twenty chosen differently without a near tie. (A broken backend or driver
    /// agrees on almost nothing.)
    pub fn passed(&self) -> bool {
        self.agreement.positions > 0 && self.agreement.real_disagreements() * 20 <= self.agreement.positions
    }
}

/// Loads `model` on the CPU, then with `settings` (all layers on the chosen devices unless they
/// say otherwise), and compares what each predicts over [`CHECK_TEXT`].
pub fn check_device(model: &std::path::Path, settings: &hearth_protocol::ModelSettings) -> Result<DeviceCheck, EngineError> {
    let mut engine = Engine::new()?;
    // This process's CPU alone (no other machine's devices either).
    let on_cpu = hearth_protocol::ModelSettings { devices: vec!["CPU".into()], rpc: Vec::new(), ..settings.clone() };
    engine.load(model, &on_cpu, |_| true)?;
    let reference = engine.next_token_predictions(CHECK_TEXT, CHECK_TOP)?;
    let info = engine.load(model, settings, |_| true)?;
    let checked = engine.next_token_predictions(CHECK_TEXT, CHECK_TOP)?;
    Ok(DeviceCheck { backend: info.backend, agreement: compare(&reference, &checked, CHECK_TIE) })
}

impl Engine {
    /// The loaded model's `k` best next tokens after each token of `text` (tokenized with the
    /// model's BOS), evaluated in one batch. The text must fit one batch of the loaded context.
    pub fn next_token_predictions(&mut self, text: &str, k: usize) -> Result<Vec<Prediction>, EngineError> {
        let loaded = self.loaded.as_mut().ok_or(EngineError::NoModel)?;
        let tokens = loaded.model.vocab().tokenize(text.as_bytes(), true, false);
        let n_batch = loaded.ctx.n_batch() as usize;
        if tokens.len() > n_batch || tokens.len() > loaded.ctx.n_ctx() as usize {
            return Err(EngineError::ContextOverflow(format!("the text is {} tokens; one batch of this context holds {n_batch}", tokens.len())));
        }
        // The cache holds a chat's prefix; this evaluation replaces it.
        loaded.cached_tokens.clear();
        loaded.ctx.clear_kv_cache();
        let mut batch = LlamaBatch::new(tokens.len().max(1), 1);
        for (i, &t) in tokens.iter().enumerate() {
            batch.add(t, i as i32, &[0], true).map_err(|e| EngineError::Internal(e.to_string()))?;
        }
        let mark = llama_log::mark();
        let decoded = loaded.ctx.decode(&mut batch);
        let predictions = match decoded {
            Ok(()) => Ok((0..tokens.len()).map(|i| Prediction { top: top_k(loaded.ctx.get_logits_ith(i as i32), k) }).collect()),
            Err(e) => Err(match llama_log::failure_since(mark, &e.to_string()) {
                (true, why) => EngineError::OutOfMemory(format!("out of memory while evaluating: {why}")),
                (false, why) => EngineError::DecodeFailed(why),
            }),
        };
        loaded.ctx.clear_kv_cache();
        predictions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(top: &[(i32, f32)]) -> Prediction {
        Prediction { top: top.to_vec() }
    }

    #[test]
    fn top_k_is_best_first_with_ties_to_the_lower_id() {
        assert_eq!(top_k(&[0.5, 2.0, -1.0, 2.0, 1.0], 3), vec![(1, 2.0), (3, 2.0), (4, 1.0)]);
        assert_eq!(top_k(&[0.5], 3), vec![(0, 0.5)]);
        assert!(top_k(&[], 3).is_empty());
    }

    #[test]
    fn same_choices_count_and_logit_differences_are_measured() {
        let cpu = [p(&[(7, 10.0), (3, 8.0)]), p(&[(4, 5.0), (9, 1.0)])];
        let gpu = [p(&[(7, 10.25), (3, 8.0)]), p(&[(4, 4.5), (9, 1.0)])];
        let a = compare(&cpu, &gpu, 0.5);
        assert_eq!((a.positions, a.same_choice, a.near_ties, a.real_disagreements()), (2, 2, 0, 0));
        assert!((a.max_logit_diff - 0.5).abs() < 1e-6, "{a:?}");
    }

    #[test]
    fn a_different_choice_is_a_near_tie_only_within_the_gap() {
        let cpu = [p(&[(1, 10.0), (2, 9.8), (3, 7.0)]), p(&[(1, 10.0), (2, 9.8), (3, 7.0)])];
        let gpu = [p(&[(2, 9.9), (1, 9.85)]), p(&[(3, 9.9), (1, 9.85)])];
        let a = compare(&cpu, &gpu, 0.5);
        assert_eq!((a.same_choice, a.near_ties, a.real_disagreements()), (0, 1, 1));
    }
}
