//! `hearth quantize INPUT.gguf --type Q4_K_M [--output OUT] [--allow-requantize] [--json]`:
//! llama.cpp's quantizer, with progress. With `--json`, one JSON object per line on stdout
//! (`started` with the output path, `progress`, then `done` or `error`): the app runs this as a
//! child process and reads them.

use std::path::PathBuf;

use clap::Args;
use hearth_engine::quantize::{quantize, QuantizeRequest, QuantizeStep};
use hearth_protocol::jobs::{write_line, JobLine, QuantizeDone, QuantizeEvent, QuantizeJob};

#[derive(Args)]
pub struct QuantizeArgs {
    input: PathBuf,
    /// The type to make: Q8_0, Q6_K, Q5_K_M, Q4_K_M, IQ4_XS, MXFP4 …
    #[arg(long = "type")]
    quant: String,
    /// Where to write (default: beside the input, named after the type).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Go on when the input is already quantized (quality loss compounds).
    #[arg(long)]
    allow_requantize: bool,
    #[arg(long)]
    threads: Option<u32>,
    #[arg(long)]
    json: bool,
}

pub fn run(a: QuantizeArgs) -> anyhow::Result<()> {
    let req = QuantizeRequest { input: a.input, quant: a.quant, output: a.output, allow_requantize: a.allow_requantize, threads: a.threads };
    let json = a.json;
    let line = |progress| write_line::<QuantizeJob>(&JobLine::Progress { progress });
    let result = quantize(&req, |step| match step {
        QuantizeStep::Started { output, warning } if json => {
            line(QuantizeEvent::Started { output: output.display().to_string(), warning: warning.map(str::to_string) });
        }
        QuantizeStep::Started { output, .. } => eprintln!("writing {}", output.display()),
        QuantizeStep::Progress(fraction) if json => line(QuantizeEvent::Progress { fraction }),
        QuantizeStep::Progress(f) => eprint!("\rquantizing: {:>3.0}%", f * 100.0),
    });
    match result {
        Ok(report) => {
            if json {
                let report = QuantizeDone {
                    output: report.output.display().to_string(),
                    size_bytes: report.size_bytes,
                    seconds: report.seconds,
                    source_type: report.source_type,
                    warning: report.warning,
                };
                write_line::<QuantizeJob>(&JobLine::Done { report });
            } else {
                eprintln!();
                if let Some(w) = &report.warning {
                    eprintln!("warning: {w}");
                }
                println!(
                    "{} ({:.1} MiB from {}, {:.1} s)",
                    report.output.display(),
                    report.size_bytes as f64 / 1048576.0,
                    report.source_type,
                    report.seconds
                );
            }
            Ok(())
        }
        Err(e) => {
            if json {
                write_line::<QuantizeJob>(&JobLine::Error { error: e.payload() });
                std::process::exit(1);
            }
            eprintln!();
            match e {
                // The app asks with a checkbox; here the consent is a flag.
                hearth_engine::EngineError::RequantizeNeedsConsent(why) => {
                    Err(anyhow::anyhow!("{}", why.replace("Allow requantizing to go on anyway.", "Add --allow-requantize to go on anyway.")))
                }
                e => Err(e.into()),
            }
        }
    }
}
