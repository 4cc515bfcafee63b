//! The Benchmark page's commands: run `hearth bench` as a child process (llama.cpp out of the
//! app; the result is kept in the database by the child, like the CLI's), stream its steps, cancel
//! it, and list the kept results of this machine (or all).

use hearth_hardware::Probe;
use hearth_protocol::{BenchReport, ErrorCode};
use hearth_store::BenchRecord;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::cli_child;
use crate::state::AppState;
use crate::AppError;

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

fn this_machine() -> String {
    Probe::system().snapshot(std::time::Duration::ZERO).machine_label()
}

#[tauri::command]
pub async fn run_benchmark(state: State<'_, AppState>, input: BenchInput, on_step: Channel<String>) -> Result<BenchReport, AppError> {
    let numbers = [input.n_prompt, input.n_gen, input.depth, input.ttft_prompt, input.reps].map(|n| n.to_string());
    // The model chosen on a remote server (its path is the server's URL and the model's id):
    // benchmarked there, the key passed in the child's environment.
    let remote = state.engine.remote().filter(|r| input.path == format!("{}/{}", r.endpoint.base_url, r.model));
    let target = match &remote {
        Some(r) => vec!["--remote".to_string(), r.endpoint.base_url.clone(), "--remote-model".into(), r.model.clone()],
        None => vec![input.path.clone()],
    };
    let key = remote.as_ref().and_then(|r| r.endpoint.api_key.clone()).unwrap_or_default();
    let env: Vec<(&str, &str)> = if key.is_empty() { vec![] } else { vec![("HEARTH_REMOTE_API_KEY", key.as_str())] };
    let mut args = vec!["bench".to_string()];
    args.extend(target);
    args.extend([
        "-p".into(), numbers[0].clone(), "-n".into(), numbers[1].clone(), "-d".into(),
        numbers[2].clone(), "--ttft-prompt".into(), numbers[3].clone(), "-r".into(), numbers[4].clone(), "--events".into(),
    ]);
    if let Some(t) = input.threads {
        args.extend(["-t".to_string(), t.to_string()]);
    }
    if let Some(g) = input.gpu_layers {
        args.extend(["--gpu-layers".to_string(), g.to_string()]);
    }
    if !input.devices.is_empty() && remote.is_none() {
        args.extend(["--device".to_string(), input.devices.join(",")]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = cli_child::run_with_env(&args, &env, state.home.root(), &state.bench_cancel, "the benchmark", ErrorCode::LoadFailed, |line| {
        if let Some(step) = line["step"].as_str() {
            let _ = on_step.send(step.to_string());
        }
    })
    .await?;
    serde_json::from_value(report).map_err(|e| AppError::Invalid(format!("the benchmark's report was not understood: {e}")))
}

#[tauri::command]
pub async fn cancel_benchmark(state: State<'_, AppState>) -> Result<(), AppError> {
    if let Some(tx) = state.bench_cancel.lock().unwrap().take() {
        let _ = tx.send(());
    }
    Ok(())
}

#[tauri::command]
pub async fn bench_results(state: State<'_, AppState>, all_machines: bool) -> Result<BenchResults, AppError> {
    let machine = tauri::async_runtime::spawn_blocking(this_machine).await.map_err(|e| AppError::Invalid(e.to_string()))?;
    let records = state.store.lock().unwrap().bench_results((!all_machines).then_some(machine.as_str()))?;
    Ok(BenchResults { machine, records })
}

pub fn typescript_declarations() -> Vec<String> {
    vec![BenchInput::decl(), BenchResults::decl()]
}
