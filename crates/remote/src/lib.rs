//! Remote engines: servers that speak OpenAI's API (vLLM, SGLang, llama.cpp's llama-server,
//! Ollama, another Hearth's `hearth serve`). [`list_models`] asks what a server serves;
//! [`generate`] streams a chat answer over SSE and turns it into the engine protocol's events
//! (`PromptDone`, `Token`, `Done` with the token counts and speeds the server reports), so that
//! a conversation runs the same whether its model is local or remote. Every failure (unreachable,
//! timeout, wrong key, a server that vanishes mid-answer) ends in one `Error` event with a message
//! a user can act on; the text that arrived before stays with the caller.

mod chat_stream;
mod endpoint;

pub use chat_stream::{generate, RemoteGeneration};
pub use endpoint::{list_models, Endpoint, RemoteError, RemoteModel, Timeouts};
