//! The Tauri shell: wiring only. Commands (one line each into `hearth-core`), the managed
//! [`hearth_core::Core`], event channels and the TypeScript bindings check. Nothing here knows
//! llama.cpp (models run in the engine process the core spawns) or decides what the product does.

mod channels;
pub mod commands;
pub mod state;
pub mod typescript;
mod webview_drawing;

use hearth_core::Core;
use tauri::{Manager, Runtime};

/// Every command, listed once: registered with Tauri and described to TypeScript.
macro_rules! with_commands {
    ($then:ident) => {
        $then!(
            app_info,
            list_conversations,
            search_messages,
            create_conversation,
            rename_conversation,
            export_conversation,
            delete_conversation,
            get_messages,
            update_conversation,
            send_message,
            regenerate,
            summarize_document,
            edit_and_resend,
            stop_generation,
            load_model,
            model_status,
            check_engine,
            model_settings,
            restart_engine,
            ui_preference,
            set_ui_preference,
            watch_hardware,
            set_monitor_interval,
            prompt_cache_usage,
            set_prompt_cache_budget,
            clear_prompt_cache,
            advisor_catalog,
            advise_model,
            compare_machines,
            check_tuning,
            apply_advice,
            dry_run_model,
            quantize_model,
            cancel_quantize,
            run_benchmark,
            cancel_benchmark,
            bench_results,
            library,
            remove_model,
            reveal_model,
            open_link,
            list_model_folders,
            add_model_folder,
            remove_model_folder,
            repo_files,
            search_hub,
            hf_token_status,
            set_hf_token,
            clear_hf_token,
            pull_model,
            cancel_pull,
            add_documents,
            cancel_documents,
            conversation_documents,
            remove_document,
            document_page,
            start_api_server,
            stop_api_server,
            api_server_status,
            watch_api_requests,
            list_mcp_servers,
            add_mcp_server,
            remove_mcp_server,
            start_mcp_server,
            set_mcp_tool_always,
            set_conversation_tools,
            answer_tool_call,
            list_remote_servers,
            add_remote_server,
            remove_remote_server,
            remote_models,
            use_remote_model,
            first_run_offer,
            use_demo_model
        )
    };
}

/// Registers every command and plugin on `builder`; generic over the runtime so tests can pass
/// `tauri::test::mock_builder()`.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, core: Core) -> tauri::Builder<R> {
    use commands::*;
    macro_rules! handler {
        ($($name:ident),*) => {
            tauri::generate_handler![$($name),*]
        };
    }
    builder.plugin(tauri_plugin_dialog::init()).plugin(navigation_guard()).manage(core).invoke_handler(with_commands!(handler))
}

/// The window shows only the app's own pages: a link in an answer never loads in it (a page
/// there would get the app's IPC); the UI hands links to `open_link` instead, and this refuses
/// any navigation that gets past it.
fn navigation_guard<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard").on_navigation(|_, url| is_app_page(url)).build()
}

/// The bundled UI (`tauri://localhost`, `http(s)://tauri.localhost` on Windows) or, without the
/// `custom-protocol` feature, the Vite dev server (`devUrl`).
fn is_app_page(url: &tauri::Url) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", _) | ("http" | "https", Some("tauri.localhost")) => true,
        ("http", Some("localhost")) => !cfg!(feature = "custom-protocol") && url.port() == Some(5173),
        _ => false,
    }
}

/// The TypeScript signature of every command (see `typescript.rs`).
pub fn command_signatures() -> Vec<typescript::CommandSignature> {
    use commands::*;
    macro_rules! signatures {
        ($($name:ident),*) => {
            vec![$($name::signature()),*]
        };
    }
    with_commands!(signatures)
}

pub fn run() {
    // One app per home: a second launch brings the first one's window forward and leaves.
    let instance = match hearth_core::claim_app_instance(&hearth_store::HearthHome::from_env()) {
        Ok(hearth_core::AppInstance::First(first)) => Some(first),
        Ok(hearth_core::AppInstance::AlreadyRunning(said)) => {
            eprintln!("{said}");
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("Hearth cannot check for another running Hearth: {e}");
            None
        }
    };
    let core = match Core::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Hearth cannot start: {e}");
            std::process::exit(1);
        }
    };
    let app = configure(tauri::Builder::default(), core)
        .setup(move |app| {
            webview_drawing::draw_without_gpu_compositing(app);
            let handle = app.handle().clone();
            if let Some(first) = instance {
                let window_handle = handle.clone();
                first.on_focus_request(move || {
                    if let Some(window) = window_handle.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.show();
                        let _ = window.set_focus();
                    }
                });
                // Held for as long as the app runs.
                app.manage(first);
            }
            handle.state::<Core>().set_resource_dir(app.path().resource_dir().ok());
            // The API server comes back on when the user left it on.
            tauri::async_runtime::spawn(async move {
                handle.state::<Core>().start_api_server_if_enabled().await;
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(a) => a,
        Err(e) => {
            eprintln!("Hearth cannot open its window: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        let quitting = matches!(
            event,
            tauri::RunEvent::WindowEvent { event: tauri::WindowEvent::CloseRequested { .. } | tauri::WindowEvent::Destroyed, .. }
                | tauri::RunEvent::ExitRequested { .. }
                | tauri::RunEvent::Exit
        );
        // Said as soon as the (only) window closes, not only at `Exit`: a launch in between was
        // told "focused" by an app about to quit, and left with no app at all (a CI run's
        // WebDriver session waited five minutes for a window that never came).
        if quitting {
            if let Some(first) = app.try_state::<hearth_core::FirstApp>() {
                first.closing();
            }
        }
        if let tauri::RunEvent::Exit = event {
            tauri::async_runtime::block_on(app.state::<Core>().shutdown());
        }
    });
}

#[cfg(test)]
mod navigation_tests {
    use super::is_app_page;

    #[test]
    fn the_window_never_leaves_the_app() {
        let page = |u: &str| is_app_page(&tauri::Url::parse(u).unwrap());
        assert!(page("tauri://localhost/index.html"));
        assert!(page("http://tauri.localhost/"));
        for foreign in ["https://example.org/", "http://localhost:8080/v1/models", "file:///etc/passwd", "javascript:alert(1)"] {
            assert!(!page(foreign), "{foreign}");
        }
    }
}
