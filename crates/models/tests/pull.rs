//! Downloads against a local server that speaks the Hugging Face API's shapes, serves the real
//! demo model with Range support and its sha256, and misbehaves on purpose: drops the connection
//! at random offsets, stalls, answers 500, sends a wrong byte. Each pull ends verified and
//! complete, or with a clear error and a resumable partial file — never a corrupt model.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth_models::{pull, PullRequest};
use sha2::Digest;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Normal,
    /// Send this many bytes of the asked range, then close.
    DropAfter(usize),
    Stall,
    Error500,
    /// Flip one byte of the body.
    WrongByte,
}

struct Server {
    url: String,
    modes: Arc<Mutex<VecDeque<Mode>>>,
    ranges_seen: Arc<Mutex<Vec<u64>>>,
}

fn demo_model() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(path.is_file(), "the demo model is missing at {}: run scripts/fetch-models.sh", path.display());
    path
}

fn serve(data: Arc<Vec<u8>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let modes: Arc<Mutex<VecDeque<Mode>>> = Arc::default();
    let ranges_seen: Arc<Mutex<Vec<u64>>> = Arc::default();
    let sha = sha2::Sha256::digest(&*data).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let (m, r) = (modes.clone(), ranges_seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (data, m, r, sha) = (data.clone(), m.clone(), r.clone(), sha.clone());
            std::thread::spawn(move || handle(stream, &data, &m, &r, &sha));
        }
    });
    Server { url, modes, ranges_seen }
}

