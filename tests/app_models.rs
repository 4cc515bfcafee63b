//! The Models page's commands through the app's IPC: a folder the user adds joins the library
//! (its models are listed, not removable from Hearth), "show in folder" starts the platform's
//! file manager (a stand-in `xdg-open` on PATH records what it was asked), bad input is refused.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{app, demo_model, invoke};
use serde_json::json;

#[test]
fn user_folders_join_the_library_and_models_are_shown_in_their_folder() {
    let home = tempfile::tempdir().unwrap();
    let mine = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(demo_model(), mine.path().join("my-model.gguf")).unwrap();

    // A stand-in file manager, first on PATH, that writes down its arguments.
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("args");
    std::fs::write(bin.path().join("xdg-open"), format!("#!/bin/sh\necho \"$@\" > {}\n", log.display())).unwrap();
    std::fs::set_permissions(bin.path().join("xdg-open"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("PATH", format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default()));

    let (_app, webview) = app(home.path());
    assert_eq!(invoke(&webview, "library", json!({})).unwrap().as_array().unwrap().len(), 0);
    let err = invoke(&webview, "add_model_folder", json!({"path": "/nonexistent/models"})).unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND", "{err}");
    assert!(err["message"].as_str().unwrap().contains("is not a folder"));
    let folders = invoke(&webview, "add_model_folder", json!({"path": mine.path()})).unwrap();
    assert_eq!(folders.as_array().unwrap().len(), 1);

    let library = invoke(&webview, "library", json!({})).unwrap();
    assert_eq!(library.as_array().unwrap().len(), 1, "{library}");
    assert_eq!(library[0]["name"], "my-model");
    assert_eq!(library[0]["in_hearth_dir"], false);
    assert_eq!(library[0]["architecture"], "llama");
    let err = invoke(&webview, "remove_model", json!({"path": library[0]["path"]})).unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND", "{err}");
    assert!(err["message"].as_str().unwrap().contains("is not a model in"), "a user's file is never deleted by Hearth");

    invoke(&webview, "reveal_model", json!({"path": library[0]["path"]})).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !log.exists() {
        assert!(std::time::Instant::now() < deadline, "the file manager was not started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), mine.path().display().to_string());
    assert!(invoke(&webview, "reveal_model", json!({"path": "/nonexistent/x.gguf"})).is_err());

    let folders = invoke(&webview, "remove_model_folder", json!({"path": mine.path()})).unwrap();
    assert!(folders.as_array().unwrap().is_empty());
    assert_eq!(invoke(&webview, "library", json!({})).unwrap().as_array().unwrap().len(), 0);
    assert!(mine.path().join("my-model.gguf").exists(), "the folder's files are untouched");
}

#[test]
fn a_gguf_bomb_in_the_models_directory_is_listed_with_its_problem_and_the_app_stays_up() {
    // Regression (issue 17): the library parsed the header of a sparse 200 GB file claiming as many
    // tensors as its size allows in the app's own process, and the allocation aborted the app.
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    hearth_gguf::write_gguf_bomb(&models.join("bomb.gguf"), 200 << 30).unwrap();

    let (_app, webview) = app(home.path());
    let library = invoke(&webview, "library", json!({})).unwrap();
    assert_eq!(library.as_array().unwrap().len(), 1, "{library}");
    assert!(library[0]["problem"].as_str().is_some_and(|p| p.contains("damaged")), "{library}");
    let err = invoke(&webview, "load_model", json!({"path": library[0]["path"], "settings": null, "onProgress": "__CHANNEL__:1"})).unwrap_err();
    assert_eq!(err["code"], "INVALID_MODEL", "{err}");
    // Still up and answering.
    assert_eq!(invoke(&webview, "app_info", json!({})).unwrap()["model_files"].as_array().unwrap().len(), 1);
}
