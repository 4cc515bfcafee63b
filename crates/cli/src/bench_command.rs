//! `hearth bench MODEL.gguf [-p 512] [-n 128] [--depth N] [--threads N] [--gpu-layers N]
//! [--reps N] [--draft ngram|FILE] [--json]`: load time, time to first token, prompt and
//! generation speed (mean ± stdev), peak memory, power and energy per token, and with `--draft`
//! speculative decoding against plain decoding on an answer that quotes its prompt. Results are
//! kept in Hearth's database, per machine; `hearth bench --list` shows them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use hearth_engine::bench::{bench, BenchRequest};
use hearth_hardware::Probe;
use hearth_protocol::jobs::{write_line, BenchJob, BenchStep, JobLine};
use hearth_protocol::{ErrorCode, ErrorPayload, Phrase};
use hearth_store::{HearthHome, Store};

#[derive(Args)]
pub struct BenchArgs {
    #[arg(required_unless_present_any = ["list", "remote"])]
    model: Option<PathBuf>,
    /// Benchmark a model on a remote OpenAI-compatible server (vLLM, llama-server, Ollama,
    /// another Hearth) instead of a local file; the API key comes from $HEARTH_REMOTE_API_KEY.
    #[arg(long, value_name = "URL", requires = "remote_model", conflicts_with = "model")]
    remote: Option<String>,
    /// The model's id on the remote server (as its /v1/models lists it).
    #[arg(long = "remote-model", value_name = "ID", requires = "remote")]
    remote_model: Option<String>,
    /// Prompt tokens per prompt-processing run (as llama-bench's -p); 0 skips it.
    #[arg(short = 'p', long = "n-prompt", default_value_t = 512)]
    n_prompt: u32,
    /// Tokens generated per run (as llama-bench's -n); 0 skips it.
    #[arg(short = 'n', long = "n-gen", default_value_t = 128)]
    n_gen: u32,
    /// Tokens already in the context before each run (as llama-bench's -d).
    #[arg(short = 'd', long, default_value_t = 0)]
    depth: u32,
    /// Prompt length for the time-to-first-token run; 0 skips it.
    #[arg(long, default_value_t = 4096)]
    ttft_prompt: u32,
    #[arg(short = 't', long)]
    threads: Option<u32>,
    #[command(flatten)]
    placement: crate::placement_args::PlacementArgs,
    #[arg(short = 'r', long, default_value_t = 5)]
    reps: u32,
    /// Also measure speculative decoding: a greedy answer of `-n` tokens that quotes its prompt,
    /// generated plainly and with drafts (`ngram`, or a draft model's GGUF file) in turns.
    #[arg(long, value_parser = crate::placement_args::parse_draft, value_name = "none|ngram|FILE", conflicts_with = "remote")]
    draft: Option<crate::placement_args::DraftArg>,
    #[arg(long)]
    json: bool,
    /// JSON lines for a parent process: `progress` steps, then `done` (with the report) or `error`.
    #[arg(long, hide = true)]
    events: bool,
    /// Do not keep the result in Hearth's database.
    #[arg(long)]
    no_save: bool,
    /// List the kept results (this machine's, or all with --all-machines).
    #[arg(long)]
    list: bool,
    #[arg(long)]
    all_machines: bool,
}

fn open_store() -> anyhow::Result<Store> {
    let home = HearthHome::from_env();
    Store::open(&home.database()).with_context(|| format!("opening {}", home.database().display()))
}

pub fn this_machine_label() -> String {
    Probe::system().snapshot(Duration::ZERO).machine_label()
}

/// This machine's kept results (none when the database cannot be read: advice still works).
pub fn kept_reports(machine: &str) -> Vec<hearth_protocol::BenchReport> {
    open_store().and_then(|s| Ok(s.bench_results(Some(machine))?)).map(|v| v.into_iter().map(|r| r.report).collect()).unwrap_or_default()
}

pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    let machine = this_machine_label();
    if a.list {
        let records = open_store()?.bench_results((!a.all_machines).then_some(machine.as_str()))?;
        if a.json {
            println!("{}", serde_json::to_string(&records)?);
        } else {
            for r in records {
                let x = &r.report;
                println!(
                    "{}  {}  {} {}  pp{} {:.1} tok/s  tg{} {:.1} tok/s  ({}, {} threads)",
                    r.id,
                    r.machine,
                    x.model,
                    x.quant,
                    x.n_prompt,
                    x.pp_tps.unwrap_or(0.0),
                    x.n_gen,
                    x.tg_tps.unwrap_or(0.0),
                    x.backend,
                    x.threads
                );
            }
        }
        return Ok(());
    }
    let (json, events) = (a.json, a.events);
    let mut step = |step: Phrase| {
        if events {
            write_line::<BenchJob>(&JobLine::Progress { progress: BenchStep { step } });
        } else if !json {
            eprintln!("[{step}]");
        }
    };
    let result = match (&a.remote, &a.remote_model) {
        (Some(url), Some(id)) => {
            let key = std::env::var("HEARTH_REMOTE_API_KEY").ok();
            let b = crate::remote_bench::RemoteBench {
                endpoint: hearth_remote::Endpoint::new(url, key)?,
                model: id.clone(),
                n_prompt: a.n_prompt,
                n_gen: a.n_gen,
                ttft_prompt: a.ttft_prompt,
                reps: a.reps,
            };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(crate::remote_bench::run(&b, &mut step)).map_err(|e| ErrorPayload::new(ErrorCode::RemoteFailed, e.to_string()))
        }
        _ => local_bench(&a, &mut step),
    };
    report_bench(result, &machine, a.no_save, json, events)
}

