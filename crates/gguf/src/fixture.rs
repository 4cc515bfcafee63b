//! The smallest valid GGUF, for tests that need a real file: validators, damaged copies, and
//! sparse files that claim far more weights than any machine holds.

/// A GGUF v3 header (llama architecture, one layer) declaring one F32 tensor of `elements`
/// values at data offset 0, padded to the 32-byte alignment. The tensor data must follow.
pub fn minimal_header(elements: u64) -> Vec<u8> {
    let mut b = Vec::new();
    let string = |b: &mut Vec<u8>, s: &str| {
        b.extend_from_slice(&(s.len() as u64).to_le_bytes());
        b.extend_from_slice(s.as_bytes());
    };
    b.extend_from_slice(b"GGUF");
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&1u64.to_le_bytes()); // tensors
    b.extend_from_slice(&2u64.to_le_bytes()); // metadata entries
    string(&mut b, "general.architecture");
    b.extend_from_slice(&8u32.to_le_bytes()); // string
    string(&mut b, "llama");
    string(&mut b, "llama.block_count");
    b.extend_from_slice(&4u32.to_le_bytes()); // u32
    b.extend_from_slice(&1u32.to_le_bytes());
    string(&mut b, "token_embd.weight");
    b.extend_from_slice(&1u32.to_le_bytes()); // dimensions
    b.extend_from_slice(&elements.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes()); // F32
    b.extend_from_slice(&0u64.to_le_bytes()); // offset
    while b.len() % 32 != 0 {
        b.push(0);
    }
    b
}
