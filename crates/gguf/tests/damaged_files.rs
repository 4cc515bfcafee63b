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

use hearth_gguf::greedy_header;

/// A sparse file: `header`, then zeros up to `len` bytes that take no disk.
fn sparse_file(dir: &std::path::Path, header: &[u8], len: u64) -> std::path::PathBuf {
    let path = dir.join("bomb.gguf");
    std::fs::write(&path, header).unwrap();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(len).unwrap();
    path
}

/// The hostile-file tests run with the process's address space limited, so that an allocation
/// sized by a count in the file fails the test (it aborts the process) instead of passing on a
/// machine with memory to spare.
fn limit_address_space() {
    static LIMIT: std::sync::Once = std::sync::Once::new();
    LIMIT.call_once(|| {
        let limit = libc::rlimit { rlim_cur: 2 << 30, rlim_max: libc::RLIM_INFINITY };
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) }, 0, "setrlimit(RLIMIT_AS)");
    });
}

#[test]
fn a_sparse_file_claiming_as_many_tensors_as_its_size_allows_is_refused_without_a_huge_allocation() {
    // Regression (issue 17): a 56-byte header in a sparse 200 GB file made `hearth inspect` and
    // the library abort with "memory allocation of 1002159035696 bytes failed".
    limit_address_space();
    let dir = tempfile::tempdir().unwrap();
    let len = 200u64 << 30;
    let path = dir.path().join("bomb.gguf");
    hearth_gguf::write_gguf_bomb(&path, len).unwrap();
    let started = std::time::Instant::now();
    let err = GgufFile::open(&path).unwrap_err();
    assert!(matches!(err, GgufError::Corrupt(_)), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn a_sparse_file_claiming_billions_of_metadata_entries_is_refused_at_once() {
    // Zero bytes read as the same empty key: without the repeated-key check the parser walked
    // all 200 GB of them.
    limit_address_space();
    let dir = tempfile::tempdir().unwrap();
    let len = 200u64 << 30;
    let path = sparse_file(dir.path(), &greedy_header(0, len / 13), len);
    let started = std::time::Instant::now();
    let err = GgufFile::open(&path).unwrap_err();
    assert!(matches!(err, GgufError::Corrupt(_)), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn a_string_longer_than_any_real_one_is_refused_without_reading_or_allocating_it() {
    limit_address_space();
    let dir = tempfile::tempdir().unwrap();
    let len = 200u64 << 30;
    let mut header = greedy_header(0, 1);
    header.extend_from_slice(&(100u64 << 30).to_le_bytes()); // a 100 GiB key
    let path = sparse_file(dir.path(), &header, len);
    let err = GgufFile::open(&path).unwrap_err();
    assert!(matches!(err, GgufError::Corrupt(_)), "{err}");
    // The vocabulary reader too.
    assert!(hearth_gguf::read_string_arrays(&path, &["tokenizer.ggml.tokens"]).is_err());
}

#[test]
fn a_header_fetched_in_part_allocates_only_what_was_fetched() {
    // A remote header is parsed from its first megabytes against the size the Hub reports: a
    // string that claims gigabytes of that size must not be allocated.
    limit_address_space();
    let mut header = greedy_header(0, 1);
    header.extend_from_slice(&(8u64 << 20).to_le_bytes()); // an 8 MiB key, under the cap
    header.extend_from_slice(&[b'k'; 1024]); // of which 1 KiB was fetched
    let err = GgufFile::parse(&header[..], 50u64 << 30).unwrap_err();
    assert!(matches!(err, GgufError::Truncated(_)), "{err}");
}

#[test]
fn a_repeated_metadata_key_is_refused() {
    let mut b = greedy_header(0, 2);
    for _ in 0..2 {
        b.extend_from_slice(&17u64.to_le_bytes());
        b.extend_from_slice(b"llama.block_count");
        b.extend_from_slice(&4u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
    }
    let err = parse(&b).unwrap_err();
    assert!(err.to_string().contains("repeated"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

    /// A fuzz over the parser: a valid file with bytes overwritten, or cut, or claiming more than
    /// it holds: an error or a file, never a panic, never a huge allocation (the address space is
    /// limited).
    #[test]
    fn damaged_headers_never_panic(
        flips in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 1..8),
        cut in 0usize..400,
        claimed in proptest::prelude::any::<u32>(),
    ) {
        limit_address_space();
        let mut bytes = tiny_gguf();
        for (at, value) in flips {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        bytes.truncate(cut.max(1));
        let _ = GgufFile::parse(&bytes[..], bytes.len() as u64);
        // The same bytes as the first part of a bigger remote file.
        let _ = GgufFile::parse(&bytes[..], bytes.len() as u64 + claimed as u64 * 4096);
    }
}
