//! `hearth advise`: which quant of a model fits a machine, how fast it runs, how to launch it;
//! `--compare` sets the catalog's machines side by side for one model.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use hearth_advisor::{advise, compare_hardware, Advice, AdviceRequest, Catalog, Fit, HardwareSpec, KvCacheType, ModelShape, QuantRow, Use, GIB};
use hearth_hardware::{Probe, Roots};

#[derive(Args)]
pub struct AdviseArgs {
    /// A local GGUF file, or a catalog model id (see --list-models).
    #[arg(long, required_unless_present_any = ["list_models", "list_hardware"])]
    model: Option<String>,
    /// `detect` (this machine) or a catalog hardware id (see --list-hardware).
    #[arg(long, default_value = "detect")]
    hardware: String,
    /// Ask about one quant type (e.g. Q4_K_M); otherwise the recommended one is reported.
    #[arg(long)]
    quant: Option<String>,
    /// cpu, vulkan, rocm, cuda or metal; the machine's usual backend otherwise.
    #[arg(long)]
    backend: Option<String>,
    /// Context length in tokens.
    #[arg(long, default_value_t = 32768, allow_negative_numbers = true)]
    ctx: i64,
    /// Tokens already in the context when generation and prompt speed are predicted (and the
    /// length of the document whose reading time is predicted).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    depth: i64,
    /// KV cache type.
    #[arg(long, value_enum, default_value_t = KvArg::F16)]
    kv: KvArg,
    /// What the model is for: sets the speed worth trading quality for.
    #[arg(long = "use", value_enum, default_value_t = UseArg::Chat)]
    use_case: UseArg,
    /// Set the catalog's machines side by side for this model.
    #[arg(long)]
    compare: bool,
    /// For a local file: also ask llama.cpp what it would allocate (a dry run, nothing loaded).
    #[arg(long)]
    measure: bool,
    /// Size the model over this many machines like --hardware joined by llama.cpp's RPC backend.
    #[arg(long, value_name = "N")]
    machines: Option<u32>,
    /// With --machines: the network's speed between them (an assumption unless you measured it).
    #[arg(long, default_value_t = 10.0)]
    link_gbps: f64,
    /// With --machines: the network's round trip (ping) between them.
    #[arg(long, default_value_t = 0.2)]
    link_rtt_ms: f64,
    #[arg(long)]
    json: bool,
    #[arg(long)]
    list_models: bool,
    #[arg(long)]
    list_hardware: bool,
    /// With --hardware detect: read sysfs from DIR (to replay another machine).
    #[arg(long, value_name = "DIR")]
    sysfs_root: Option<PathBuf>,
    /// With --hardware detect: read procfs from DIR.
    #[arg(long, value_name = "DIR")]
    proc_root: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum KvArg {
    F16,
    #[value(name = "q8_0")]
    Q8_0,
    #[value(name = "q4_0")]
    Q4_0,
}

#[derive(Clone, Copy, ValueEnum)]
enum UseArg {
    Chat,
    LongDocuments,
    Coding,
}

pub fn run(a: AdviseArgs) -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    if a.list_models || a.list_hardware {
        if a.list_models {
            print_list(a.json, catalog.models.iter().map(|m| (m.id.as_str(), m.name.as_str())))?;
        }
        if a.list_hardware {
            print_list(a.json, catalog.hardware.iter().map(|h| (h.id.as_str(), h.name.as_str())))?;
        }
        return Ok(());
    }
    let ctx = u32::try_from(a.ctx).ok().filter(|c| *c > 0).with_context(|| format!("--ctx must be a positive number of tokens, not {}", a.ctx))?;
    let depth = u32::try_from(a.depth).with_context(|| format!("--depth must be zero or more tokens, not {}", a.depth))?;
    if depth > ctx {
        bail!("--depth ({depth}) cannot exceed --ctx ({ctx})");
    }
    let model = a.model.as_deref().unwrap_or_default();
    let local = matches!(hearth_core::ModelChoice::from_arg(model), hearth_core::ModelChoice::File { .. });
    let shape = if local { ModelShape::from_gguf_file(Path::new(model))? } else { ModelShape::from_catalog(catalog.model(model)?) };
    if a.measure && !local {
        bail!("--measure needs a local GGUF file: a catalog model has no file for llama.cpp to size");
    }
    let hardware: HardwareSpec = if a.hardware == "detect" {
        let d = Roots::default();
        let replay = a.sysfs_root.is_some() || a.proc_root.is_some();
        let mut probe = if replay {
            Probe::new(
                Roots { sysfs: a.sysfs_root.unwrap_or(d.sysfs), proc: a.proc_root.unwrap_or(d.proc) },
                Box::new(crate::hardware_command::NoNvidia),
            )
        } else {
            Probe::system()
        };
        let snapshot = probe.snapshot(Duration::from_millis(0));
        // This machine's own benchmark results, where there are some, replace assumptions.
        let reports: Vec<_> = if replay { Vec::new() } else { crate::bench_command::kept_reports(&snapshot.machine_label()) };
        hearth_core::calibrated_machine(&snapshot, &reports)
    } else {
        catalog.machine(&a.hardware)?.clone()
    };
    let kv_type = match a.kv {
        KvArg::F16 => KvCacheType::F16,
        KvArg::Q8_0 => KvCacheType::Q8_0,
        KvArg::Q4_0 => KvCacheType::Q4_0,
    };
    let measured = if a.measure { Some(crate::dry_run_command::measure(Path::new(model), ctx, kv_type, None)?) } else { None };
    let use_case = match a.use_case {
        UseArg::Chat => Use::Chat,
        UseArg::LongDocuments => Use::LongDocuments,
        UseArg::Coding => Use::Coding,
    };
    let advice = advise(
        catalog,
        &AdviceRequest {
            shape: &shape,
            hardware: &hardware,
            backend: a.backend.as_deref(),
            ctx,
            depth,
            kv_type,
            use_case,
            quant: a.quant.as_deref(),
        },
    )?;

