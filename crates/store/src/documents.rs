//! Documents in the database: pages and chunks written once per file content, the full-text
//! search over chunks (FTS5 BM25), and which conversation uses which document.

use rusqlite::{params, OptionalExtension, Row};

use crate::store::now_ms;
use crate::{DocumentRecord, NewChunk, NewDocument, Passage, Store, StoreError};

/// A document being read page by page (`Store::begin_document`).
#[derive(Debug)]
pub struct Reading {
    pub id: i64,
    placeholder: String,
}

/// How long a document being read may go without a new page before it counts as abandoned.
const ABANDONED_READING_MS: i64 = 30 * 60 * 1000;

const DOCUMENT_COLUMNS: &str = "id, sha256, name, path, kind, pages, tokens, unreadable_pages_json, created_at";

fn document_row(r: &Row) -> rusqlite::Result<DocumentRecord> {
    Ok(DocumentRecord {
        id: r.get(0)?,
        sha256: r.get(1)?,
        name: r.get(2)?,
        path: r.get(3)?,
        kind: r.get(4)?,
        pages: r.get(5)?,
        tokens: r.get(6)?,
        unreadable_pages: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
        created_at: r.get(8)?,
    })
}

fn passage_row(r: &Row) -> rusqlite::Result<Passage> {
    Ok(Passage {
        chunk_id: r.get(0)?,
        document_id: r.get(1)?,
        document: r.get(2)?,
        page: r.get(3)?,
        text: r.get(4)?,
        tokens: r.get(5)?,
        score: r.get(6)?,
    })
}

/// Words that carry no meaning for retrieval; left out of the full-text query so that BM25
/// ranks by the words that do.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "can",
    "do",
    "does",
    "for",
    "from",
    "how",
    "i",
    "in",
    "is",
    "it",
    "its",
    "me",
    "of",
    "on",
    "or",
    "say",
    "says",
    "tell",
    "that",
    "the",
    "this",
    "to",
    "was",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "with",
    "you",
    "about",
    "document",
    "page",
    "according",
];

/// Russian words that say nothing about what is asked (Snowball's Russian stop list, less the
/// negations, plus the words of a question about a document).
const RUSSIAN_STOPWORDS: &[&str] = &[
    "и",
    "в",
    "во",
    "что",
    "он",
    "на",
    "я",
    "с",
    "со",
    "как",
    "а",
    "то",
    "все",
    "всё",
    "она",
    "так",
    "его",
    "но",
    "да",
    "ты",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "по",
    "только",
    "ее",
    "её",
    "мне",
    "было",
    "вот",
    "от",
    "меня",
    "еще",
    "ещё",
    "о",
    "из",
    "ему",
    "теперь",
    "когда",
    "даже",
    "ну",
    "ли",
    "если",
    "уже",
    "или",
    "быть",
    "был",
    "него",
    "до",
    "вас",
    "опять",
    "уж",
    "вам",
    "ведь",
    "там",
    "потом",
    "себя",
    "ей",
    "может",
    "они",
    "тут",
    "где",
    "есть",
    "надо",
    "ней",
    "для",
    "мы",
    "тебя",
    "их",
    "чем",
    "была",
    "сам",
    "чтоб",
    "без",
    "чего",
    "раз",
    "тоже",
    "себе",
    "под",
    "будет",
    "ж",
    "тогда",
    "кто",
    "этот",
    "того",
    "потому",
    "этого",
    "какой",
    "какая",
    "какое",
    "какие",
    "каким",
    "какую",
    "ним",
    "здесь",
    "этом",
    "почти",
    "мой",
    "тем",
    "чтобы",
    "нее",
    "были",
    "куда",
    "зачем",
    "всех",
    "можно",
    "при",
    "об",
    "хоть",
    "после",
    "над",
    "больше",
    "тот",
    "через",
    "эти",
    "нас",
    "про",
    "всего",
    "них",
    "много",
    "эту",
    "моя",
    "перед",
    "том",
    "такой",
    "им",
    "более",
    "всю",
    "между",
    "это",
    "почему",
    "сколько",
    "каком",
    "нужно",
    "документ",
    "документе",
    "документа",
    "странице",
    "страница",
    "согласно",
];

