//! Quantizing: `hearth quantize --json` as a job, its progress passed on, and a cancel or a crash
//! removing its half-written file.

use std::path::PathBuf;

use hearth_protocol::jobs::{QuantizeDone, QuantizeEvent, QuantizeJob};
use hearth_protocol::ErrorCode;

use crate::jobs::run_job;
use crate::{Core, Result};

impl Core {
    pub async fn quantize_model(
        &self,
        path: &str,
        quant: &str,
        allow_requantize: bool,
        mut on_event: impl FnMut(QuantizeEvent),
    ) -> Result<QuantizeDone> {
        let mut args: Vec<String> = ["quantize", path, "--type", quant, "--json"].map(String::from).to_vec();
        if allow_requantize {
            args.push("--allow-requantize".into());
        }
        let mut output: Option<PathBuf> = None;
        let result = run_job::<QuantizeJob>(&args, &[], self.home.root(), &self.quantize_cancel, ErrorCode::QuantizeFailed, |event| {
            if let QuantizeEvent::Started { output: out, .. } = &event {
                output = Some(PathBuf::from(out));
            }
            on_event(event);
        })
        .await;
        if result.is_err() {
            // A run that did not finish leaves no half-written model behind.
            if let Some(out) = output {
                let _ = std::fs::remove_file(out.with_extension("gguf.part"));
            }
        }
        result
    }

    pub fn quantize_running(&self) -> bool {
        self.quantize_cancel.is_armed()
    }

    pub fn cancel_quantize(&self) -> Result<()> {
        self.quantize_cancel.cancel();
        Ok(())
    }
}