    if let Some(n) = a.machines {
        if n == 0 || n > 64 {
            bail!("--machines must be between 1 and 64, not {n}");
        }
        let quant = a.quant.clone().or_else(|| advice.recommendation.as_ref().map(|r| r.quant.clone())).unwrap_or_else(|| "Q4_K_M".into());
        let link = hearth_advisor::Link { gbit_per_s: a.link_gbps, round_trip_ms: a.link_rtt_ms };
        let c = hearth_advisor::rpc_cluster(catalog, &shape, &quant, ctx, kv_type, &hardware, n, link)?;
        if a.json {
            println!("{}", serde_json::json!({ "model": advice.model, "quant": quant, "ctx": ctx, "cluster": c }));
        } else {
            println!("{} {quant} at {ctx} tokens of context on {n} x {} (llama.cpp RPC)", advice.model.name, hardware.name);
            println!(
                "  {}: {:.1} GiB in all, {:.1} GiB per machine of {:.1} GiB GPU-addressable",
                fit_name(c.fits),
                c.total_bytes / GIB,
                c.per_machine_bytes / GIB,
                c.per_machine_pool_bytes / GIB
            );
            match c.machines_needed {
                Some(m) => println!("  machines needed at the least: {m}"),
                None => println!("  does not fit on 16 of these machines"),
            }
            println!("  predicted: pp {:.0} tok/s, tg {:.1} tok/s ({:.1} if the network cost nothing)", c.pp_tps, c.tg_tps, c.tg_tps_without_network);
            for line in &c.commands {
                println!("  {line}");
            }
            for note in &c.notes {
                println!("  note: {note}");
            }
        }
        return Ok(());
    }

