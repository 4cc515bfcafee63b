//! `hearth hardware [--json] [--watch SECONDS] [--sysfs-root DIR] [--proc-root DIR]`, and
//! `hearth hardware --check-tuning [--model ID|FILE] [--ctx N] [--json]`: the host settings the
//! Strix Halo and DGX Spark guides change, each finding with the value read, what it should be,
//! the exact change and its source.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use hearth_hardware::{HardwareSnapshot, NvidiaReading, NvidiaSource, Probe, Roots};

#[derive(Args)]
pub struct HardwareArgs {
    /// One JSON object per snapshot.
    #[arg(long)]
    json: bool,
    /// Print a snapshot every SECONDS until interrupted.
    #[arg(long, value_name = "SECONDS")]
    watch: Option<f64>,
    /// Read sysfs from DIR instead of /sys (to replay another machine).
    #[arg(long, value_name = "DIR")]
    sysfs_root: Option<PathBuf>,
    /// Read procfs from DIR instead of /proc.
    #[arg(long, value_name = "DIR")]
    proc_root: Option<PathBuf>,
    /// Check the host's settings (GTT, BIOS carve-out, IOMMU, power profile, governor, driver).
    #[arg(long, conflicts_with = "watch")]
    check_tuning: bool,
    /// With --check-tuning: check memory against this model (a catalog id or a GGUF file).
    #[arg(long, value_name = "ID|FILE", requires = "check_tuning")]
    model: Option<String>,
    /// With --check-tuning and --model: the context to size it for.
    #[arg(long, value_name = "N", default_value_t = 32768, requires = "model")]
    ctx: u32,
}

/// A replayed tree has no NVML: NVIDIA readings would come from this machine, not the replayed one.
pub struct NoNvidia;
impl NvidiaSource for NoNvidia {
    fn read(&self) -> NvidiaReading {
        NvidiaReading::NoLibrary
    }
}

pub fn run(a: HardwareArgs) -> anyhow::Result<()> {
    let replay = a.sysfs_root.is_some() || a.proc_root.is_some();
    let mut probe = if replay {
        let d = Roots::default();
        Probe::new(Roots { sysfs: a.sysfs_root.unwrap_or(d.sysfs), proc: a.proc_root.unwrap_or(d.proc) }, Box::new(NoNvidia))
    } else {
        Probe::system()
    };
    if a.check_tuning {
        let model = a.model.as_deref().map(hearth_core::ModelChoice::from_arg);
        let report = hearth_core::tuning_report(&mut probe, model.as_ref(), a.ctx)?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print_tuning(&report);
        }
        return Ok(());
    }
    let warmup = Duration::from_millis(250);
    loop {
        let snap = probe.snapshot(warmup);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&snap)?);
        } else {
            print_text(&snap);
        }
        match a.watch {
            Some(secs) if secs > 0.0 => std::thread::sleep(Duration::from_secs_f64(secs)),
            _ => return Ok(()),
        }
    }
}

fn gib(b: Option<u64>) -> String {
    b.map_or_else(|| "-".into(), |b| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64))
}

/// The readings this machine gives, joined; an unknown one is left out (it printed "-", and a
/// line ended "· - · -" where no temperature or power is read).
fn known(parts: &[Option<String>]) -> String {
    parts.iter().flatten().cloned().collect::<Vec<_>>().join(" · ")
}

fn with_unit<T: std::fmt::Display>(v: Option<T>, unit: &str) -> Option<String> {
    v.map(|v| format!("{v:.0}{unit}"))
}

fn print_text(s: &HardwareSnapshot) {
    println!("memory  {} used of {} ({} available)", gib(s.memory.used_bytes), gib(s.memory.total_bytes), gib(s.memory.available_bytes));
    println!(
        "cpu     {}",
        known(&[
            Some(s.cpu.name.clone().unwrap_or_else(|| "unknown CPU".into())),
            with_unit(s.cpu.cores, " threads"),
            with_unit(s.cpu.usage_percent, "% load"),
            with_unit(s.cpu.temperature_c, " °C"),
            with_unit(s.cpu.power_w, " W"),
        ])
    );
    for g in &s.gpus {
        println!(
            "gpu     {}",
            known(&[
                Some(format!("{} ({})", g.name, g.vendor)),
                Some(format!(
                    "{} used of {} addressable [{:?}: dedicated {}, shared {}]",
                    gib(g.used_bytes),
                    gib(g.addressable_total_bytes),
                    g.memory_kind,
                    gib(g.dedicated_total_bytes),
                    gib(g.shared_total_bytes)
                )),
                with_unit(g.utilization_percent, "% busy"),
                with_unit(g.temperature_c, " °C"),
                with_unit(g.power_w, " W"),
            ])
        );
        if let Some(n) = &g.note {
            println!("        {n}");
        }
    }
    if s.gpus.is_empty() {
        println!("gpu     none found");
    }
    for t in &s.sensors {
        println!("sensor  {:<28} {:>6.1} °C  ({})", t.label, t.temperature_c, t.kind);
    }
}

fn print_tuning(r: &hearth_advisor::TuningReport) {
    if let Some(k) = &r.kernel_release {
        println!("kernel  {k}");
    }
    if let Some(m) = &r.model {
        println!("model   {m}");
    }
    if r.findings.is_empty() {
        println!("nothing to check here (no AMD APU, power profile, governor or NVIDIA driver found)");
    }
    for f in &r.findings {
        let mark = match f.severity {
            hearth_advisor::Severity::Problem => "PROBLEM",
            hearth_advisor::Severity::Advice => "advice",
            hearth_advisor::Severity::Ok => "ok",
        };
        println!("\n[{mark}] {} ({})", f.title, f.id);
        println!("  found:       {}", f.observed);
        println!("  recommended: {}", f.recommended);
        if let Some(fix) = &f.fix {
            println!("  fix:         {fix}");
        }
        if f.severity != hearth_advisor::Severity::Ok {
            println!("  why:         {}", f.why);
            println!("  source:      {}", f.source);
        }
    }
}
