//! On a CUDA device: the engine puts every layer on the GPU when asked, generates there, and the
//! GPU's answer agrees with the CPU backend's. Run by `scripts/gpu-check.sh` (a build of this crate
//! with the `dynamic-link` feature, over libraries of the same llama.cpp tree built with CUDA).
//!
//! The model is `HEARTH_TEST_MODEL`, else the demo model. Backends round differently, so whole
//! greedy answers may part after a few tokens (seen on Vulkan); the test compares the first
//! token of several fixed prompts, and asks most of them (not all) to agree.

mod common;

use common::model;
use hearth_engine::{Engine, GenerationObserver, GenerationRequest};
use hearth_protocol::{ChatMessage, ModelSettings, Role, SamplingSettings, TemplateChoice};

struct Collect(Vec<String>);
impl GenerationObserver for Collect {
    fn trimmed(&mut self, _: u32) {}
    fn prompt_done(&mut self, _: u32, _cached_tokens: u32) {}
    fn token(&mut self, text: &str) {
        self.0.push(text.to_string());
    }
    fn cancelled(&self) -> bool {
        false
    }
}

fn greedy(engine: &mut Engine, text: &str, max_tokens: u32) -> Vec<String> {
    let req = GenerationRequest {
        messages: vec![ChatMessage::new(Role::User, text.to_string())],
        sampling: SamplingSettings { temperature: Some(0.0), max_tokens: Some(max_tokens), seed: Some(1), ..Default::default() },
        template: TemplateChoice::Model,
        keep_state_as: None,
    };
    let mut out = Collect(Vec::new());
    engine.generate(&req, &mut out).expect("generation failed");
    out.0
}

fn cuda_free_bytes() -> u64 {
    Engine::devices().iter().filter(|d| d.backend.eq_ignore_ascii_case("cuda")).map(|d| d.memory_free_bytes).sum()
}

#[test]
#[ignore = "needs a CUDA device"]
fn all_layers_go_to_the_gpu_and_generate_there() {
    let devices = Engine::devices();
    assert!(devices.iter().any(|d| d.backend.eq_ignore_ascii_case("cuda")), "no CUDA device: {devices:?}");
    let all_layers = ModelSettings { gpu_layers: Some(99), ..Default::default() };
    let backend = Engine::backend_for(&all_layers).unwrap();
    assert!(backend.contains("CUDA"), "{backend}");
    let free_before = cuda_free_bytes();

    let mut engine = Engine::new().unwrap();
    let settings = ModelSettings { gpu_layers: Some(999), context_length: Some(2048), ..Default::default() };
    let info = engine.load(&model(), &settings, |_| true).unwrap();
    let taken = free_before.saturating_sub(cuda_free_bytes());
    // The weights (less at most the token embeddings, which llama.cpp keeps on the host) are on
    // the GPU.
    assert!(
        taken as f64 >= info.allocated.weights_bytes as f64 * 0.5,
        "the GPU lost {taken} bytes of free memory for {} bytes of weights",
        info.allocated.weights_bytes
    );
    let tokens = greedy(&mut engine, "Name three colours.", 16);
    assert!(!tokens.is_empty(), "nothing generated on the GPU");
}

#[test]
#[ignore = "needs a CUDA device"]
fn the_gpu_and_the_cpu_agree_on_the_next_token() {
    let prompts = [
        "What is the capital of France?",
        "Write a haiku about the sea.",
        "Count from one to five.",
        "What colour is the sky on a clear day?",
        "Translate 'good morning' into Spanish.",
        "Who wrote Hamlet?",
    ];
    let mut engine = Engine::new().unwrap();
    let mut first = |gpu_layers: u32| -> Vec<String> {
        let settings = ModelSettings { gpu_layers: Some(gpu_layers), context_length: Some(1024), ..Default::default() };
        engine.load(&model(), &settings, |_| true).unwrap();
        prompts.iter().map(|p| greedy(&mut engine, p, 1).concat()).collect()
    };
    let cpu = first(0);
    let gpu = first(999);
    let agree = cpu.iter().zip(&gpu).filter(|(a, b)| a == b).count();
    eprintln!("first tokens, cpu {cpu:?}\n              gpu {gpu:?}");
    assert!(agree * 3 >= prompts.len() * 2, "only {agree} of {} first tokens agree", prompts.len());
}
