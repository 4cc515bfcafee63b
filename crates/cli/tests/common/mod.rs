//! Shared by the CLI and engine tests: the real demo model and the `hearth` binary.
#![allow(dead_code)]

use std::path::PathBuf;

/// The demo model, fetched by `scripts/fetch-models.sh` (the README's set-up does it).
pub fn demo_model() -> PathBuf {
    let path = std::env::var_os("HEARTH_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"));
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

/// A server child process (`hearth serve`, llama-server), killed when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    /// `http://host:port`.
    pub url: String,
}

impl ServerProcess {
    /// `host:port`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `hearth serve` with the demo model on a free loopback port (`extra` arguments added), once it
/// listens.
pub fn serve_demo(extra: &[&str]) -> ServerProcess {
    serve_model(&demo_model(), extra)
}

/// `hearth serve MODEL --port 0` in a home of its own.
pub fn serve_model(model: &std::path::Path, extra: &[&str]) -> ServerProcess {
    use std::io::BufRead;
    let home = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(hearth())
        .args(["serve", model.to_str().unwrap(), "--port", "0"])
        .args(extra)
        .env("HEARTH_HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line}")).to_string();
    // The server's home lives as long as the test process.
    std::mem::forget(home);
    ServerProcess { child, url }
}

/// A model written by `scripts/fixtures.sh` (the README's set-up runs it) under `.cache/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("HEARTH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/fixtures"));
    let path = dir.join(name);
    assert!(path.exists(), "the test fixture {} is missing: run scripts/fixtures.sh", path.display());
    path
}

/// The demo model split in three shards by gguf-py's writer: (first shard, all shards).
pub fn split_demo_model() -> (PathBuf, Vec<PathBuf>) {
    let shards: Vec<PathBuf> = (1..=3).map(|n| fixture(&format!("split/SmolLM2-135M-Instruct.Q4_1-{n:05}-of-00003.gguf"))).collect();
    (shards[0].clone(), shards)
}

/// The miller's notebook: `words` made-up words from a fixed list, in sentences of twelve,
/// different for each `seed` (about 1.4 tokens a word with SmolLM2). A document to ask about whose
/// answers no model knows.
pub fn notebook(seed: u64, words: usize) -> String {
    let list = ["river", "mill", "grain", "stone", "water", "wheel", "village", "harvest", "winter", "market", "bread", "oven", "bridge", "road"];
    let mut x = seed.wrapping_mul(2654435761).wrapping_add(12345);
    let mut out = String::from("Here is the miller's notebook:\n");
    for i in 0..words {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        out.push_str(list[(x >> 33) as usize % list.len()]);
        out.push(if i % 12 == 11 { '.' } else { ' ' });
    }
    out
}
