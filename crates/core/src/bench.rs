//! Benchmarks: `hearth bench --events` as a job (llama.cpp out of the app; the result is kept in
//! the database by the child, like the CLI's), its steps streamed, cancel, and the kept results
//! of this machine (or all). A remote model is benchmarked on its server.

use hearth_hardware::Probe;
use hearth_protocol::jobs::BenchJob;
use hearth_protocol::{BenchReport, ErrorCode, Phrase};
use hearth_store::BenchRecord;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::join_error;
use crate::jobs::run_job;
use crate::{Core, Result};

#[derive(Debug, Clone, Deserialize, TS)]
pub struct BenchInput {
    pub path: String,
    pub n_prompt: u32,
    pub n_gen: u32,
    pub depth: u32,
    pub ttft_prompt: u32,
    pub reps: u32,
    pub threads: Option<u32>,
    pub gpu_layers: Option<u32>,
    /// The devices the GPU layers go to (llama.cpp's names; `CPU`: none); empty: every GPU.
    #[serde(default)]
    pub devices: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BenchResults {
    /// This machine's label, as the results are keyed.
    pub machine: String,
    pub records: Vec<BenchRecord>,
}

impl Core {
    pub async fn run_benchmark(&self, input: &BenchInput, mut on_step: impl FnMut(Phrase)) -> Result<BenchReport> {
        // The model chosen on a remote server (its path is the server's URL and the model's id):
        // benchmarked there, the key passed in the child's environment.
        let remote = self.engine.remote().filter(|r| input.path == format!("{}/{}", r.endpoint.base_url, r.model));
        let mut args = vec!["bench".to_string()];
        match &remote {
            Some(r) => args.extend(["--remote".to_string(), r.endpoint.base_url.clone(), "--remote-model".into(), r.model.clone()]),
            None => args.push(input.path.clone()),
        }
        let numbers = [("-p", input.n_prompt), ("-n", input.n_gen), ("-d", input.depth), ("--ttft-prompt", input.ttft_prompt), ("-r", input.reps)];
        for (flag, n) in numbers {
            args.extend([flag.to_string(), n.to_string()]);
        }
        args.push("--events".into());
        if let Some(t) = input.threads {
            args.extend(["-t".to_string(), t.to_string()]);
        }
        if let Some(g) = input.gpu_layers {
            args.extend(["--gpu-layers".to_string(), g.to_string()]);
        }
        if !input.devices.is_empty() && remote.is_none() {
            args.extend(["--device".to_string(), input.devices.join(",")]);
        }
        let env: Vec<(String, String)> =
            remote.and_then(|r| r.endpoint.api_key).filter(|k| !k.is_empty()).map(|k| ("HEARTH_REMOTE_API_KEY".to_string(), k)).into_iter().collect();
        run_job::<BenchJob>(&args, &env, self.home.root(), &self.bench_cancel, ErrorCode::LoadFailed, |s| on_step(s.step)).await
    }

    pub fn benchmark_running(&self) -> bool {
        self.bench_cancel.is_armed()
    }

    pub fn cancel_benchmark(&self) -> Result<()> {
        self.bench_cancel.cancel();
        Ok(())
    }

    pub async fn bench_results(&self, all_machines: bool) -> Result<BenchResults> {
        let machine = tokio::task::spawn_blocking(|| Probe::system().snapshot(std::time::Duration::ZERO).machine_label())
            .await
            .map_err(|e| join_error("reading the machine", e))?;
        let records = self.store.lock().bench_results((!all_machines).then_some(machine.as_str()))?;
        Ok(BenchResults { machine, records })
    }
}
