//! A file into the store: hashed (the same content is read once, whatever its name), read into
//! pages by the isolated extractor, cut into chunks, written in one transaction.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use hearth_store::{DocumentRecord, NewChunk, NewDocument, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::pages::file_name;
use crate::{chunk_page, ChunkSizes, DocumentError, Extractor, TokenCounter};

/// Progress of one file, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct IndexProgress {
    /// The file's name.
    pub document: String,
    /// `reading` (pages extracted so far), `indexing`, `embedding` (passages embedded so far), `done`.
    pub stage: String,
    pub page: u32,
    pub pages: u32,
}

pub fn sha256_file(path: &Path) -> Result<String, DocumentError> {
    let io = |e: std::io::Error| DocumentError::Io { path: path.display().to_string(), message: e.to_string() };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Reads and chunks a file (no database involved: the caller writes the result).
pub fn read_document(
    path: &Path,
    sha256: String,
    extractor: &Extractor,
    counter: &TokenCounter,
    cancel: &AtomicBool,
    mut progress: impl FnMut(IndexProgress),
) -> Result<NewDocument, DocumentError> {
    let name = file_name(path);
    let (kind, pages) = extractor.extract(path, cancel, |page, total| {
        progress(IndexProgress { document: name.clone(), stage: "reading".into(), page: page.number, pages: total })
    })?;
    let total = pages.len() as u32;
    progress(IndexProgress { document: name.clone(), stage: "indexing".into(), page: 0, pages: total });
    let mut chunks = Vec::new();
    for page in &pages {
        for c in chunk_page(page.number, &page.text, counter, ChunkSizes::default()) {
            chunks.push(NewChunk { page: c.page, start: c.start as u32, tokens: c.tokens, text: c.text });
        }
    }
    Ok(NewDocument {
        sha256,
        name,
        path: path.display().to_string(),
        kind: kind.as_str().into(),
        unreadable_pages: pages.iter().filter(|p| !p.readable).map(|p| p.number).collect(),
        pages: pages.into_iter().map(|p| (p.number, p.text)).collect(),
        chunks,
    })
}

/// The document for `path` in the store: found by its content hash, else read and written.
/// `store` gives the database for the lookup and for the write only, so a caller that shares it
/// (the app, behind a lock) does not hold it while a long document is read.
pub fn index_file<S: std::ops::Deref<Target = Store>>(
    store: impl Fn() -> S,
    path: &Path,
    extractor: &Extractor,
    counter: &TokenCounter,
    cancel: &AtomicBool,
    mut progress: impl FnMut(IndexProgress),
) -> Result<DocumentRecord, DocumentError> {
    // Before hashing: a file over the limit costs nothing (not even reading it once).
    crate::limits::check_size(path)?;
    let sha = sha256_file(path)?;
    let known = store().document_by_sha256(&sha)?;
    if let Some(doc) = known {
        progress(IndexProgress { document: doc.name.clone(), stage: "done".into(), page: doc.pages, pages: doc.pages });
        return Ok(doc);
    }
    let new = read_document(path, sha, extractor, counter, cancel, &mut progress)?;
    let doc = store().add_document(&new)?;
    progress(IndexProgress { document: doc.name.clone(), stage: "done".into(), page: doc.pages, pages: doc.pages });
    Ok(doc)
}