/// A question turned into an FTS5 query: its meaningful words, each quoted (so no word can be
/// read as FTS5 syntax), any of them matching. `None` when nothing is left to search for.
pub fn fts_query(question: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for word in question.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let w = word.to_lowercase();
        if (w.chars().count() < 2 && !w.chars().all(|c| c.is_ascii_digit()))
            || STOPWORDS.contains(&w.as_str())
            || RUSSIAN_STOPWORDS.contains(&w.as_str())
        {
            continue;
        }
        // The form the index holds (a Russian word's stem).
        let w = crate::stemming::search_word(&w);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if words.is_empty() {
        return None;
    }
    Some(words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR "))
}

impl Store {
    pub fn document_by_sha256(&self, sha256: &str) -> Result<Option<DocumentRecord>, StoreError> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE sha256 = ?1");
        Ok(self.conn.query_row(&sql, [sha256], document_row).optional()?)
    }

    pub fn document(&self, id: i64) -> Result<DocumentRecord, StoreError> {
        let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ?1");
        self.conn.query_row(&sql, [id], document_row).optional()?.ok_or_else(|| StoreError::NotFound(format!("document {id}")))
    }

    /// Writes a whole document at once (pages and chunks already read); a document with the same
    /// content is kept as it is. The same steps as a document read page by page.
    pub fn add_document(&self, doc: &NewDocument) -> Result<DocumentRecord, StoreError> {
        if let Some(existing) = self.document_by_sha256(&doc.sha256)? {
            return Ok(existing);
        }
        let reading = self.begin_document(&doc.sha256, &doc.name, &doc.path, &doc.kind)?;
        for (n, text) in &doc.pages {
            let chunks: Vec<NewChunk> = doc.chunks.iter().filter(|c| c.page == *n).cloned().collect();
            if let Err(e) = self.add_document_page(&reading, *n, text, !doc.unreadable_pages.contains(n), &chunks) {
                let _ = self.discard_document(reading);
                return Err(e);
            }
        }
        self.finish_document(reading, &doc.sha256)
    }

    /// Starts a document that is written page by page as it is read, so a long document never
    /// sits whole in memory. Until `finish_document` it has a placeholder hash (no lookup by
    /// content finds it, and the same file read twice at once does not collide) and is not
    /// attached anywhere. Readings left by a process that died are cleared here.
    pub fn begin_document(&self, sha256: &str, name: &str, path: &str, kind: &str) -> Result<Reading, StoreError> {
        self.discard_abandoned_readings()?;
        let now = now_ms();
        // Unique across processes (pid), and within one (a counter: the same millisecond twice).
        static READINGS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nth = READINGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let placeholder = format!("reading:{now}:{}:{nth}:{sha256}", std::process::id());
        self.conn.execute(
            "INSERT INTO documents (sha256, name, path, kind, pages, tokens, unreadable_pages_json, created_at, reading_since)
             VALUES (?1, ?2, ?3, ?4, 0, 0, '[]', ?5, ?5)",
            params![placeholder, name, path, kind, now],
        )?;
        Ok(Reading { id: self.conn.last_insert_rowid(), placeholder })
    }

    /// One page of a document being read, with its chunks, in one small transaction.
    pub fn add_document_page(&self, reading: &Reading, page: u32, text: &str, readable: bool, chunks: &[NewChunk]) -> Result<(), StoreError> {
        let id = reading.id;
        let tx = crate::store::Atomic::begin(&self.conn)?;
        // By placeholder too: a row id can be reused once a reading was cleared.
        let unreadable: String = tx
            .query_row("SELECT unreadable_pages_json FROM documents WHERE id = ?1 AND sha256 = ?2", params![id, reading.placeholder], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("document {id} being read")))?;
        let mut unreadable: Vec<u32> = serde_json::from_str(&unreadable).unwrap_or_default();
        if !readable {
            unreadable.push(page);
        }
        tx.execute("INSERT INTO document_pages (document_id, page, text) VALUES (?1, ?2, ?3)", params![id, page, text])?;
        {
            let mut chunk = tx.prepare("INSERT INTO chunks (document_id, page, start, tokens, text) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for c in chunks {
                chunk.execute(params![id, c.page, c.start, c.tokens, c.text])?;
            }
        }
        let tokens: u32 = chunks.iter().map(|c| c.tokens).sum();
        tx.execute(
            "UPDATE documents SET pages = pages + 1, tokens = tokens + ?2, unreadable_pages_json = ?3, reading_since = ?4 WHERE id = ?1",
            params![id, tokens, serde_json::to_string(&unreadable).unwrap_or_else(|_| "[]".into()), now_ms()],
        )?;
        tx.commit()
    }

    /// Ends a reading: the document takes its real hash. Where the same content was finished
    /// meanwhile (another window, the CLI), that one is kept and this reading dropped.
    pub fn finish_document(&self, reading: Reading, sha256: &str) -> Result<DocumentRecord, StoreError> {
        let id = reading.id;
        let tx = crate::store::Atomic::begin(&self.conn)?;
        let ours: Option<i64> =
            tx.query_row("SELECT id FROM documents WHERE id = ?1 AND sha256 = ?2", params![id, reading.placeholder], |r| r.get(0)).optional()?;
        if ours.is_none() {
            return Err(StoreError::NotFound(format!("document {id} being read")));
        }
        let existing: Option<i64> = tx.query_row("SELECT id FROM documents WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?;
        let kept = match existing {
            Some(other) => {
                tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
                other
            }
            None => {
                tx.execute("UPDATE documents SET sha256 = ?2, reading_since = NULL WHERE id = ?1", params![id, sha256])?;
                id
            }
        };
        tx.commit()?;
        self.document(kept)
    }

    /// Drops a reading that was cancelled or failed, with what it had written.
    pub fn discard_document(&self, reading: Reading) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM documents WHERE id = ?1 AND sha256 = ?2", params![reading.id, reading.placeholder])?;
        Ok(())
    }

    /// Readings with no page written for `ABANDONED_READING_MS`: their process died (a live
    /// reading writes a page at least every page timeout times its restarts, well under this).
    fn discard_abandoned_readings(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM documents WHERE reading_since IS NOT NULL AND reading_since < ?1", [now_ms() - ABANDONED_READING_MS])?)
    }

    pub fn attach_document(&self, conversation_id: i64, document_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO conversation_documents (conversation_id, document_id, added_at) VALUES (?1, ?2, ?3)",
            params![conversation_id, document_id, now_ms()],
        )?;
        Ok(())
    }

    /// Takes a document off a conversation; its index stays for other conversations (and for the
    /// same file added again) until no conversation uses it.
    pub fn detach_document(&self, conversation_id: i64, document_id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM conversation_documents WHERE conversation_id = ?1 AND document_id = ?2", params![conversation_id, document_id])?;
        self.conn.execute(
            "DELETE FROM documents WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM conversation_documents WHERE document_id = ?1)",
            [document_id],
        )?;
        Ok(())
    }

    pub fn conversation_documents(&self, conversation_id: i64) -> Result<Vec<DocumentRecord>, StoreError> {
        let sql = format!(
            "SELECT {} FROM documents d JOIN conversation_documents cd ON cd.document_id = d.id
             WHERE cd.conversation_id = ?1 ORDER BY cd.added_at, d.id",
            DOCUMENT_COLUMNS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([conversation_id], document_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A page's text (1-based page).
    pub fn document_page(&self, document_id: i64, page: u32) -> Result<String, StoreError> {
        self.conn
            .query_row("SELECT text FROM document_pages WHERE document_id = ?1 AND page = ?2", params![document_id, page], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("page {page} of document {document_id}")))
    }

    /// Every page of a document, (1-based page, text), in order.
    pub fn document_pages(&self, document_id: i64) -> Result<Vec<(u32, String)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT page, text FROM document_pages WHERE document_id = ?1 ORDER BY page")?;
        let rows = stmt.query_map([document_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every chunk of a document in reading order (for documents given whole, and summaries).
    pub fn document_chunks(&self, document_id: i64) -> Result<Vec<Passage>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.document_id, d.name, c.page, c.text, c.tokens, 0.0 FROM chunks c JOIN documents d ON d.id = c.document_id
             WHERE c.document_id = ?1 ORDER BY c.page, c.start",
        )?;
        let rows = stmt.query_map([document_id], passage_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Chunks of `documents` with no embedding from `model` yet.
    pub fn chunks_without_embedding(&self, documents: &[i64], model: &str) -> Result<Vec<Passage>, StoreError> {
        let ids = documents.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT c.id, c.document_id, d.name, c.page, c.text, c.tokens, 0.0 FROM chunks c JOIN documents d ON d.id = c.document_id
             WHERE c.document_id IN ({ids}) AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model = ?1)
             ORDER BY c.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([model], passage_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Stores embeddings (little-endian f32) of chunks from `model`, in one transaction.
    pub fn put_embeddings(&self, model: &str, vectors: &[(i64, Vec<f32>)]) -> Result<(), StoreError> {
        let tx = crate::store::Atomic::begin(&self.conn)?;
        {
            let mut put = tx.prepare("INSERT OR REPLACE INTO chunk_embeddings (chunk_id, model, vector) VALUES (?1, ?2, ?3)")?;
            for (chunk, v) in vectors {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                put.execute(params![chunk, model, bytes])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The chunks of `documents` closest to `query` (a normalized vector from `model`) by cosine
    /// similarity, best first.
    pub fn nearest_chunks(&self, documents: &[i64], model: &str, query: &[f32], limit: usize) -> Result<Vec<Passage>, StoreError> {
        let ids = documents.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT c.id, c.document_id, d.name, c.page, c.text, c.tokens, e.vector FROM chunks c
             JOIN documents d ON d.id = c.document_id JOIN chunk_embeddings e ON e.chunk_id = c.id AND e.model = ?1
             WHERE c.document_id IN ({ids})"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut scored = stmt
            .query_map([model], |r| {
                let bytes: Vec<u8> = r.get(6)?;
                let v: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                let score = v.iter().zip(query).map(|(a, b)| a * b).sum::<f32>() as f64;
                Ok(Passage {
                    chunk_id: r.get(0)?,
                    document_id: r.get(1)?,
                    document: r.get(2)?,
                    page: r.get(3)?,
                    text: r.get(4)?,
                    tokens: r.get(5)?,
                    score,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        scored.truncate(limit);
        Ok(scored)
    }

    /// The chunks of `documents` that best match `question` (BM25 over their words), best first.
    pub fn search_chunks(&self, question: &str, documents: &[i64], limit: usize) -> Result<Vec<Passage>, StoreError> {
        let Some(query) = fts_query(question) else { return Ok(Vec::new()) };
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        let ids = documents.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        // bm25() is lower for better matches; negated so that a higher score is better.
        let sql = format!(
            "SELECT c.id, c.document_id, d.name, c.page, c.text, c.tokens, -bm25(chunks_fts) AS score
             FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid JOIN documents d ON d.id = c.document_id
             WHERE chunks_fts MATCH ?1 AND c.document_id IN ({ids})
             ORDER BY bm25(chunks_fts) LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![query, limit as i64], passage_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(sha: &str, pages: &[&str]) -> NewDocument {
        NewDocument {
            sha256: sha.into(),
            name: format!("{sha}.pdf"),
            path: format!("/tmp/{sha}.pdf"),
            kind: "pdf".into(),
            pages: pages.iter().enumerate().map(|(i, t)| (i as u32 + 1, t.to_string())).collect(),
            chunks: pages
                .iter()
                .enumerate()
                .map(|(i, t)| NewChunk { page: i as u32 + 1, start: 0, tokens: t.split(' ').count() as u32, text: t.to_string() })
                .collect(),
            unreadable_pages: vec![],
        }
    }

    #[test]
    fn questions_become_safe_fts_queries() {
        assert_eq!(fts_query("What is the boiling point of water?").unwrap(), "\"boiling\" OR \"point\" OR \"water\"");
        // FTS5 syntax in a question is only text.
        assert_eq!(fts_query("NEAR(a b) AND \"xy* OR -yz").unwrap(), "\"near\" OR \"xy\" OR \"yz\"");
        assert_eq!(fts_query("what is it?"), None);
        assert_eq!(fts_query("section 7"), Some("\"section\" OR \"7\"".into()));
    }

    #[test]
    fn search_ranks_the_page_that_holds_the_words_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let d = store.add_document(&doc("aa", &["The cat sleeps on the mat.", "Water boils at one hundred degrees.", "Engines need fuel."])).unwrap();
        assert_eq!((d.pages, d.kind.as_str()), (3, "pdf"));
        let hits = store.search_chunks("When does water boil?", &[d.id], 5).unwrap();
        assert_eq!(hits[0].page, 2, "{hits:?}");
        assert_eq!(hits[0].document, "aa.pdf");
        // Porter stemming: "boiling" finds "boils".
        assert_eq!(store.search_chunks("boiling", &[d.id], 5).unwrap()[0].page, 2);
        // Only the documents asked for are searched.
        let other = store.add_document(&doc("bb", &["Water is wet."])).unwrap();
        assert!(store.search_chunks("water", &[other.id], 5).unwrap().iter().all(|p| p.document_id == other.id));
    }

    #[test]
    fn the_same_content_is_indexed_once_and_removed_with_its_last_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let a = store.create_conversation("a").unwrap();
        let b = store.create_conversation("b").unwrap();
        let d1 = store.add_document(&doc("cc", &["one", "two"])).unwrap();
        let d2 = store.add_document(&doc("cc", &["one", "two"])).unwrap();
        assert_eq!(d1.id, d2.id);
        store.attach_document(a.id, d1.id).unwrap();
        store.attach_document(b.id, d1.id).unwrap();
        assert_eq!(store.conversation_documents(a.id).unwrap().len(), 1);
        assert_eq!(store.document_page(d1.id, 2).unwrap(), "two");
        store.detach_document(a.id, d1.id).unwrap();
        assert!(store.conversation_documents(a.id).unwrap().is_empty());
        assert!(store.document(d1.id).is_ok(), "still used by b");
        store.detach_document(b.id, d1.id).unwrap();
        assert!(store.document(d1.id).is_err());
        assert!(store.search_chunks("one", &[d1.id], 5).unwrap().is_empty(), "its chunks left the index too");
    }

    fn chunk(page: u32, text: &str) -> NewChunk {
        NewChunk { page, start: 0, tokens: 1, text: text.into() }
    }

    /// Issue 17: a document is written page by page as it is read; until it is finished no
    /// lookup by content finds it, and a cancelled reading leaves nothing behind.
    #[test]
    fn a_document_read_page_by_page_is_found_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let reading = store.begin_document("dd", "dd.txt", "/tmp/dd.txt", "text").unwrap();
        let id = reading.id;
        store.add_document_page(&reading, 1, "first page", true, &[chunk(1, "first page")]).unwrap();
        store.add_document_page(&reading, 2, "", false, &[]).unwrap();
        assert!(store.document_by_sha256("dd").unwrap().is_none(), "a reading is not yet the document");
        assert_eq!(store.document_page(id, 1).unwrap(), "first page", "pages are in the store as they are read");
        let done = store.finish_document(reading, "dd").unwrap();
        assert_eq!((done.id, done.pages, done.tokens, done.unreadable_pages.clone()), (id, 2, 1, vec![2]));
        assert_eq!(store.document_by_sha256("dd").unwrap().unwrap().id, id);

        let cancelled = store.begin_document("ee", "ee.txt", "/tmp/ee.txt", "text").unwrap();
        let cancelled_id = cancelled.id;
        store.add_document_page(&cancelled, 1, "words", true, &[chunk(1, "words")]).unwrap();
        store.discard_document(cancelled).unwrap();
        assert!(store.document(cancelled_id).is_err());
        assert!(store.search_chunks("words", &[cancelled_id], 5).unwrap().is_empty(), "its chunks left the index too");
    }

    /// Issue 17: the same file read twice at once (two windows, the CLI beside the app) ends as
    /// one document; a reading left by a process that died is cleared by the next reading.
    #[test]
    fn concurrent_and_abandoned_readings_leave_one_document() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let a = store.begin_document("ff", "ff.txt", "/tmp/ff.txt", "text").unwrap();
        let b = store.begin_document("ff", "ff.txt", "/tmp/ff.txt", "text").unwrap();
        let b_id = b.id;
        store.add_document_page(&a, 1, "one", true, &[]).unwrap();
        store.add_document_page(&b, 1, "one", true, &[]).unwrap();
        let first = store.finish_document(a, "ff").unwrap();
        let second = store.finish_document(b, "ff").unwrap();
        assert_eq!(first.id, second.id);
        assert!(store.document(b_id).is_err(), "the second reading was dropped");

        let dead = store.begin_document("gg", "gg.txt", "/tmp/gg.txt", "text").unwrap();
        store
            .conn
            .execute("UPDATE documents SET reading_since = reading_since - ?2 WHERE id = ?1", params![dead.id, ABANDONED_READING_MS + 1])
            .unwrap();
        let live = store.begin_document("hh", "hh.txt", "/tmp/hh.txt", "text").unwrap();
        let left: i64 = store.conn.query_row("SELECT COUNT(*) FROM documents WHERE name = 'gg.txt'", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0, "the abandoned reading is gone");
        assert!(
            store.add_document_page(&dead, 1, "late", true, &[]).is_err(),
            "a cleared reading takes no more pages, even where its row id is reused"
        );
        assert!(store.document(live.id).is_ok());
        assert!(store.document(first.id).is_ok(), "finished documents are never cleared");
    }
}
