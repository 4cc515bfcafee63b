//! `hearth models pull` against a local server in the Hugging Face API's shapes (HF_ENDPOINT):
//! a pull killed half-way is resumed by the next run (HTTP Range from the partial file) and
//! verified; a missing repo exits non-zero; a disk without room is refused before writing; a gated
//! repo answered with the token kept in the OS keyring (ignored unless a Secret Service runs:
//! scripts/keyring-test.sh).

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
    let mut authorized = false;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("range: bytes=") {
            start = v.trim().split('-').next().unwrap_or("0").parse().unwrap_or(0);
        }
        authorized |= h.trim() == "authorization: Bearer hf_gate" || h.trim() == "Authorization: Bearer hf_gate";
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    // A gated repo: its listing only with the right token.
    if path.starts_with("/api/models/gated/repo/tree/main") {
        if !authorized {
            let _ = write!(stream, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }
        let body = format!(r#"[{{"type":"file","path":"gated-Q4_1.gguf","size":{n},"lfs":{{"oid":"{sha}","size":{n}}}}}]"#, n = data.len());
        let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        return;
    }
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
    c.args(["models", "pull", spec, "--json"]).env("HEARTH_HOME", home).env("HF_ENDPOINT", url).env_remove("HF_TOKEN");
    c
}

fn token(action: &str, stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(hearth())
        .args(["models", "token", action])
        .env_remove("HF_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
#[ignore = "needs a Secret Service: scripts/keyring-test.sh"]
fn a_gated_repo_is_listed_with_the_token_from_the_os_keyring() {
    let home = tempfile::tempdir().unwrap();
    let server = serve(Arc::new(std::fs::read(demo_model()).unwrap()));
    token("clear", "");
    let out = pull(home.path(), &server.url, "gated/repo").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs an access token"), "{}", String::from_utf8_lossy(&out.stderr));

    let (ok, stdout, stderr) = token("set", "hf_gate\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("OS keyring"));
    assert_eq!(token("status", "").1.trim(), "a token is stored in the OS keyring");
    // Listed now (without a file named, pull lists the repo's GGUFs and asks for one).
    let out = pull(home.path(), &server.url, "gated/repo").output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("gated-Q4_1.gguf"), "{stdout}{stderr}");
    assert!(stderr.contains("choose one of the 1 GGUF files"), "{stderr}");
    // Nothing of the token in Hearth's home.
    for entry in walk(home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(!bytes.windows(7).any(|w| w == b"hf_gate"), "the token is in {}", entry.display());
    }

    token("clear", "");
    assert_eq!(token("status", "").1.trim(), "no token");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
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
    let part_size =
        || std::fs::read_dir(&models).ok().into_iter().flatten().flatten().map(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).max().unwrap_or(0);
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
