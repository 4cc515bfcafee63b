//! The Tauri shell: commands, state and channels over the Hearth crates. Nothing here knows
//! llama.cpp; models run in the engine process that [`state::AppState`] spawns.

pub mod advisor_commands;
pub mod api_server_commands;
pub mod bench_commands;
mod cli_child;
pub mod commands;
pub mod documents_commands;
pub mod first_run_commands;
mod error;
pub mod models_commands;
pub mod monitor;
pub mod quantize_commands;
pub mod remote_commands;
pub mod state;
pub mod typescript;

pub use error::AppError;

use tauri::{Manager, Runtime};

/// Registers every command and plugin on `builder`; generic over the runtime so tests can pass
/// `tauri::test::mock_builder()`.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: state::AppState) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_conversations,
            commands::create_conversation,
            commands::rename_conversation,
            commands::delete_conversation,
            commands::get_messages,
            commands::update_conversation,
            commands::send_message,
            commands::regenerate,
            commands::summarize_document,
            commands::edit_and_resend,
            commands::stop_generation,
            commands::load_model,
            commands::model_status,
            commands::model_settings,
            commands::restart_engine,
            commands::ui_preference,
            commands::set_ui_preference,
            monitor::watch_hardware,
            advisor_commands::advisor_catalog,
            advisor_commands::advise_model,
            advisor_commands::compare_machines,
            advisor_commands::apply_advice,
            advisor_commands::dry_run_model,
            quantize_commands::quantize_model,
            quantize_commands::cancel_quantize,
            bench_commands::run_benchmark,
            bench_commands::cancel_benchmark,
            bench_commands::bench_results,
            models_commands::library,
            models_commands::remove_model,
            models_commands::reveal_model,
            models_commands::list_model_folders,
            models_commands::add_model_folder,
            models_commands::remove_model_folder,
            models_commands::repo_files,
            models_commands::hf_token_status,
            models_commands::set_hf_token,
            models_commands::clear_hf_token,
            models_commands::pull_model,
            models_commands::cancel_pull,
            documents_commands::add_documents,
            documents_commands::cancel_documents,
            documents_commands::conversation_documents,
            documents_commands::remove_document,
            documents_commands::document_page,
            api_server_commands::start_api_server,
            api_server_commands::stop_api_server,
            api_server_commands::api_server_status,
            api_server_commands::watch_api_requests,
            remote_commands::list_remote_servers,
            remote_commands::add_remote_server,
            remote_commands::remove_remote_server,
            remote_commands::remote_models,
            remote_commands::use_remote_model,
            first_run_commands::first_run_offer,
            first_run_commands::use_demo_model,
        ])
}

pub fn run() {
    let state = match state::AppState::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Hearth cannot start: {e}");
            std::process::exit(1);
        }
    };
    configure(tauri::Builder::default(), state)
        .setup(|app| {
            // The API server comes back on when the user left it on.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                api_server_commands::start_if_enabled(&handle.state::<state::AppState>()).await;
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the window could not be created")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                let engine = app.state::<state::AppState>().engine.clone();
                tauri::async_runtime::block_on(engine.shutdown());
            }
        });
}
