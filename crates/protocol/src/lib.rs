//! The wire protocol between the Hearth app and its engine process, and the value types both
//! sides (and the UI) share. The engine runs llama.cpp out of the app's process; the two talk in
//! JSON lines over the engine's stdin/stdout: one [`Request`] per line in, one [`Event`] per line
//! out. Nothing here links llama.cpp, so the app can speak the protocol without loading it.

mod bench;
mod error;
pub mod jobs;
mod phrase;
pub mod reasoning;
mod settings;
pub mod tool_calls;
mod wire;

pub use bench::{BenchReport, SpeculativeBench};
pub use error::{ErrorCode, ErrorPayload};
pub use phrase::{Phrase, PhraseArg};
pub use reasoning::{split_reasoning, ReasoningParser, TextPart, ToolCall};
pub use settings::{
    AllocatedMemory, BackendLibrary, ChatMessage, ComputeDevice, DraftKind, DraftStats, FlashAttention, GenerationStats, KvCacheType, ModelInfo,
    ModelSettings, OutputConstraint, ReasoningEffort, ReusedFrom, Role, SamplingSettings, StopReason, TemplateChoice,
};
pub use tool_calls::{AnswerPiece, ToolCallParser, ToolFormat};
pub use wire::{Event, PromptCacheSettings, Request, PROTOCOL_VERSION};

/// Every type the UI receives, for the TypeScript bindings (see `hearth-app`'s bindings test).
pub fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
    vec![
        ErrorCode::decl(),
        ErrorPayload::decl(),
        Phrase::decl(),
        Role::decl(),
        ChatMessage::decl(),
        FlashAttention::decl(),
        KvCacheType::decl(),
        ModelSettings::decl(),
        SamplingSettings::decl(),
        OutputConstraint::decl(),
        ReasoningEffort::decl(),
        DraftKind::decl(),
        DraftStats::decl(),
        TextPart::decl(),
        ToolCall::decl(),
        TemplateChoice::decl(),
        ModelInfo::decl(),
        AllocatedMemory::decl(),
        ComputeDevice::decl(),
        BackendLibrary::decl(),
        BenchReport::decl(),
        SpeculativeBench::decl(),
        GenerationStats::decl(),
        ReusedFrom::decl(),
        StopReason::decl(),
        jobs::QuantizeEvent::decl(),
        jobs::QuantizeDone::decl(),
    ]
}