fn local_bench(a: &BenchArgs, step: &mut dyn FnMut(Phrase)) -> Result<hearth_protocol::BenchReport, ErrorPayload> {
    let model = a.model.clone().expect("clap requires it");
    // The placement the app saved for this file, unless a flag says otherwise.
    let flags = hearth_core::settings::SettingsOverrides {
        draft_model: a.draft.as_ref().and_then(|d| d.model.clone()),
        ..a.placement.overrides(None, a.threads)
    };
    let mut settings =
        crate::placement_args::launch_settings_for(&model, &flags).map_err(|e| ErrorPayload::new(ErrorCode::Storage, e.to_string()))?;
    if a.draft.as_ref().is_none_or(|d| d.model.is_none()) {
        // A draft model the app saved for this file is loaded only when `--draft FILE` asks.
        settings.draft_model = None;
    }
    if a.placement.batch.is_none() {
        // llama-bench's default batch: the whole prompt in one call when it fits.
        settings.batch_size = settings.batch_size.max(2048);
    }
    let req = BenchRequest {
        path: model,
        n_prompt: a.n_prompt,
        n_gen: a.n_gen,
        depth: a.depth,
        ttft_prompt: a.ttft_prompt,
        settings,
        reps: a.reps,
        draft: a.draft.as_ref().map(|d| d.kind),
    };
    bench(&req, step).map_err(|e| e.payload())
}

fn report_bench(
    result: Result<hearth_protocol::BenchReport, ErrorPayload>,
    machine: &str,
    no_save: bool,
    json: bool,
    events: bool,
) -> anyhow::Result<()> {
    let report = match result {
        Ok(r) => r,
        Err(error) if events => {
            write_line::<BenchJob>(&JobLine::Error { error });
            std::process::exit(1);
        }
        Err(e) => anyhow::bail!("{}", e.message),
    };
    if !no_save {
        open_store()?.add_bench_result(machine, &report)?;
    }
    if events {
        write_line::<BenchJob>(&JobLine::Done { report });
        return Ok(());
    }
    if json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let pm = |m: Option<f64>, s: Option<f64>| match (m, s) {
        (Some(m), Some(s)) => format!("{m:.2} ± {s:.2}"),
        _ => "-".into(),
    };
    println!("model        {} ({}, {:.1} MiB)", report.model, report.quant, report.size_bytes as f64 / 1048576.0);
    println!("machine      {machine}");
    println!("backend      {}, {} threads", report.backend, report.threads);
    println!("load         {:.0} ms", report.load_ms);
    println!("pp{:<10} {} tok/s", report.n_prompt, pm(report.pp_tps, report.pp_tps_stdev));
    println!("tg{:<10} {} tok/s (depth {})", report.n_gen, pm(report.tg_tps, report.tg_tps_stdev), report.depth);
    if let Some(t) = report.ttft_ms {
        println!("first token  {t:.0} ms after a {}-token prompt", report.ttft_prompt);
    }
    if let Some(rss) = report.peak_rss_bytes {
        println!("peak memory  {:.1} MiB", rss as f64 / 1048576.0);
    }
    match (report.power_w, report.joules_per_token) {
        (Some(w), Some(j)) => println!("power        {w:.1} W, {j:.3} J/token"),
        _ => println!("power        not measurable here (no RAPL or GPU power sensor readable)"),
    }
    if let Some(s) = &report.speculative {
        let kind = match &s.draft_model {
            Some(file) => format!("draft model {file}"),
            None => format!("{:?} drafts", s.kind).to_lowercase(),
        };
        println!(
            "speculative  {kind}: {:.2} tok/s against {:.2} plain ({:.2}x), {} of {} drafts kept, {}",
            s.draft_tg_tps,
            s.plain_tg_tps,
            s.draft_tg_tps / s.plain_tg_tps.max(f64::MIN_POSITIVE),
            s.accepted,
            s.proposed,
            if s.same_text { "the same text" } else { "the texts differ (batched and one-token steps round differently)" }
        );
    }
    Ok(())
}
