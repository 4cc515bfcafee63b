//! Shared by the CLI and engine tests: the real demo model and the `hearth` binary.
#![allow(dead_code)]

use std::path::PathBuf;

/// The demo model, fetched by `scripts/fetch-models.sh` (the README's set-up does it).
pub fn demo_model() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_MODEL").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    });
    assert!(path.is_file(), "the demo model is missing at {}: run scripts/fetch-models.sh", path.display());
    path
}

pub fn hearth() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hearth"))
}

/// A GGUF whose header declares one F32 tensor of `elements` values, in a sparse file of
/// exactly the right length: valid to our validator, but as big as we like.
pub fn sparse_gguf(path: &std::path::Path, elements: u64) {
    let header = hearth_gguf::minimal_header(elements);
    std::fs::write(path, &header).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(header.len() as u64 + elements * 4).unwrap();
}
