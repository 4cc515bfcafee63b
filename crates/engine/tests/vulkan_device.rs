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
    fn prompt_done(&mut self, _: u32, _cached_tokens: u32) {}
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
        messages: vec![ChatMessage::new(Role::User, "Name a colour.")],
        sampling: SamplingSettings { temperature: Some(0.0), max_tokens: Some(6), seed: Some(1), ..Default::default() },
        template: TemplateChoice::Model,
        keep_state_as: None,
    };
    let mut count = Count(0);
    let stats = engine.generate(&req, &mut count).unwrap();
    assert!(count.0 > 0 && stats.gen_tokens > 0, "nothing generated on {device}: {stats:?}");

    let on_cpu = ModelSettings { devices: vec!["CPU".into()], context_length: Some(512), ..Default::default() };
    assert_eq!(engine.load(&model(), &on_cpu, |_| true).unwrap().backend, "CPU");
}

/// The tiny gpt-oss (scripts/fixtures.sh): MoE with MXFP4 experts, attention sinks, alternating
/// sliding-window layers.
fn tiny_gpt_oss() -> std::path::PathBuf {
    let dir = std::env::var_os("HEARTH_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/fixtures"));
    let path = dir.join("tiny-gpt-oss-MXFP4.gguf");
    assert!(path.is_file(), "{} is missing: run scripts/fixtures.sh", path.display());
    path
}

/// Issue 15, item 5: gpt-oss on Vulkan with every layer on the GPU, then with `n_cpu_moe`
/// covering every layer: llama.cpp's own allocation report shows the experts in host memory and
/// the rest on the device, and the next-token predictions agree with the CPU's either way.
#[test]
#[ignore = "needs a Vulkan device (scripts/vulkan-test.sh)"]
fn gpt_oss_runs_on_vulkan_with_its_experts_on_the_gpu_or_kept_on_the_cpu() {
    let device = vulkan_device();
    let model = tiny_gpt_oss();
    let gguf = hearth_gguf::GgufFile::open_model(&model).unwrap();
    // The experts' weights and biases (llama.cpp's override pattern takes both).
    let experts: u64 = gguf.tensors.iter().filter(|t| t.name.contains("_exps")).map(|t| t.bytes).sum();
    let mut engine = Engine::new().unwrap();
    // Without mmap the host buffers hold exactly the tensors kept there (a mapped buffer spans
    // the file from its first such tensor to its last, the device's tensors between included).
    let all_gpu = ModelSettings { devices: vec![device.clone()], context_length: Some(512), mmap: false, ..Default::default() };
    let moe_cpu = ModelSettings { n_cpu_moe: Some(4), ..all_gpu.clone() };
    let on_device = |s: &ModelSettings, engine: &mut Engine| {
        let info = engine.load(&model, s, |_| true).unwrap();
        assert_eq!(info.backend, device);
        let by = info.allocated.weights_by_buffer.clone();
        eprintln!("{device} n_cpu_moe={:?}: {by:?}", s.n_cpu_moe);
        // Host buffers: `CPU`, `CPU_Mapped`, or the device's pinned `Vulkan_Host`.
        let host: u64 = by.iter().filter(|(k, _)| **k != device).map(|(_, v)| v).sum();
        (by.get(&device).copied().unwrap_or(0), host)
    };
    let (gpu_all, host_all) = on_device(&all_gpu, &mut engine);
    let (gpu_moe, host_moe) = on_device(&moe_cpu, &mut engine);
    // The experts moved from the device's buffer to host buffers (alignment aside).
    let moved = gpu_all - gpu_moe;
    assert!(moved.abs_diff(experts) < experts / 20, "moved {moved} bytes, experts are {experts}");
    assert!((host_moe - host_all).abs_diff(experts) < experts / 20, "host {host_all} → {host_moe}");
    assert!(gpu_moe > 0, "the attention layers stay on {device}");
    for settings in [all_gpu, moe_cpu] {
        let check = check_device(&model, &settings).unwrap();
        eprintln!("{device} n_cpu_moe={:?}: {:?}", settings.n_cpu_moe, check.agreement);
        assert!(check.passed(), "{device} disagrees with the CPU: {:?}", check.agreement);
    }
}
