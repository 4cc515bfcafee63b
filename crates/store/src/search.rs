//! Conversation search: the words typed, matched as word prefixes in any case and script
//! against an FTS5 index over messages (schema 6), best match first (BM25), each hit with a
//! snippet and the message it came from, so the app can open the conversation at that message.
//! Titles are matched too, by a Unicode-lowercased substring (there are few of them).

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Conversation, Store, StoreError};

/// Where the snippet's matched words begin and end (the UI shows them marked; plain text
/// otherwise, never HTML).
pub const MATCH_START: char = '\u{2}';
pub const MATCH_END: char = '\u{3}';

/// One message that matches a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MessageHit {
    #[ts(type = "number")]
    pub conversation_id: i64,
    pub conversation_title: String,
    #[ts(type = "number")]
    pub message_id: i64,
    pub role: hearth_protocol::Role,
    /// A few words around the match; matched words between `MATCH_START` (U+0002) and
    /// `MATCH_END` (U+0003).
    pub snippet: String,
}

/// The typed text as an FTS5 query: every word (letters and digits of any script) quoted, so no
/// text is FTS syntax, as a prefix ("прив" finds "Привет"), all of them required. `None` when no
/// word is left.
pub fn prefix_query(text: &str) -> Option<String> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| format!("\"{}\"*", w.to_lowercase())).collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

impl Store {
    /// Messages matching `text`, best first (BM25), at most `limit`.
    pub fn search_messages(&self, text: &str, limit: usize) -> Result<Vec<MessageHit>, StoreError> {
        let Some(query) = prefix_query(text) else { return Ok(Vec::new()) };
        let mut stmt = self.conn.prepare(
            "SELECT m.conversation_id, c.title, m.id, m.role, snippet(messages_fts, 0, ?2, ?3, '…', 12)
             FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
             WHERE messages_fts MATCH ?1 ORDER BY bm25(messages_fts), m.id DESC LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(params![query, MATCH_START.to_string(), MATCH_END.to_string(), limit as i64], |r| {
                Ok(MessageHit {
                    conversation_id: r.get(0)?,
                    conversation_title: r.get(1)?,
                    message_id: r.get(2)?,
                    role: crate::store::role_from(&r.get::<_, String>(3)?),
                    snippet: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Conversations whose title contains `text` or whose messages match it (any case, any
    /// script): title matches first, then by their best message, newest first among equals.
    pub fn search_conversations(&self, text: &str) -> Result<Vec<Conversation>, StoreError> {
        let needle = text.trim().to_lowercase();
        let all = self.conversations()?;
        let mut found: Vec<Conversation> = all.iter().filter(|c| !needle.is_empty() && c.title.to_lowercase().contains(&needle)).cloned().collect();
        for hit in self.search_messages(text, 500)? {
            if !found.iter().any(|c| c.id == hit.conversation_id) {
                if let Some(c) = all.iter().find(|c| c.id == hit.conversation_id) {
                    found.push(c.clone());
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(prefix_query("Привет, мир").unwrap(), "\"привет\"* AND \"мир\"*");
        assert_eq!(prefix_query("NEAR(\"a\" OR b)*").unwrap(), "\"near\"* AND \"a\"* AND \"or\"* AND \"b\"*");
        assert!(prefix_query(" %% ").is_none());
    }
}
