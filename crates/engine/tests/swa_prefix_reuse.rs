//! Regression: reusing a cached prompt prefix on a sliding-window model. With llama.cpp's small
//! SWA cache (window + ubatch cells, which the engine uses since it stopped allocating the full
//! one), a prefix whose last `window` positions were evicted cannot be reused; the engine must
//! evaluate the prompt again instead of answering from a broken cache.

use std::path::PathBuf;

use hearth_engine::{Engine, GenerationObserver, GenerationRequest};
use hearth_protocol::{ChatMessage, ModelSettings, Role, SamplingSettings, TemplateChoice};

/// Gemma 3 270M (sliding window 512), fetched by `scripts/fetch-models.sh`.
fn gemma() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_GEMMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/gemma-3-270m-Q4_K_M.gguf"));
    assert!(path.is_file(), "Gemma 3 270M is missing at {}: run scripts/fetch-models.sh", path.display());
    path
}

struct Collect(String);
impl GenerationObserver for Collect {
    fn trimmed(&mut self, _: u32) {}
    fn prompt_done(&mut self, _: u32, _cached_tokens: u32) {}
    fn token(&mut self, text: &str) {
        self.0.push_str(text);
    }
    fn cancelled(&self) -> bool {
        false
    }
}

fn ask(engine: &mut Engine, text: &str, max_tokens: u32) -> String {
    let req = GenerationRequest {
        messages: vec![ChatMessage::new(Role::User, text.to_string())],
        sampling: SamplingSettings { temperature: Some(0.0), max_tokens: Some(max_tokens), seed: Some(1), ..Default::default() },
        template: TemplateChoice::Builtin("gemma".into()),
        keep_state_as: None,
    };
    let mut out = Collect(String::new());
    engine.generate(&req, &mut out).expect("generation failed");
    out.0
}

#[test]
fn a_prefix_older_than_the_sliding_window_is_evaluated_again() {
    let long: String = (0..150).map(|i| format!("Line {i}: the fox number {i} jumps over dog {}. ", i * 7 % 13)).collect();
    let half: String = (0..60).map(|i| format!("Line {i}: the fox number {i} jumps over dog {}. ", i * 7 % 13)).collect();
    let first = format!("{long}\nWhich fox jumps over dog 5?");
    let second = format!("{half}\nRepeat the first line exactly.");
    let settings = ModelSettings { context_length: Some(4096), ..Default::default() };

    let mut engine = Engine::new().unwrap();
    engine.load(&gemma(), &settings, |_| true).unwrap();
    ask(&mut engine, &first, 4);
    // The second prompt shares only its first ~700 tokens with the ~1900 in the cache, and the
    // sliding-window layers no longer hold the positions just before that point.
    let after_cached = ask(&mut engine, &second, 24);

    engine.load(&gemma(), &settings, |_| true).unwrap();
    let fresh = ask(&mut engine, &second, 24);
    assert!(!fresh.trim().is_empty());
    assert_eq!(after_cached, fresh, "the answer after a cached turn differs from a fresh one");
}
