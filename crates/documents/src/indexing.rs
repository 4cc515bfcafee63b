//! A file into the store: hashed (the same content is read once, whatever its name), read into
//! pages by the isolated extractor, each page cut into chunks and written as it arrives.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use hearth_store::{DocumentRecord, NewChunk, Reading, Store};
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

/// The document for `path` in the store: found by its content hash, else read and written page
/// by page as the pages arrive (a long document never sits whole in memory; a reading that fails
/// or is cancelled is taken out again). `store` gives the database for each short write only, so
/// a caller that shares it (the app, behind a lock) does not hold it while a page is read.
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
    let name = file_name(path);
    let mut reading: Option<Reading> = None;
    let read = extractor.extract(path, cancel, |kind, total, page| {
        let current = match &reading {
            Some(r) => r,
            None => reading.insert(store().begin_document(&sha, &name, &path.display().to_string(), kind.as_str())?),
        };
        let chunks: Vec<NewChunk> = chunk_page(page.number, &page.text, counter, ChunkSizes::default())
            .into_iter()
            .map(|c| NewChunk { page: c.page, start: c.start as u32, tokens: c.tokens, text: c.text })
            .collect();
        store().add_document_page(current, page.number, &page.text, page.readable, &chunks)?;
        progress(IndexProgress { document: name.clone(), stage: "reading".into(), page: page.number, pages: total });
        Ok(())
    });
    let doc = match (read, reading) {
        (Ok(_), Some(reading)) => store().finish_document(reading, &sha)?,
        (Ok(_), None) => return Err(DocumentError::Empty(name)),
        (Err(e), reading) => {
            if let Some(reading) = reading {
                let _ = store().discard_document(reading);
            }
            return Err(e);
        }
    };
    progress(IndexProgress { document: doc.name.clone(), stage: "done".into(), page: doc.pages, pages: doc.pages });
    Ok(doc)
}
