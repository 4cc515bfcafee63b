//! GGUF files, read by us before llama.cpp opens them. llama.cpp trusts its input: a truncated
//! tensor table or an absurd count can abort the process. This crate parses the header, the
//! metadata and the tensor table with hard limits, checks that every tensor's data lies inside
//! the file, and summarises the model (architecture, parameters, quant mix) for `hearth inspect`.
//! Format: <https://github.com/ggml-org/ggml/blob/master/docs/gguf.md>.

mod display_name;
mod fixture;
mod ggml_type;
mod reader;
mod split;
mod structure;
mod summary;

pub use display_name::display_name;
pub use fixture::{greedy_header, minimal_header, write_gguf_bomb};
pub use ggml_type::{file_type_id, file_type_name, GgmlType};
pub use reader::{read_string_arrays, GgufFile, MetaValue, TensorInfo};
pub use split::{shard_path, split_name};
pub use structure::check_vocabulary;
pub use summary::{ModelSummary, QuantShare};

/// Why a file is not a usable GGUF.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("not a GGUF file (the first bytes are not \"GGUF\")")]
    NotGguf,
    /// A directory, a pipe or a device where a model file was expected (a pipe would block the
    /// reader forever).
    #[error("{path} is {what}, not a model file")]
    NotAFile { path: String, what: &'static str },
    #[error("unsupported GGUF version {0} (this build reads versions 2 and 3)")]
    UnsupportedVersion(u32),
    #[error("the file is truncated: {0}")]
    Truncated(String),
    #[error("the file is damaged: {0}")]
    Corrupt(String),
    /// A split model whose shards do not make one model (named in the message).
    #[error("{0}")]
    Split(String),
}
