//! The engine: llama.cpp behind a small, safe surface. This crate is linked only by the `hearth`
//! binary, which runs it either as the app's engine process (`hearth engine`, speaking the
//! protocol of `hearth-protocol` over stdio) or directly for the headless CLI. The app itself
//! never links it, so an abort inside llama.cpp costs the model, not the app.

mod allocated_memory;
pub mod backend_libraries;
pub mod bench;
mod chat_prompt;
mod device_choice;
mod draft;
mod draft_model;
pub mod embeddings;
mod error;
mod generation;
pub mod jinja_template;
mod kept_states;
mod llama_log;
mod loaded_model;
pub mod memory_check;
pub mod next_token;
pub mod quantize;
pub mod rpc;
mod slots;
pub mod stdio_server;
mod thread_pool;
mod tool_use;

pub use chat_prompt::template_messages;
pub use error::EngineError;
pub use generation::{GenerationObserver, GenerationRequest};
pub use loaded_model::{default_threads, Engine, LoadObserver};
pub use slots::{SlotFeed, SlotJob};
pub use tool_use::text_call_parser;
