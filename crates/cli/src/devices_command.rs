//! `hearth devices [--json]`: the devices llama.cpp can compute on in this build (the names
//! `--device` takes), where a model goes when none is chosen and why, and, for a build with
//! backends loaded at run time (the package), every backend library found: loaded, or why not.
//! `hearth devices --check MODEL [--device NAME[,NAME]]`: whether a GPU
//! backend computes the model as the CPU does: the next-token predictions over a fixed text,
//! compared position by position (a broken driver or backend agrees on almost nothing).
//! `--rpc HOST:PORT,…` adds other machines' devices (`hearth rpc-server`) first; with `--check`
//! the model is split over them and checked against this machine's CPU.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use hearth_engine::next_token::check_device;
use hearth_engine::Engine;
use hearth_protocol::ModelSettings;

#[derive(Args)]
pub struct DevicesArgs {
    /// Check a model on the GPU devices against the CPU.
    #[arg(long, value_name = "MODEL")]
    check: Option<PathBuf>,
    /// The devices to check (default: every GPU device, software ones included), by the names
    /// `hearth devices` lists.
    #[arg(long = "device", value_name = "NAME[,NAME]", value_delimiter = ',', requires = "check")]
    devices: Vec<String>,
    /// Add the devices of these `hearth rpc-server`s (other machines) first.
    #[arg(long = "rpc", value_name = "HOST:PORT[,HOST:PORT]", value_delimiter = ',')]
    rpc: Vec<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(a: DevicesArgs) -> anyhow::Result<()> {
    hearth_engine::rpc::add_servers(&a.rpc)?;
    let Some(model) = a.check else {
        let devices = Engine::devices();
        let libraries = Engine::backend_libraries();
        let default = Engine::default_device_reason();
        if a.json {
            println!(
                "{}",
                serde_json::json!({ "devices": devices, "backend_libraries": libraries, "default": default.text, "default_phrase": default })
            );
        } else {
            for d in &devices {
                let memory = if d.memory_total_bytes > 0 {
                    format!(", {:.1} of {:.1} GiB free", d.memory_free_bytes as f64 / 1073741824.0, d.memory_total_bytes as f64 / 1073741824.0)
                } else {
                    String::new()
                };
                println!("{:<10} {:<8} {}{memory}", d.name, d.backend, d.description);
            }
            println!("\nWith no device chosen, a model runs on {default}");
            if !libraries.is_empty() {
                println!("\nBackend libraries:");
                let name = |l: &hearth_protocol::BackendLibrary| match &l.variant {
                    Some(v) => format!("{} ({v})", l.backend),
                    None => l.backend.clone(),
                };
                // As wide as the longest name ("cpu (sapphirerapids)" pushed its row out).
                let width = libraries.iter().map(|l| name(l).chars().count()).max().unwrap_or(0);
                for l in &libraries {
                    let name = name(l);
                    match &l.reason {
                        None => println!("  {name:<width$} loaded      {}", l.path),
                        Some(why) => println!("  {name:<width$} not loaded  {}: {why}", l.path),
                    }
                }
            }
        }
        return Ok(());
    };
    // Checking means naming: with no device given, every GPU device, software ones included.
    let devices = if a.devices.is_empty() { Engine::gpu_device_names() } else { a.devices };
    let settings = ModelSettings { devices, rpc: a.rpc.clone(), context_length: Some(512), ..Default::default() };
    let check = check_device(&model, &settings)?;
    let g = &check.agreement;
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "backend": check.backend, "positions": g.positions, "same_choice": g.same_choice,
                "near_ties": g.near_ties, "max_logit_diff": g.max_logit_diff, "passed": check.passed(),
            })
        );
    } else {
        println!(
            "{} against the CPU: the same next token at {} of {} positions, {} near ties, largest logit difference {:.3}",
            check.backend, g.same_choice, g.positions, g.near_ties, g.max_logit_diff
        );
    }
    if check.backend == "CPU" {
        bail!("the model ran on the CPU both times: this build or machine has no GPU device to check");
    }
    if !check.passed() {
        bail!(
            "{} computes this model differently from the CPU ({} real disagreements): its answers cannot be trusted",
            check.backend,
            g.real_disagreements()
        );
    }
    Ok(())
}
