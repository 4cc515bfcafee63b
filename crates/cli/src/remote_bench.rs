//! `hearth bench --remote URL --remote-model ID`: the benchmark's measures for a model on a remote
//! OpenAI-compatible server, through the same client chats use (`hearth-remote`): prompt
//! processing (the server's own speed when it reports it, else the prompt over the time to the
//! first token), generation, and the time to the first token of a long prompt, as the user sees it
//! (network included). Every prompt starts differently, so a server's prompt cache cannot answer it.

use std::time::{SystemTime, UNIX_EPOCH};

use hearth_engine::bench::mean_stdev;
use hearth_protocol::{phrase, BenchReport, ChatMessage, Event, GenerationStats, Phrase, Role, SamplingSettings};
use hearth_remote::Endpoint;

pub struct RemoteBench {
    pub endpoint: Endpoint,
    pub model: String,
    pub n_prompt: u32,
    pub n_gen: u32,
    pub ttft_prompt: u32,
    pub reps: u32,
}

/// About `tokens` tokens of text (one common word is one token in the usual vocabularies), made
/// unique by `salt`.
fn filler(tokens: u32, salt: &str) -> String {
    let mut s = format!("{salt}: ");
    s.push_str(&" the".repeat(tokens as usize));
    s
}

async fn one(b: &RemoteBench, prompt: String, max_tokens: u32) -> anyhow::Result<GenerationStats> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let messages = vec![ChatMessage::new(Role::User, prompt)];
    let sampling = SamplingSettings { temperature: Some(0.0), max_tokens: Some(max_tokens), ..Default::default() };
    let _job = hearth_remote::generate(b.endpoint.clone(), b.model.clone(), 0, messages, sampling, tx);
    while let Some(ev) = rx.recv().await {
        match ev {
            Event::Done { stats, .. } => return Ok(stats),
            Event::Error { error, .. } => anyhow::bail!("{}", error.message),
            _ => {}
        }
    }
    anyhow::bail!("the remote answer ended without a result")
}

pub async fn run(b: &RemoteBench, step: &mut dyn FnMut(Phrase)) -> anyhow::Result<BenchReport> {
    let nonce = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let (mut pp, mut tg) = (Vec::new(), Vec::new());
    for rep in 0..b.reps.max(1) {
        if b.n_prompt > 0 {
            step(phrase!("said.bench.prompt", "prompt {rep}/{reps}", rep = rep + 1, reps = b.reps));
            let s = one(b, filler(b.n_prompt, &format!("run {nonce}-{rep}")), 1).await?;
            if s.pp_tps > 0.0 {
                pp.push(s.pp_tps);
            }
        }
        if b.n_gen > 0 {
            step(phrase!("said.bench.generation", "generation {rep}/{reps}", rep = rep + 1, reps = b.reps));
            let prompt = format!("Story {nonce}-{rep}. Write a very long story about a lighthouse keeper, with many chapters.");
            let s = one(b, prompt, b.n_gen).await?;
            if s.tg_tps > 0.0 {
                tg.push(s.tg_tps);
            }
        }
    }
    let ttft_ms = if b.ttft_prompt > 0 {
        step(phrase!("said.bench.ttft", "time to first token"));
        Some(one(b, filler(b.ttft_prompt, &format!("ttft {nonce}")), 1).await?.ttft_ms)
    } else {
        None
    };
    let (pp_tps, pp_tps_stdev) = mean_stdev(&pp);
    let (tg_tps, tg_tps_stdev) = mean_stdev(&tg);
    Ok(BenchReport {
        model: b.model.clone(),
        model_path: format!("{}/{}", b.endpoint.base_url, b.model),
        quant: String::new(),
        size_bytes: 0,
        parameters: 0,
        backend: format!("remote {}", b.endpoint.host()),
        threads: 0,
        n_prompt: b.n_prompt,
        n_gen: b.n_gen,
        depth: 0,
        reps: b.reps.max(1),
        load_ms: 0.0,
        ttft_prompt: b.ttft_prompt,
        ttft_ms,
        pp_tps,
        pp_tps_stdev,
        tg_tps,
        tg_tps_stdev,
        peak_rss_bytes: None,
        power_w: None,
        joules_per_token: None,
        speculative: None,
    })
}
