//! The Benchmark page's commands (Tauri IPC on the mock runtime, the real `hearth bench` child):
//! a run streams its steps and is kept for this machine in the app's own database; a cancelled
//! run is not kept.

mod common;

use std::time::{Duration, Instant};

use common::{app, demo_model, invoke};
use hearth_app::state::AppState;
use serde_json::json;
use tauri::Manager;

#[test]
fn a_benchmark_runs_in_a_child_is_kept_and_can_be_cancelled() {
    let home = tempfile::tempdir().unwrap();
    let (app, webview) = app(home.path());
    let input =
        json!({"path": demo_model(), "n_prompt": 64, "n_gen": 16, "depth": 0, "ttft_prompt": 0, "reps": 1, "threads": null, "gpu_layers": null});
    let report = invoke(&webview, "run_benchmark", json!({"input": input, "onStep": "__CHANNEL__:1"})).unwrap();
    assert!(report["tg_tps"].as_f64().unwrap() > 0.0 && report["pp_tps"].as_f64().unwrap() > 0.0, "{report}");
    let kept = invoke(&webview, "bench_results", json!({"allMachines": false})).unwrap();
    assert_eq!(kept["records"].as_array().unwrap().len(), 1, "{kept}");
    assert_eq!(kept["records"][0]["machine"], kept["machine"]);

    // A long run, cancelled: an error that says so, and nothing more kept.
    let long =
        json!({"path": demo_model(), "n_prompt": 512, "n_gen": 512, "depth": 0, "ttft_prompt": 0, "reps": 50, "threads": null, "gpu_layers": null});
    let running = {
        let webview = webview.clone();
        std::thread::spawn(move || invoke(&webview, "run_benchmark", json!({"input": long, "onStep": "__CHANNEL__:2"})))
    };
    let state = app.state::<AppState>();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !state.benchmark_running() {
        assert!(Instant::now() < deadline, "the benchmark never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    invoke(&webview, "cancel_benchmark", json!({})).unwrap();
    let err = running.join().unwrap().unwrap_err();
    assert_eq!(err["code"], "CANCELLED", "{err}");
    let kept = invoke(&webview, "bench_results", json!({"allMachines": true})).unwrap();
    assert_eq!(kept["records"].as_array().unwrap().len(), 1);
}

/// The device chosen on the Benchmark page reaches `hearth bench`: `CPU` runs there, a device
/// this build lacks is a clear error and nothing is kept.
#[test]
fn the_benchmark_runs_on_the_chosen_device() {
    let home = tempfile::tempdir().unwrap();
    let (_app, webview) = app(home.path());
    let on = |devices: serde_json::Value| {
        let input = json!({"path": demo_model(), "n_prompt": 32, "n_gen": 8, "depth": 0, "ttft_prompt": 0, "reps": 1, "threads": null, "gpu_layers": null, "devices": devices});
        invoke(&webview, "run_benchmark", json!({"input": input, "onStep": "__CHANNEL__:1"}))
    };
    let report = on(json!(["CPU"])).unwrap();
    assert!(report["backend"].as_str().unwrap().eq_ignore_ascii_case("cpu"), "{report}");
    let err = on(json!(["Vulkan7"])).unwrap_err();
    assert_eq!(err["code"], "LOAD_FAILED", "{err}");
    assert!(err["message"].as_str().unwrap().contains("\"Vulkan7\""), "{err}");
    let kept = invoke(&webview, "bench_results", json!({"allMachines": true})).unwrap();
    assert_eq!(kept["records"].as_array().unwrap().len(), 1, "{kept}");
}
