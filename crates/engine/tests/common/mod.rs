//! What the engine's device tests share: the model they load.

use std::path::PathBuf;

/// `HEARTH_TEST_MODEL`, else the demo model that `scripts/fetch-models.sh` puts in `.cache`.
pub fn model() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(path.is_file(), "no model at {}", path.display());
    path
}