    if a.compare {
        let quant = a.quant.clone().or_else(|| advice.recommendation.as_ref().map(|r| r.quant.clone())).unwrap_or_else(|| "Q4_K_M".into());
        let extra = if hardware.id == "this-machine" { vec![hardware.clone()] } else { vec![] };
        let rows = compare_hardware(catalog, &shape, &quant, ctx, depth, kv_type, &extra)?;
        if a.json {
            println!("{}", serde_json::json!({ "model": advice.model, "quant": quant, "ctx": ctx, "depth": depth, "machines": rows }));
        } else {
            println!("{} {quant} at {ctx} tokens of context, generation at depth {depth}", advice.model.name);
            println!("{:<58} {:>8} {:>10} {:>8} {:>8} {:>7} {:>6} {:>8}", "machine", "fits", "memory", "pp t/s", "tg t/s", "price", "watts", "tok/J");
            for r in rows {
                println!(
                    "{:<58} {:>8} {:>6.1} GiB {:>8.0} {:>8.1} {:>7} {:>6} {:>8}",
                    r.hardware.name,
                    fit_name(r.fits),
                    r.total_bytes / GIB,
                    r.pp_tps,
                    r.tg_tps,
                    r.hardware.price_usd.map_or("-".into(), |p| format!("${p:.0}")),
                    r.hardware.power_w.map_or("-".into(), |w| format!("{w:.0}")),
                    r.tokens_per_joule.map_or("-".into(), |t| format!("{t:.2}")),
                );
            }
        }
        return Ok(());
    }

    // The row the answer is about: the quant asked for, else the file as it is, else the
    // recommendation, else the smallest (which does not fit either).
    let selected: QuantRow = advice
        .selected
        .clone()
        .filter(|_| a.quant.is_some() || !advice.rows.iter().any(|r| r.this_file))
        .or_else(|| advice.rows.iter().find(|r| r.this_file).cloned())
        .or_else(|| advice.rows.iter().min_by(|x, y| x.memory.total_bytes.total_cmp(&y.memory.total_bytes)).cloned())
        .context("the advisor produced no rows")?;
    if a.json {
        let out = serde_json::json!({
            "model": advice.model,
            "hardware": advice.hardware,
            "backend": advice.backend,
            "ctx": ctx,
            "depth": depth,
            "quant": selected.quant,
            "memory": selected.memory,
            "fits": selected.fits,
            "gpu_layers": selected.gpu_layers,
            "n_cpu_moe": selected.n_cpu_moe,
            "predicted": {
                "pp_tps": selected.predicted.pp_tps,
                "pp_tps_start": selected.predicted.pp_tps_start,
                "prefill_seconds": selected.predicted.prefill_seconds,
                "tg_tps": selected.predicted.tg_tps,
                "tg_tps_start": selected.predicted.tg_tps_start,
                "tg_low": selected.predicted.tg_low,
                "tg_high": selected.predicted.tg_high,
                "pp_low": selected.predicted.pp_low,
                "pp_high": selected.predicted.pp_high
            },
            "recommendation": advice.recommendation,
            "no_recommendation": advice.no_recommendation,
            "no_recommendation_phrase": advice.no_recommendation_phrase,
            "notes": advice.notes,
            "note_phrases": advice.note_phrases,
            "backend_options": advice.backend_options,
            "backend_choice": advice.backend_choice,
            "measured": measured,
            "rows": advice.rows,
            "gpu_pool_bytes": advice.gpu_pool_bytes.round() as u64,
            "ram_pool_bytes": advice.ram_pool_bytes.round() as u64,
            "sources": advice.sources,
        });
        println!("{out}");
    } else {
        print_table(&advice);
        if let Some(m) = measured {
            println!(
                "\nllama.cpp's own dry run of this file at {ctx} tokens: weights {:.2} GiB, KV {:.2} GiB, compute {:.2} GiB (estimate above: the \"this file\" row)",
                m.weights_bytes as f64 / GIB, m.kv_bytes as f64 / GIB, m.compute_bytes as f64 / GIB
            );
        }
    }
    Ok(())
}

