//! Extraction in a child process. pdf-extract panics on some damaged PDFs (6 of 17 in a trial
//! here) and a malformed file can make it loop; in a child, a panic is caught per page, and an
//! abort, a crash or a hang costs the page it happened on: the parent marks that page unreadable
//! and starts a new child from the next page. The child is any program that runs
//! `serve_extraction` (Hearth's CLI: `hearth extract FILE --first-page N`), speaking JSON lines.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::limits::MAX_LINE_BYTES;
use crate::pages::{file_name, require_text, DocumentKind, ExtractedPage, PageSource};
use crate::DocumentError;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Opened { kind: DocumentKind, pages: u32 },
    Page(ExtractedPage),
    Failed { code: String, message: String },
}

/// The child's side: opens `path` and writes its pages from `first_page` on, one JSON line each.
pub fn serve_extraction(path: &Path, first_page: u32, mut out: impl Write) -> std::io::Result<()> {
    // Panics are caught per page; their default report on stderr would only be noise.
    std::panic::set_hook(Box::new(|_| {}));
    let mut send = |line: &Line| -> std::io::Result<()> {
        serde_json::to_writer(&mut out, line)?;
        out.write_all(b"\n")?;
        out.flush()
    };
    let (kind, source) = match PageSource::open(path) {
        Ok(opened) => opened,
        Err(e) => return send(&Line::Failed { code: error_tag(&e).into(), message: e.to_string() }),
    };
    let total = source.page_count();
    send(&Line::Opened { kind, pages: total })?;
    for n in first_page.max(1)..=total {
        send(&Line::Page(source.page(n)))?;
    }
    Ok(())
}

fn error_tag(e: &DocumentError) -> &'static str {
    match e {
        DocumentError::Encrypted(_) => "encrypted",
        DocumentError::NoTextLayer(_) => "no_text",
        DocumentError::NotAPdf(_) => "not_a_pdf",
        DocumentError::Unsupported(_) => "unsupported",
        DocumentError::Empty(_) => "empty",
        DocumentError::TooLarge { .. } => "too_large",
        DocumentError::Io { .. } => "io",
        _ => "damaged",
    }
}

fn error_from_tag(tag: &str, name: String, message: String, path: &Path) -> DocumentError {
    match tag {
        "encrypted" => DocumentError::Encrypted(name),
        "no_text" => DocumentError::NoTextLayer(name),
        "not_a_pdf" => DocumentError::NotAPdf(name),
        "unsupported" => DocumentError::Unsupported(name),
        "empty" => DocumentError::Empty(name),
        // The parent checks the size before it starts a child; a child's refusal says the same.
        "too_large" => DocumentError::Reader { name, detail: message },
        "io" => DocumentError::Io { path: path.display().to_string(), message },
        _ => DocumentError::Damaged { name, detail: message.rsplit(": ").next().unwrap_or(&message).to_string() },
    }
}

/// The parent's side: how to start a child, and how long a page may take.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub program: PathBuf,
    /// Arguments before the file (e.g. `["extract"]`).
    pub args: Vec<String>,
    /// A child that sends nothing for this long is killed and its current page given up.
    pub page_timeout: Duration,
    /// Children started in all before the document is given up.
    pub max_restarts: u32,
}

impl Extractor {
    pub fn new(program: impl Into<PathBuf>, args: &[&str]) -> Extractor {
        Extractor {
            program: program.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            page_timeout: Duration::from_secs(30),
            max_restarts: 5,
        }
    }

