//! On a Vulkan device (the Strix Halo path; in CI Mesa's lavapipe, a software Vulkan device that
//! ggml uses only with `GGML_VK_VISIBLE_DEVICES=0`): the engine puts the layers there when the
//! device is chosen by name, and the model computes there as on the CPU. Run by
//! `scripts/vulkan-test.sh` (a build of this crate with the `vulkan` feature, in its own target
//! folder).
//!
//! The model is `HEARTH_TEST_MODEL`, else the demo model. Backends round differently and lavapipe
//! is slow (about 2 tokens/s), so the check is the next-token predictions over a fixed text fed in
//! one batch (`hearth_engine::next_token`), not whole greedy answers.

mod common;

use common::model;
use hearth_engine::next_token::check_device;
use hearth_engine::{Engine, GenerationObserver, GenerationRequest};
use hearth_protocol::{ChatMessage, ModelSettings, Role, SamplingSettings, TemplateChoice};

fn vulkan_device() -> String {
    let devices = Engine::devices();
    devices
        .iter()
        .find(|d| d.backend.eq_ignore_ascii_case("vulkan"))
        .unwrap_or_else(|| panic!("no Vulkan device (lavapipe needs GGML_VK_VISIBLE_DEVICES=0): {devices:?}"))
        .name
        .clone()
}

struct Count(u32);
impl GenerationObserver for Count {
    fn trimmed(&mut self, _: u32) {}
    fn prompt_done(&mut self, _: u32) {}
    fn token(&mut self, _: &str) {
        self.0 += 1;
    }
    fn cancelled(&self) -> bool {
        false
    }
}

#[test]
#[ignore = "needs a Vulkan device (scripts/vulkan-test.sh)"]
fn the_vulkan_device_predicts_what_the_cpu_predicts() {
    let device = vulkan_device();
    let settings = ModelSettings { devices: vec![device.clone()], context_length: Some(512), ..Default::default() };
    let check = check_device(&model(), &settings).unwrap();
    eprintln!("{device}: {:?}", check.agreement);
    assert_eq!(check.backend, device);
    assert!(check.agreement.positions >= 80, "{:?}", check.agreement);
    assert!(check.passed(), "{device} disagrees with the CPU: {:?}", check.agreement);
    // Same weights, same text: rounding moves the scores a little, not a lot (a wrong kernel
    // moves them by whole units).
    assert!(check.agreement.max_logit_diff < 1.0, "{:?}", check.agreement);
    // Regression: "CPU only" kept the GPU in the model's device list, and llama.cpp sent the
    // reference's large batch to it anyway (op offload): the GPU was compared with itself and
    // every logit agreed to the last bit.
    assert!(check.agreement.max_logit_diff > 0.0, "the CPU reference ran on {device}: {:?}", check.agreement);
}

#[test]
#[ignore = "needs a Vulkan device (scripts/vulkan-test.sh)"]
fn a_chat_answer_is_generated_on_the_chosen_device_and_cpu_keeps_it_off_the_gpu() {
    let device = vulkan_device();
    let mut engine = Engine::new().unwrap();
    let on_gpu = ModelSettings { devices: vec![device.clone()], context_length: Some(512), ..Default::default() };
    let info = engine.load(&model(), &on_gpu, |_| true).unwrap();
    assert_eq!(info.backend, device);
    let req = GenerationRequest {
        messages: vec![ChatMessage { role: Role::User, content: "Name a colour.".into(), reasoning: None }],
        sampling: SamplingSettings { temperature: Some(0.0), max_tokens: Some(6), seed: Some(1), ..Default::default() },
        template: TemplateChoice::Model,
    };
    let mut count = Count(0);
    let stats = engine.generate(&req, &mut count).unwrap();
    assert!(count.0 > 0 && stats.gen_tokens > 0, "nothing generated on {device}: {stats:?}");

    let on_cpu = ModelSettings { devices: vec!["CPU".into()], context_length: Some(512), ..Default::default() };
    assert_eq!(engine.load(&model(), &on_cpu, |_| true).unwrap().backend, "CPU");
}
