//! `hearth models pull` against a local server in the Hugging Face API's shapes (HF_ENDPOINT):
//! a pull killed half-way is resumed by the next run (HTTP Range from the partial file) and
//! verified; a missing repo exits non-zero; a disk without room is refused before writing.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{demo_model, hearth};
use sha2::Digest;

struct Server {
    url: String,
    slow: Arc<AtomicBool>,
    ranges: Arc<Mutex<Vec<u64>>>,
}

fn serve(data: Arc<Vec<u8>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let slow = Arc::new(AtomicBool::new(true));
    let ranges: Arc<Mutex<Vec<u64>>> = Arc::default();
    let sha: String = sha2::Sha256::digest(&*data).iter().map(|b| format!("{b:02x}")).collect();
    let (s, r) = (slow.clone(), ranges.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (data, s, r, sha) = (data.clone(), s.clone(), r.clone(), sha.clone());
            std::thread::spawn(move || handle(stream, &data, &s, &r, &sha));
        }
    });
    Server { url, slow, ranges }
}

fn handle(mut stream: TcpStream, data: &[u8], slow: &AtomicBool, ranges: &Mutex<Vec<u64>>, sha: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut start = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("range: bytes=") {
            start = v.trim().split('-').next().unwrap_or("0").parse().unwrap_or(0);
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    if path.starts_with("/api/models/test/repo/tree/main") {
        let body = format!(r#"[{{"type":"file","path":"demo-Q4_1.gguf","size":{n},"lfs":{{"oid":"{sha}","size":{n}}}}}]"#, n = data.len());
        let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        return;
    }
    if path != "/test/repo/resolve/main/demo-Q4_1.gguf" {
        let _ = write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    ranges.lock().unwrap().push(start as u64);
    let body = &data[start..];
    let _ = write!(
        stream,
        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{}\r\nConnection: close\r\n\r\n",
        body.len(),
        start,
        data.len() - 1,
        data.len()
    );
    for piece in body.chunks(256 << 10) {
        if stream.write_all(piece).is_err() {
            return;
        }
        if slow.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn pull(home: &Path, url: &str, spec: &str) -> Command {
    let mut c = Command::new(hearth());
    c.args(["models", "pull", spec, "--json"]).env("HEARTH_HOME", home).env("HF_ENDPOINT", url);
    c
}

#[test]
fn a_killed_pull_is_resumed_by_the_next_and_verified() {
    let data = Arc::new(std::fs::read(demo_model()).unwrap());
    let server = serve(data.clone());
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("models");

    // The first pull, slowed down, is killed once a few MiB are in the partial file.
    let mut child = pull(home.path(), &server.url, "test/repo:demo-Q4_1.gguf").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let part_size = || {
        std::fs::read_dir(&models).ok().into_iter().flatten().flatten().map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).max().unwrap_or(0)
    };
    while part_size() < 4 << 20 {
        assert!(Instant::now() < deadline, "the download never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!models.join("demo-Q4_1.gguf").exists(), "an unverified file was moved into place");

    server.slow.store(false, Ordering::Relaxed);
    let out = pull(home.path(), &server.url, "test/repo:demo-Q4_1.gguf").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let resumed_from = *server.ranges.lock().unwrap().last().unwrap();
    assert!(resumed_from >= 4 << 20, "the second pull started over (from byte {resumed_from})");
    assert_eq!(std::fs::read(models.join("demo-Q4_1.gguf")).unwrap(), *data);

    let list = Command::new(hearth()).args(["models", "list", "--json"]).env("HEARTH_HOME", home.path()).output().unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let sha: String = sha2::Sha256::digest(&*data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(listed[0]["sha256"], sha.as_str(), "{listed}");

    let missing = pull(home.path(), &server.url, "nobody/nothing:x.gguf").output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no repo nobody/nothing"), "{}", String::from_utf8_lossy(&missing.stderr));
}

/// A models directory on a 20 MiB tmpfs (a private mount namespace): the 94 MiB model is refused
/// before a byte is written.
#[test]
fn a_disk_without_room_is_refused_before_downloading() {
    let data = Arc::new(std::fs::read(demo_model()).unwrap());
    let server = serve(data);
    server.slow.store(false, Ordering::Relaxed);
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("models");
    std::fs::create_dir(&models).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=20m tmpfs {models} && HEARTH_HOME={home} HF_ENDPOINT={url} {hearth} models pull test/repo:demo-Q4_1.gguf; echo \"rc=$?\"; ls -A {models}",
        models = models.display(),
        home = home.path().display(),
        url = server.url,
        hearth = hearth().display()
    );
    let out = Command::new("unshare").args(["-rm", "sh", "-c", &script]).output().expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.trim(), "rc=1", "nothing may be written: stdout {stdout} stderr {stderr}");
    assert!(stderr.contains("only") && stderr.contains("free"), "{stderr}");
    assert!(server.ranges.lock().unwrap().is_empty(), "the download started");
}