    /// Every page of `path`, handed to `on_page` (with the kind and page count) as it arrives
    /// and not kept: a long document never sits whole in memory. Fails when the file cannot be
    /// opened, has no text at all, `on_page` fails, or `cancel` is set; returns the kind and the
    /// number of pages.
    pub fn extract(
        &self,
        path: &Path,
        cancel: &AtomicBool,
        mut on_page: impl FnMut(DocumentKind, u32, ExtractedPage) -> Result<(), DocumentError>,
    ) -> Result<(DocumentKind, u32), DocumentError> {
        let name = file_name(path);
        let mut seen = PagesSeen::default();
        let mut opened: Option<(DocumentKind, u32)> = None;
        let mut restarts = 0;
        loop {
            let first = seen.count + 1;
            let mut command = Command::new(&self.program);
            crate::limits::limit_child(&mut command);
            let mut child = command
                .args(&self.args)
                .arg(path)
                .arg("--first-page")
                .arg(first.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| DocumentError::Reader { name: name.clone(), detail: format!("cannot start {}: {e}", self.program.display()) })?;
            // Kept to the end of this child's round (on Windows closing it kills the child).
            let _limits = crate::limits::limit_spawned(&child);
            let stdout = child.stdout.take().expect("piped");
            let (tx, rx) = mpsc::channel::<String>();
            std::thread::spawn(move || {
                // Lines under a cap: a page longer than MAX_LINE_BYTES ends the reading (the
                // child is then stopped and that page given up) instead of filling memory.
                let mut reader = BufReader::new(stdout);
                loop {
                    let mut line = Vec::new();
                    match (&mut reader).take(MAX_LINE_BYTES + 1).read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(n) if n as u64 > MAX_LINE_BYTES => break,
                        Ok(_) => {}
                    }
                    if tx.send(String::from_utf8_lossy(&line).trim_end().to_string()).is_err() {
                        break;
                    }
                }
            });
            let mut waited_since = Instant::now();
            let outcome = loop {
                if cancel.load(Ordering::Relaxed) {
                    break Outcome::Cancelled;
                }
                match rx.recv_timeout(Duration::from_millis(100).min(self.page_timeout)) {
                    Ok(line) => match serde_json::from_str::<Line>(&line) {
                        Ok(Line::Opened { kind, pages: total }) => {
                            opened.get_or_insert((kind, total));
                            waited_since = Instant::now();
                        }
                        Ok(Line::Page(page)) => {
                            let Some((kind, total)) = opened else { continue }; // a page before `opened`: not ours
                            seen.add(&page);
                            if let Err(e) = on_page(kind, total, page) {
                                break Outcome::Failed(e);
                            }
                            waited_since = Instant::now();
                        }
                        Ok(Line::Failed { code, message }) => break Outcome::Failed(error_from_tag(&code, name.clone(), message, path)),
                        Err(_) => {} // not ours (a library printing to stdout)
                    },
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if waited_since.elapsed() >= self.page_timeout {
                            break Outcome::Stalled;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break Outcome::Exited,
                }
            };
            let _ = child.kill();
            let status = child.wait().ok();
            match outcome {
                Outcome::Cancelled => return Err(DocumentError::Cancelled(name)),
                Outcome::Failed(e) => return Err(e),
                Outcome::Exited | Outcome::Stalled => {
                    let Some((kind, total)) = opened else {
                        let how = match (&outcome, status) {
                            (Outcome::Stalled, _) => "it took too long to open".to_string(),
                            (_, Some(s)) => format!("the reader stopped ({s})"),
                            _ => "the reader stopped".to_string(),
                        };
                        return Err(DocumentError::Damaged { name, detail: how });
                    };
                    if seen.count >= total {
                        require_text(path, kind, seen.any_text, seen.any_readable)?;
                        return Ok((kind, seen.count));
                    }
                    // The child died or hung on the next page: give that page up, go on after it.
                    let lost = ExtractedPage { number: seen.count + 1, text: String::new(), readable: false };
                    seen.add(&lost);
                    on_page(kind, total, lost)?;
                    restarts += 1;
                    if restarts > self.max_restarts {
                        return Err(DocumentError::Reader { name, detail: format!("it failed on {restarts} pages; giving up") });
                    }
                }
            }
        }
    }
}

/// What extraction remembers of the pages it passed on.
#[derive(Default)]
struct PagesSeen {
    count: u32,
    any_text: bool,
    any_readable: bool,
}

impl PagesSeen {
    fn add(&mut self, page: &ExtractedPage) {
        self.count += 1;
        self.any_text |= !page.text.trim().is_empty();
        self.any_readable |= page.readable;
    }
}

enum Outcome {
    Exited,
    Stalled,
    Cancelled,
    Failed(DocumentError),
}