fn print_list<'a>(json: bool, items: impl Iterator<Item = (&'a str, &'a str)>) -> anyhow::Result<()> {
    let items: Vec<_> = items.collect();
    if json {
        let v: Vec<_> = items.iter().map(|(id, name)| serde_json::json!({ "id": id, "name": name })).collect();
        println!("{}", serde_json::to_string(&v)?);
    } else {
        for (id, name) in items {
            println!("{id:<22} {name}");
        }
    }
    Ok(())
}

fn fit_name(f: Fit) -> &'static str {
    match f {
        Fit::Gpu => "gpu",
        Fit::Unified => "unified",
        Fit::Partial => "partial",
        Fit::Cpu => "cpu",
        Fit::No => "no",
    }
}

fn print_table(a: &Advice) {
    println!("{} on {} ({}), {} tokens of context", a.model.name, a.hardware.name, a.backend, a.ctx);
    if a.gpu_pool_bytes > 0.0 {
        println!("the GPU can hold {:.1} GiB; RAM for models {:.1} GiB", a.gpu_pool_bytes / GIB, a.ram_pool_bytes / GIB);
    } else {
        println!("no GPU is used; RAM for models {:.1} GiB", a.ram_pool_bytes / GIB);
    }
    for note in a.hardware.note.iter().chain(&a.notes) {
        println!("note: {note}");
    }
    println!();
    println!(
        "{:<22} {:>9} {:>8} {:>8} {:>9} {:>8} {:>10} {:>8} {:>8} {:>9}",
        "quant", "weights", "KV", "compute", "total", "fits", "placement", "pp t/s", "tg t/s", "KLD"
    );
    for r in &a.rows {
        let placement = match r.fits {
            Fit::Partial if r.n_cpu_moe > 0 => format!("moe-cpu {}", r.n_cpu_moe),
            Fit::Partial => format!("ngl {}", r.gpu_layers),
            _ => String::new(),
        };
        println!(
            "{:<22} {:>5.1} GiB {:>4.1} GiB {:>4.1} GiB {:>5.1} GiB {:>8} {:>10} {:>8.0} {:>8.1} {:>9}",
            r.quant,
            r.memory.weights_bytes / GIB,
            r.memory.kv_bytes / GIB,
            r.memory.compute_bytes / GIB,
            r.memory.total_bytes / GIB,
            fit_name(r.fits),
            placement,
            r.predicted.pp_tps,
            r.predicted.tg_tps,
            r.kld.map_or("-".into(), |k| format!("{k:.4}")),
        );
    }
    if let Some(row) = &a.selected {
        let p = &row.predicted;
        println!(
            "\n{}: generation about {:.0} tok/s ({:.0}-{:.0}), prompt about {:.0} tok/s ({:.0}-{:.0}); the bands are how far apart published runs of one model on one machine land",
            row.quant, p.tg_tps, p.tg_low, p.tg_high, p.pp_tps, p.pp_low, p.pp_high
        );
    }
    if a.depth > 0 {
        if let Some(row) = &a.selected {
            let p = &row.predicted;
            println!(
                "\n{} at depth {}: prompt {:.0} tok/s (from {:.0} at depth 0); reading a {}-token document takes about {:.0} s",
                row.quant, a.depth, p.pp_tps, p.pp_tps_start, a.depth, p.prefill_seconds
            );
        }
    }
    println!();
    match (&a.recommendation, &a.no_recommendation) {
        (Some(r), _) => {
            println!("Recommendation: {}", r.reason);
            println!("  {}", r.launch);
        }
        (None, Some(why)) => println!("{why}"),
        _ => {}
    }
    println!();
    println!("Sources:");
    for s in &a.sources {
        println!("  {s}");
    }
}
