//! A chat turn, shared by the desktop app and the `hearth send` command: it writes the user's
//! message, asks the engine for an answer, streams the answer to the caller and saves it to the
//! database as it streams, so that a killed app loses at most [`SAVE_INTERVAL`] of it. When the
//! engine dies mid-answer, the partial answer stays, marked `interrupted`. With documents on the
//! conversation, the question goes with the passages that answer it, and the answer keeps the pages
//! it cites; a document longer than the context is summarized by map-reduce (`summary`).

mod export;
pub mod summary;
mod token_pacing;
mod turn;

pub use export::to_markdown;
pub use token_pacing::READING_PACE;
pub use turn::{retrieve, run_turn, state_tag, QueryEmbedding, SharedStore, TurnAction, TurnError, TurnEvent, TurnModel, SAVE_INTERVAL};

pub fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
    vec![TurnEvent::decl()]
}
