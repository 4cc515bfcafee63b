//! Issue 18, speculative decoding with prompt-lookup drafts (`--draft ngram`), through `hearth
//! chat` with the demo model: greedy answers that repeat their prompt take drafts and keep most
//! of them, with the same text as plain decoding (short answers, where rounding cannot tip a
//! token: see bench/RESULTS.md for long document answers); an answer that is not greedy takes
//! none; a draft kind that does not exist is a clear error. A draft model (`--draft FILE`) with
//! the model's vocabulary drafts with the same greedy text; one with another vocabulary is
//! refused, saying why. `hearth bench --draft` measures drafts against plain decoding on an
//! answer that quotes its prompt.

mod common;

use std::process::Command;

use common::{demo_model, hearth};

fn chat(prompt: &str, extra: &[&str]) -> serde_json::Value {
    let out =
        Command::new(hearth()).arg("chat").arg(demo_model()).args(["--prompt", prompt, "--max-tokens", "48", "--json"]).args(extra).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const QUOTE: &str = "Repeat the following text exactly, word for word: \"The mill opens at dawn. The miller grinds wheat into flour until noon, and in winter the river freezes and the great wheel stops turning until spring returns to the valley.\"";

#[test]
fn drafts_from_the_prompt_are_kept_and_the_greedy_text_is_the_same() {
    for prompt in [QUOTE, "Name three colors of the rainbow."] {
        let plain = chat(prompt, &["--temp", "0", "--draft", "none"]);
        let drafted = chat(prompt, &["--temp", "0", "--draft", "ngram"]);
        assert_eq!(plain["text"], drafted["text"], "{prompt}");
        assert!(plain["draft"].is_null());
        assert_eq!(drafted["draft"]["kind"], "ngram");
        if prompt == QUOTE {
            let (proposed, accepted) = (drafted["draft"]["proposed"].as_u64().unwrap(), drafted["draft"]["accepted"].as_u64().unwrap());
            // How many drafts are worth checking depends on this machine's measured costs (on one
            // busy core, none: a batch of five costs more than five steps); the first ones are
            // checked before costs are measured (2 tokens each), and they keep "at dawn" and more
            // before the answer paraphrases ("dawn, the miller").
            assert!(accepted >= 4 && accepted <= proposed, "{}", drafted["draft"]);
        }
    }
}

#[test]
fn a_sampled_answer_takes_no_drafts_and_an_unknown_kind_is_refused() {
    let sampled = chat(QUOTE, &["--temp", "0.8", "--seed", "3", "--draft", "ngram"]);
    assert!(sampled["draft"].is_null(), "drafts are checked by greedy agreement only: {}", sampled["draft"]);
    let out = Command::new(hearth()).arg("chat").arg(demo_model()).args(["--prompt", "hi", "--draft", "eagle"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not none, ngram or a draft model's GGUF file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The model's own setting (Settings → Model in the app) turns drafting on for its answers; a
/// flag wins over it.
#[test]
fn the_models_saved_draft_setting_is_used_and_a_flag_wins() {
    let home = tempfile::tempdir().unwrap();
    let model = home.path().join("demo.gguf");
    std::fs::copy(demo_model(), &model).unwrap();
    let core = hearth_core::Core::new(hearth_store::HearthHome::at(home.path()), hearth_engine_client::EngineClient::new(hearth())).unwrap();
    let saved = hearth_protocol::ModelSettings { draft: hearth_protocol::DraftKind::Ngram, ..Default::default() };
    core.save_model_settings(&model.display().to_string(), &saved).unwrap();
    drop(core);
    let run = |flags: &[&str]| -> serde_json::Value {
        let out = Command::new(hearth())
            .env("HEARTH_HOME", home.path())
            .arg("chat")
            .arg(&model)
            .args(["--prompt", QUOTE, "--max-tokens", "32", "--temp", "0", "--json"])
            .args(flags)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(run(&[])["draft"]["kind"], "ngram");
    assert!(run(&["--draft", "none"])["draft"].is_null());
}

#[test]
fn a_draft_model_with_the_same_vocabulary_drafts_and_the_greedy_text_is_the_same() {
    // The demo model drafting for itself: every draft it is sure of is kept.
    let plain = chat(QUOTE, &["--temp", "0", "--draft", "none"]);
    let drafted = chat(QUOTE, &["--temp", "0", "--draft", demo_model().to_str().unwrap()]);
    assert_eq!(plain["text"], drafted["text"]);
    assert_eq!(drafted["draft"]["kind"], "model", "{}", drafted["draft"]);
    let (proposed, accepted) = (drafted["draft"]["proposed"].as_u64().unwrap(), drafted["draft"]["accepted"].as_u64().unwrap());
    assert!(accepted >= 5 && accepted <= proposed, "{}", drafted["draft"]);
}

#[test]
fn a_draft_model_with_another_vocabulary_is_refused_with_the_reason() {
    let gemma = std::env::var_os("HEARTH_TEST_GEMMA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/gemma-3-270m-Q4_K_M.gguf"));
    assert!(gemma.is_file(), "Gemma 3 270M is missing at {}: run scripts/fetch-models.sh", gemma.display());
    let out = Command::new(hearth()).arg("chat").arg(demo_model()).args(["--prompt", "hi", "--draft"]).arg(&gemma).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot draft for this model: its vocabulary differs (tokenizer type SPM, the target's is BPE)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bench_measures_drafts_against_plain_decoding_on_an_answer_that_quotes_its_prompt() {
    // One thread: plain one-token steps and batched checks then round alike (bench/RESULTS.md),
    // so the two texts must be the same.
    let out = Command::new(hearth())
        .arg("bench")
        .arg(demo_model())
        .args(["-p", "0", "-n", "48", "--ttft-prompt", "0", "-r", "1", "--threads", "1", "--draft", "ngram", "--json", "--no-save"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &report["speculative"];
    assert_eq!(s["kind"], "ngram", "{report}");
    assert!(s["plain_tg_tps"].as_f64().unwrap() > 0.0 && s["draft_tg_tps"].as_f64().unwrap() > 0.0, "{s}");
    let (proposed, accepted) = (s["proposed"].as_u64().unwrap(), s["accepted"].as_u64().unwrap());
    assert!(accepted >= 10 && accepted <= proposed, "{s}");
    assert_eq!(s["same_text"], true, "{s}");
    assert!(report["tg_tps"].as_f64().unwrap() > 0.0);
    // Without --draft there is no such run.
    let out = Command::new(hearth())
        .arg("bench")
        .arg(demo_model())
        .args(["-p", "0", "-n", "8", "--ttft-prompt", "0", "-r", "1", "--json", "--no-save"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().get("speculative").is_none());
}
