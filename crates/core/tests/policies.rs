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

/// Whether an OS keyring answers here. `scripts/keyring-test.sh` sets `HEARTH_EXPECT_KEYRING`, so
/// that layer cannot quietly take the no-keyring branch.
fn keyring_runs() -> bool {
    let runs = hearth_secrets::Secret::new("probe · hearth tests").get().is_ok();
    if std::env::var_os("HEARTH_EXPECT_KEYRING").is_some() {
        assert!(runs, "HEARTH_EXPECT_KEYRING is set but no OS keyring answers");
    }
    runs
}

/// Every file SQLite keeps for the database, read whole.
fn database_bytes(home: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", HearthHome::at(home).database().display())) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn keys_never_reach_the_database_and_live_in_the_keyring() {
    let keyring = keyring_runs();
    // One runtime: the API server's tasks live as long as it.
    let rt = rt();
    let home = tempfile::tempdir().unwrap();
    let core = core_at(home.path());
    let key = "sk-hearth-test-7f3a91";
    rt.block_on(async {
        let settings = ApiServerSettings { enabled: true, port: 0, api_key: Some(key.into()), allow_remote: false };
        let on = core.start_api_server(settings).await.unwrap();
        assert_eq!(on.key_note.is_some(), !keyring, "{:?}", on.key_note);
        // This Hearth's own API as the remote server: it wants the same key.
        let url = on.base_url.unwrap();
        let added = core.add_remote_server("self", &url, Some(key.into())).await.unwrap();
        assert!(added.server.has_key);
        assert_eq!(added.server.key_note.is_some(), !keyring, "{:?}", added.server.key_note);
        core.remote_models("self").await.unwrap();
    });
    assert!(!contains(&database_bytes(home.path()), key), "a key was written to the database");

    // The next process on this home: the keys come back from the keyring, or are said to be gone.
    let next = core_at(home.path());
    let status = next.api_server_status().unwrap();
    let listed = next.list_remote_servers().unwrap();
    assert!(listed[0].has_key);
    let reached = rt.block_on(next.remote_models("self"));
    if keyring {
        assert_eq!(status.settings.api_key.as_deref(), Some(key));
        assert_eq!((status.key_note, listed[0].key_note.clone()), (None, None));
        reached.unwrap();
        rt.block_on(next.start_api_server_if_enabled());
        assert!(next.api_server_status().unwrap().base_url.is_some(), "it was on, with its key");
        next.stop_api_server().unwrap();
    } else {
        assert_eq!(status.settings.api_key, None);
        assert!(status.key_note.as_deref().is_some_and(|n| n.contains("enter it again")), "{:?}", status.key_note);
        assert!(listed[0].key_note.as_deref().is_some_and(|n| n.contains("enter it again")));
        assert_eq!(reached.unwrap_err().code(), ErrorCode::RemoteUnauthorized, "the server refuses a missing key");
        // It was on with a key that is now gone: it is not opened without one.
        rt.block_on(next.start_api_server_if_enabled());
        let status = next.api_server_status().unwrap();
        assert_eq!(status.base_url, None);
        assert!(status.error.as_deref().is_some_and(|e| e.starts_with("not started")), "{:?}", status.error);
    }
    next.remove_remote_server("self").unwrap();
    drop(core);
}

#[test]
fn keys_an_older_hearth_left_in_the_database_still_work_and_move_to_the_keyring() {
    let keyring = keyring_runs();
    let home = tempfile::tempdir().unwrap();
    {
        let store = hearth_store::Store::open(&HearthHome::at(home.path()).database()).unwrap();
        let api = serde_json::json!({"enabled": false, "port": 0, "api_key": "sk-legacy-api-1", "allow_remote": false});
        store.set_app_state("api_server", &api.to_string()).unwrap();
        let servers = serde_json::json!([{"name": "old", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-legacy-remote-2"}]);
        store.set_app_state("remote_servers", &servers.to_string()).unwrap();
    }
    let core = core_at(home.path());
    assert_eq!(core.api_server_status().unwrap().settings.api_key.as_deref(), Some("sk-legacy-api-1"), "nothing is lost");
    let listed = core.list_remote_servers().unwrap();
    assert!(listed[0].has_key && listed[0].key_note.is_none(), "{listed:?}");
    let store = hearth_store::Store::open(&HearthHome::at(home.path()).database()).unwrap();
    let rows = format!("{:?} {:?}", store.app_state("api_server").unwrap(), store.app_state("remote_servers").unwrap());
    // Moved only where a keyring keeps them; otherwise left where they were, not lost.
    assert_eq!(rows.contains("sk-legacy"), !keyring, "{rows}");
    if keyring {
        let next = core_at(home.path());
        assert_eq!(next.api_server_status().unwrap().settings.api_key.as_deref(), Some("sk-legacy-api-1"));
        next.remove_remote_server("old").unwrap();
    }
}
