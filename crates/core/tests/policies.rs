//! The policies moved out of the shell, as plain Rust over a real home and database (no Tauri,
//! no engine process): the library with its verdicts and the user's folders, the first-run offer
//! and the demo model's copy, remote servers refused when unreachable, the API server's
//! lifecycle and its remembered settings.

mod common;

use std::path::PathBuf;

use common::{demo_model, rt};
use hearth_core::{ApiServerSettings, Core};
use hearth_engine_client::EngineClient;
use hearth_protocol::ErrorCode;
use hearth_store::HearthHome;

/// A core whose engine is never started by these tests.
fn core_at(home: &std::path::Path) -> Core {
    Core::new(HearthHome::at(home), EngineClient::new(PathBuf::from("/nonexistent/hearth"))).unwrap()
}

#[test]
fn the_library_judges_each_model_and_keeps_the_users_folders() {
    let home = tempfile::tempdir().unwrap();
    let core = core_at(home.path());
    std::fs::create_dir_all(core.home.models()).unwrap();
    std::fs::copy(demo_model(), core.home.models().join("demo.gguf")).unwrap();
    let mine = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(demo_model(), mine.path().join("mine.gguf")).unwrap();

    assert_eq!(core.add_model_folder("/nonexistent/models").unwrap_err().code(), ErrorCode::NotFound);
    core.add_model_folder(mine.path().to_str().unwrap()).unwrap();
    core.add_model_folder(mine.path().to_str().unwrap()).unwrap();
    assert_eq!(core.model_folders().unwrap().len(), 1, "a folder is listed once");

    let library = core.library().unwrap();
    assert_eq!(library.len(), 2);
    for entry in &library {
        assert!(entry.fits.is_some() && entry.predicted_tg_tps.is_some_and(|t| t > 0.0), "{entry:?}");
    }
    let theirs = library.iter().find(|e| !e.in_hearth_dir).unwrap();
    assert_eq!(core.remove_model(&theirs.path).unwrap_err().code(), ErrorCode::NotFound, "a user's own file is never deleted");
    assert!(mine.path().join("mine.gguf").exists());

    core.remove_model_folder(mine.path().to_str().unwrap()).unwrap();
    assert_eq!(core.library().unwrap().len(), 1);
}

#[test]
fn the_first_run_offers_the_bundled_demo_model_and_copies_it_once() {
    let home = tempfile::tempdir().unwrap();
    let resources = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(resources.path().join("demo")).unwrap();
    std::fs::copy(demo_model(), resources.path().join("demo").join(hearth_core::DEMO_FILE)).unwrap();
    let core = core_at(home.path());
    core.set_resource_dir(Some(resources.path().to_path_buf()));

    let offer = core.first_run_offer();
    let demo = offer.demo.expect("the demo model in the app's resources is offered");
    assert_eq!(demo.size_bytes, std::fs::metadata(demo_model()).unwrap().len());
    assert!(!offer.machine.is_empty());
    for r in &offer.recommendations {
        assert!(r.predicted_tg_tps >= 5.0 && !r.source.is_empty(), "{r:?}");
    }
    let copied = rt().block_on(core.use_demo_model()).unwrap();
    assert_eq!(PathBuf::from(&copied), core.home.models().join(hearth_core::DEMO_FILE));
    assert_eq!(core.app_info().unwrap().startup_model.as_deref(), Some(copied.as_str()));
}

#[test]
fn an_unreachable_remote_server_is_refused_and_nothing_is_kept() {
    let home = tempfile::tempdir().unwrap();
    let core = core_at(home.path());
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = rt().block_on(core.add_remote_server("lab", &format!("http://127.0.0.1:{port}/v1"), Some("k".into()))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::RemoteUnreachable, "{err}");
    assert!(core.list_remote_servers().unwrap().is_empty());
    core.remove_remote_server("lab").unwrap();
}

#[test]
fn the_api_server_starts_stops_and_remembers_whether_it_was_on() {
    let home = tempfile::tempdir().unwrap();
    let core = core_at(home.path());
    rt().block_on(async {
        let open_without_key = ApiServerSettings { enabled: true, port: 0, api_key: None, allow_remote: true };
        assert_eq!(core.start_api_server(open_without_key).await.unwrap_err().code(), ErrorCode::BadRequest);

        let settings = ApiServerSettings { enabled: true, port: 0, api_key: Some("k".into()), allow_remote: false };
        let on = core.start_api_server(settings).await.unwrap();
        assert!(on.base_url.as_deref().is_some_and(|u| u.starts_with("http://127.0.0.1:")), "{on:?}");
        assert!(on.settings.enabled);
        let off = core.stop_api_server().unwrap();
        assert_eq!(off.base_url, None);
        assert!(!off.settings.enabled);
        assert_eq!(off.settings.api_key.as_deref(), Some("k"), "the settings are kept for the next start");
    });
    // A new process: it was off, so it stays off.
    let again = core_at(home.path());
    rt().block_on(again.start_api_server_if_enabled());
    assert_eq!(again.api_server_status().unwrap().base_url, None);
}