fn handle(mut stream: TcpStream, data: &[u8], modes: &Mutex<VecDeque<Mode>>, ranges: &Mutex<Vec<u64>>, sha: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut range_start = 0u64;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("range: bytes=") {
            range_start = v.trim().trim_end_matches('-').parse().unwrap_or(0);
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    if path.starts_with("/api/models/test/repo/tree/main") {
        let body = format!(
            r#"[{{"type":"file","path":"README.md","size":10}},{{"type":"file","path":"demo-Q4_1.gguf","size":{},"oid":"x","lfs":{{"oid":"{sha}","size":{},"pointerSize":134}}}}]"#,
            data.len(),
            data.len()
        );
        let _ =
            write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        return;
    }
    if path != "/test/repo/resolve/main/demo-Q4_1.gguf" {
        let _ = write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    ranges.lock().unwrap().push(range_start);
    let mode = modes.lock().unwrap().pop_front().unwrap_or(Mode::Normal);
    if let Mode::Error500 = mode {
        let _ = write!(stream, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let start = range_start as usize;
    let mut body = data[start..].to_vec();
    if let Mode::WrongByte = mode {
        let i = body.len() / 2;
        body[i] ^= 0xff;
    }
    let _ = write!(
        stream,
        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{}\r\nConnection: close\r\n\r\n",
        body.len(),
        start,
        data.len() - 1,
        data.len()
    );
    match mode {
        Mode::DropAfter(n) => {
            let _ = stream.write_all(&body[..n.min(body.len())]);
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Mode::Stall => {
            let _ = stream.write_all(&body[..1000]);
            std::thread::sleep(Duration::from_secs(5));
        }
        _ => {
            let _ = stream.write_all(&body);
        }
    }
}

fn request(server: &Server, dir: &std::path::Path) -> PullRequest {
    PullRequest {
        endpoint: server.url.clone(),
        repo: "test/repo".into(),
        file: "demo-Q4_1.gguf".into(),
        dest_dir: dir.to_path_buf(),
        token: None,
        stall_timeout: Duration::from_secs(1),
        attempts: 8,
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn drops_stalls_and_errors_are_survived_and_the_result_is_verified() {
    let data = Arc::new(std::fs::read(demo_model()).unwrap());
    let server = serve(data.clone());
    // Random offsets, from a fixed seed so a failure can be replayed.
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = |max: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % max as u64) as usize
    };
    let drops: Vec<Mode> = (0..3).map(|_| Mode::DropAfter(1 + next(20_000_000))).collect();
    server.modes.lock().unwrap().extend(drops.iter().copied().chain([Mode::Stall, Mode::Error500]));
    let dir = tempfile::tempdir().unwrap();
    let mut last = 0;
    let paths = rt().block_on(pull(&request(&server, dir.path()), |p| last = p.done_bytes)).unwrap();
    assert_eq!(last, data.len() as u64);
    assert_eq!(std::fs::read(&paths[0]).unwrap(), *data, "the model differs from the served one");
    assert!(!dir.path().join("demo-Q4_1.gguf.part").exists());
    // It resumed: later requests asked for the bytes after what had arrived.
    let ranges = server.ranges_seen.lock().unwrap().clone();
    assert!(ranges.len() >= 6 && ranges.windows(2).all(|w| w[0] <= w[1]) && ranges[1] > 0, "{ranges:?}");
    // The library knows its checksum.
    let lib = hearth_models::list_models(&[dir.path().to_path_buf()]);
    assert_eq!(lib.len(), 1);
    assert_eq!(lib[0].quant.as_deref(), Some("Q4_1"));
    assert_eq!(lib[0].sha256.as_deref().map(str::len), Some(64));
}

#[test]
fn a_wrong_byte_is_caught_and_nothing_lands_in_the_library() {
    let data = Arc::new(std::fs::read(demo_model()).unwrap());
    let server = serve(data);
    server.modes.lock().unwrap().push_back(Mode::WrongByte);
    let dir = tempfile::tempdir().unwrap();
    let err = rt().block_on(pull(&request(&server, dir.path()), |_| {})).unwrap_err();
    assert_eq!(err.code(), "VERIFICATION_FAILED", "{err}");
    assert!(hearth_models::list_models(&[dir.path().to_path_buf()]).is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the bad download was not discarded");
}

#[test]
fn a_pull_cut_short_leaves_a_part_that_the_next_pull_resumes() {
    let data = Arc::new(std::fs::read(demo_model()).unwrap());
    let server = serve(data.clone());
    server.modes.lock().unwrap().extend([Mode::DropAfter(30_000_000), Mode::Error500, Mode::Error500]);
    let dir = tempfile::tempdir().unwrap();
    let mut req = request(&server, dir.path());
    req.attempts = 3;
    let err = rt().block_on(pull(&req, |_| {})).unwrap_err();
    assert!(err.to_string().contains("the next pull resumes it"), "{err}");
    let part = dir.path().join("demo-Q4_1.gguf.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 30_000_000);
    // A second run (a restart) resumes at 30 MB and finishes.
    req.attempts = 8;
    let paths = rt().block_on(pull(&req, |_| {})).unwrap();
    assert_eq!(std::fs::read(&paths[0]).unwrap(), *data);
    assert!(server.ranges_seen.lock().unwrap().contains(&30_000_000));
}

#[test]
fn unknown_repos_and_files_are_clear_errors() {
    let server = serve(Arc::new(vec![0u8; 10]));
    let dir = tempfile::tempdir().unwrap();
    let mut req = request(&server, dir.path());
    req.repo = "nobody/nothing".into();
    let err = rt().block_on(pull(&req, |_| {})).unwrap_err();
    assert_eq!(err.code(), "NOT_FOUND", "{err}");
    let mut req = request(&server, dir.path());
    req.file = "missing.gguf".into();
    let err = rt().block_on(pull(&req, |_| {})).unwrap_err();
    assert!(err.to_string().contains("has no file missing.gguf"), "{err}");
}

/// The advisor judges a remote file from its header, read from the file's first bytes by HTTP
/// Range: the same header as the whole file's, without downloading the weights (this server
/// ignores the end of the range; the client stops reading on its own).
#[test]
fn a_remote_header_is_read_from_the_first_bytes() {
    let data = Arc::new(std::fs::read(demo_model()).unwrap());
    let server = serve(data.clone());
    let header = rt().block_on(hearth_models::fetch_gguf_header(&server.url, "test/repo", "demo-Q4_1.gguf", None, data.len() as u64)).unwrap();
    let local = hearth_gguf::GgufFile::open(&demo_model()).unwrap();
    assert_eq!(header.architecture(), Some("llama"));
    assert_eq!(header.tensors.len(), local.tensors.len());
    assert_eq!(header.data_offset, local.data_offset);
    assert_eq!(*server.ranges_seen.lock().unwrap(), vec![0], "one request, from byte 0");
    let missing = rt().block_on(hearth_models::fetch_gguf_header(&server.url, "test/repo", "other.gguf", None, 1000));
    assert!(missing.unwrap_err().to_string().contains("no other.gguf"));
}
