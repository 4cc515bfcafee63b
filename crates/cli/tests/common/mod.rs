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
    let mut b = Vec::new();
    b.extend_from_slice(b"GGUF");
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&1u64.to_le_bytes());
    b.extend_from_slice(&2u64.to_le_bytes());
    let s = |b: &mut Vec<u8>, k: &str| {
        b.extend_from_slice(&(k.len() as u64).to_le_bytes());
        b.extend_from_slice(k.as_bytes());
    };
    s(&mut b, "general.architecture");
    b.extend_from_slice(&8u32.to_le_bytes());
    s(&mut b, "llama");
    s(&mut b, "llama.block_count");
    b.extend_from_slice(&4u32.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    s(&mut b, "token_embd.weight");
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&elements.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    while b.len() % 32 != 0 {
        b.push(0);
    }
    let data_start = b.len() as u64;
    std::fs::write(path, &b).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(data_start + elements * 4).unwrap();
}
