//! Damaged and hostile GGUF input: every case ends in an error, never a panic or a huge allocation.

use hearth_gguf::{GgufError, GgufFile};

/// A minimal valid GGUF v3: one F32 tensor of 8 elements.
fn tiny_gguf() -> Vec<u8> {
    let mut b = hearth_gguf::minimal_header(8);
    b.extend_from_slice(&[0u8; 32]);
    b
}

fn parse(bytes: &[u8]) -> Result<GgufFile, GgufError> {
    GgufFile::parse(bytes, bytes.len() as u64)
}

#[test]
fn a_valid_file_parses() {
    let f = parse(&tiny_gguf()).unwrap();
    assert_eq!(f.architecture(), Some("llama"));
    assert_eq!(f.arch_u64("block_count"), Some(1));
    assert_eq!(f.tensors[0].bytes, 32);
    assert_eq!(f.summary().parameters, 8);
}

#[test]
fn every_truncation_is_an_error() {
    let full = tiny_gguf();
    for cut in 0..full.len() {
        let r = parse(&full[..cut]);
        assert!(r.is_err(), "a file cut at {cut} of {} bytes was accepted", full.len());
    }
}

#[test]
fn random_bytes_are_not_gguf() {
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    assert!(matches!(parse(&junk), Err(GgufError::NotGguf)));
}

#[test]
fn absurd_counts_are_refused_before_allocating() {
    let mut b = tiny_gguf();
    b[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(parse(&b), Err(GgufError::Corrupt(_))));
}

#[test]
fn a_huge_string_length_is_truncation_not_allocation() {
    let mut b = tiny_gguf();
    b[24..32].copy_from_slice(&(1u64 << 60).to_le_bytes());
    assert!(matches!(parse(&b), Err(GgufError::Truncated(_))));
}

#[test]
fn every_single_byte_flip_ends_cleanly() {
    let full = tiny_gguf();
    for i in 0..full.len() {
        for v in [0x00u8, 0xFF, 0x7F] {
            let mut b = full.clone();
            b[i] = v;
            let _ = parse(&b); // must return, Ok or Err, without panicking
        }
    }
}
