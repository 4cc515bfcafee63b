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

/// The start of a GGUF v3 header whose counts are `tensor_count` and `kv_count`, nothing after.
pub fn greedy_header(tensor_count: u64, kv_count: u64) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"GGUF");
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&tensor_count.to_le_bytes());
    b.extend_from_slice(&kv_count.to_le_bytes());
    b
}

/// Issue 17's hostile file: a header naming the llama architecture and claiming as many tensors
/// as `len` bytes could hold, written at `path` as a sparse file of `len` bytes (no disk used).
pub fn write_gguf_bomb(path: &std::path::Path, len: u64) -> std::io::Result<()> {
    let mut b = greedy_header(len / 24, 1);
    b.extend_from_slice(&20u64.to_le_bytes());
    b.extend_from_slice(b"general.architecture");
    b.extend_from_slice(&8u32.to_le_bytes());
    b.extend_from_slice(&5u64.to_le_bytes());
    b.extend_from_slice(b"llama");
    std::fs::write(path, &b)?;
    std::fs::OpenOptions::new().write(true).open(path)?.set_len(len)
}
