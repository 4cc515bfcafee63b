//! The store: typed reads and writes over one SQLite connection.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use hearth_protocol::{BenchReport, ChatMessage, ErrorPayload, GenerationStats, ModelSettings, Role, SamplingSettings, TemplateChoice, ToolCall};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::schema::MIGRATIONS;
use crate::{BenchRecord, Conversation, ConversationTools, Message, MessageStatus, StoreError, ToolResult};

pub struct Store {
    pub(crate) conn: Connection,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn parse_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    // A damaged settings blob must not make the conversation unreadable: fall back to defaults.
    serde_json::from_str(s).unwrap_or_default()
}

const CONVERSATION_COLUMNS: &str = "id, title, system_prompt, sampling_json, template_json, created_at, updated_at, tools_json";
const MESSAGE_COLUMNS: &str =
    "id, conversation_id, role, content, status, stats_json, error_json, model, created_at, citations_json, reasoning, tool_calls_json, tool_json";

fn conversation_row(r: &Row) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        system_prompt: r.get(2)?,
        sampling: parse_json::<SamplingSettings>(&r.get::<_, String>(3)?),
        template: parse_json::<TemplateChoice>(&r.get::<_, String>(4)?),
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        tools: parse_json::<ConversationTools>(&r.get::<_, String>(7)?),
    })
}

pub(crate) fn role_from(stored: &str) -> Role {
    match stored {
        "system" => Role::System,
        "assistant" => Role::Assistant,
        "tool" => Role::Tool,
        _ => Role::User,
    }
}

fn message_row(r: &Row) -> rusqlite::Result<Message> {
    let role = role_from(&r.get::<_, String>(2)?);
    Ok(Message {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        role,
        content: r.get(3)?,
        status: MessageStatus::parse(&r.get::<_, String>(4)?),
        stats: r.get::<_, Option<String>>(5)?.and_then(|s| serde_json::from_str::<GenerationStats>(&s).ok()),
        error: r.get::<_, Option<String>>(6)?.and_then(|s| serde_json::from_str::<ErrorPayload>(&s).ok()),
        model: r.get(7)?,
        created_at: r.get(8)?,
        citations: r.get::<_, Option<String>>(9)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
        reasoning: r.get(10)?,
        tool_calls: r.get::<_, Option<String>>(11)?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
        tool_result: r.get::<_, Option<String>>(12)?.and_then(|s| serde_json::from_str(&s).ok()),
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path`, in WAL mode, migrated to the latest schema.
    /// Messages left `streaming` by a previous process that died are marked `interrupted`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.display().to_string(), source })?;
            private(dir, 0o700)?;
        }
        let conn = Connection::open(path)?;
        // Conversations, documents and keys are the user's alone (issue 17): the home 0700, the
        // database 0600 (SQLite gives its WAL and shared-memory files the database's mode).
        private(path, 0o600)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with synchronous=NORMAL survives a killed process (not a power cut) and keeps
        // the once-a-second streaming writes cheap.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // What is deleted (a conversation, a key an older Hearth kept here) is overwritten, not
        // left readable in free pages.
        conn.pragma_update(None, "secure_delete", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Before the migrations: the documents index's triggers call it.
        crate::stemming::register(&conn)?;
        let store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let version: usize = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(format!("the database is from a newer Hearth (schema {version}, this one knows {})", MIGRATIONS.len())));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Marks messages that were streaming when their process died. Call once at start-up, by the
    /// process that owns the database.
    pub fn recover_interrupted(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute("UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'", [])?)
    }

    // ---- conversations ----

    pub fn create_conversation(&self, title: &str) -> Result<Conversation, StoreError> {
        let now = now_ms();
        self.conn.execute("INSERT INTO conversations (title, created_at, updated_at) VALUES (?1, ?2, ?2)", params![title, now])?;
        self.conversation(self.conn.last_insert_rowid())
    }

    pub fn conversation(&self, id: i64) -> Result<Conversation, StoreError> {
        self.conn
            .query_row(&format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1"), [id], conversation_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
    }

    /// Newest first.
    pub fn conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {CONVERSATION_COLUMNS} FROM conversations ORDER BY updated_at DESC, id DESC"))?;
        let rows = stmt.query_map([], conversation_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn rename_conversation(&self, id: i64, title: &str) -> Result<Conversation, StoreError> {
        self.touch_with("title = ?2", id, title)?;
        self.conversation(id)
    }

    pub fn set_system_prompt(&self, id: i64, system_prompt: &str) -> Result<Conversation, StoreError> {
        self.touch_with("system_prompt = ?2", id, system_prompt)?;
        self.conversation(id)
    }

    pub fn set_sampling(&self, id: i64, sampling: &SamplingSettings) -> Result<Conversation, StoreError> {
        self.touch_with("sampling_json = ?2", id, &json(sampling))?;
        self.conversation(id)
    }

    pub fn set_template(&self, id: i64, template: &TemplateChoice) -> Result<Conversation, StoreError> {
        self.touch_with("template_json = ?2", id, &json(template))?;
        self.conversation(id)
    }

    pub fn set_conversation_tools(&self, id: i64, tools: &ConversationTools) -> Result<Conversation, StoreError> {
        self.touch_with("tools_json = ?2", id, &json(tools))?;
        self.conversation(id)
    }

    fn touch_with(&self, set: &str, id: i64, value: &str) -> Result<(), StoreError> {
        let n = self.conn.execute(&format!("UPDATE conversations SET {set}, updated_at = ?3 WHERE id = ?1"), params![id, value, now_ms()])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        }
        Ok(())
    }

    pub fn delete_conversation(&self, id: i64) -> Result<(), StoreError> {
        let n = self.conn.execute("DELETE FROM conversations WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("conversation {id}")));
        }
        Ok(())
    }

    // ---- messages ----

    pub fn messages(&self, conversation_id: i64) -> Result<Vec<Message>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY id"))?;
        let rows = stmt.query_map([conversation_id], message_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn message(&self, id: i64) -> Result<Message, StoreError> {
        self.conn
            .query_row(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"), [id], message_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("message {id}")))
    }

    pub fn add_message(
        &self,
        conversation_id: i64,
        role: Role,
        content: &str,
        status: MessageStatus,
        model: Option<&str>,
    ) -> Result<Message, StoreError> {
        let now = now_ms();
        let tx = Atomic::begin(&self.conn)?;
        let n = tx.execute("UPDATE conversations SET updated_at = ?2 WHERE id = ?1", params![conversation_id, now])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("conversation {conversation_id}")));
        }
        tx.execute(
            "INSERT INTO messages (conversation_id, role, content, status, model, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![conversation_id, role.as_str(), content, status.as_str(), model, now],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        self.message(id)
    }

    /// Saves the text of a message being streamed (called about once a second).
    pub fn save_partial(&self, id: i64, content: &str, reasoning: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE messages SET content = ?2, reasoning = ?3 WHERE id = ?1", params![id, content, reasoning])?;
        Ok(())
    }

    /// The functions an answer called.
    pub fn set_tool_calls(&self, id: i64, calls: &[ToolCall]) -> Result<Message, StoreError> {
        self.conn.execute("UPDATE messages SET tool_calls_json = ?2 WHERE id = ?1", params![id, json(&calls)])?;
        self.message(id)
    }

    /// A `tool` message: `result` answers the call.
    pub fn add_tool_result(&self, conversation_id: i64, result: &ToolResult, content: &str) -> Result<Message, StoreError> {
        let m = self.add_message(conversation_id, Role::Tool, content, MessageStatus::Complete, None)?;
        self.conn.execute("UPDATE messages SET tool_json = ?2 WHERE id = ?1", params![m.id, json(result)])?;
        self.message(m.id)
    }

    /// The pages an answer cites (an answer from documents).
    pub fn set_citations(&self, id: i64, citations: &[crate::Citation]) -> Result<Message, StoreError> {
        self.conn.execute("UPDATE messages SET citations_json = ?2 WHERE id = ?1", params![id, json(&citations)])?;
        self.message(id)
    }

    pub fn finish_message(
        &self,
        id: i64,
        content: &str,
        reasoning: &str,
        status: MessageStatus,
        stats: Option<&GenerationStats>,
        error: Option<&ErrorPayload>,
    ) -> Result<Message, StoreError> {
        self.conn.execute(
            "UPDATE messages SET content = ?2, status = ?3, stats_json = ?4, error_json = ?5, reasoning = ?6 WHERE id = ?1",
            params![id, content, status.as_str(), stats.map(json), error.map(json), reasoning],
        )?;
        self.message(id)
    }

    pub fn edit_message(&self, id: i64, content: &str) -> Result<Message, StoreError> {
        let n = self.conn.execute("UPDATE messages SET content = ?2 WHERE id = ?1", params![id, content])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("message {id}")));
        }
        self.message(id)
    }

    /// Deletes every message of the conversation after `id` (for regenerate and edit-and-resend).
    pub fn delete_messages_after(&self, conversation_id: i64, id: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute("DELETE FROM messages WHERE conversation_id = ?1 AND id > ?2", params![conversation_id, id])?)
    }

    /// The conversation as the model sees it: system prompt, then every message with text.
    pub fn chat_history(&self, conversation_id: i64) -> Result<Vec<ChatMessage>, StoreError> {
        let conv = self.conversation(conversation_id)?;
        let mut out = Vec::new();
        if !conv.system_prompt.trim().is_empty() {
            out.push(ChatMessage::new(Role::System, conv.system_prompt));
        }
        for m in self.messages(conversation_id)? {
            if m.status == MessageStatus::Failed && m.content.is_empty() {
                continue;
            }
            let reasoning = (!m.reasoning.is_empty()).then_some(m.reasoning);
            let tool_call_id = m.tool_result.map(|r| r.call_id);
            out.push(ChatMessage { reasoning, tool_calls: m.tool_calls, tool_call_id, ..ChatMessage::new(m.role, m.content) });
        }
        Ok(out)
    }

    // ---- settings ----

    pub fn model_settings(&self, model_path: &str) -> Result<Option<ModelSettings>, StoreError> {
        let s: Option<String> =
            self.conn.query_row("SELECT settings_json FROM model_settings WHERE path = ?1", [model_path], |r| r.get(0)).optional()?;
        Ok(s.map(|s| parse_json(&s)))
    }

    pub fn set_model_settings(&self, model_path: &str, settings: &ModelSettings) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO model_settings (path, settings_json) VALUES (?1, ?2)
             ON CONFLICT(path) DO UPDATE SET settings_json = excluded.settings_json",
            params![model_path, json(settings)],
        )?;
        Ok(())
    }

    // ---- benchmarks ----

    pub fn add_bench_result(&self, machine: &str, report: &BenchReport) -> Result<BenchRecord, StoreError> {
        let created_at = now_ms();
        self.conn.execute(
            "INSERT INTO bench_results (machine, model_path, created_at, report_json) VALUES (?1, ?2, ?3, ?4)",
            params![machine, report.model_path, created_at, json(report)],
        )?;
        Ok(BenchRecord { id: self.conn.last_insert_rowid(), machine: machine.to_string(), created_at, report: report.clone() })
    }

    /// Results, oldest first; only this machine's when `machine` is given.
    pub fn bench_results(&self, machine: Option<&str>) -> Result<Vec<BenchRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, machine, created_at, report_json FROM bench_results WHERE ?1 IS NULL OR machine = ?1 ORDER BY created_at, id")?;
        let rows = stmt.query_map([machine], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, machine, created_at, report) = row?;
            // A row a newer Hearth wrote in another shape is skipped, not fatal.
            if let Ok(report) = serde_json::from_str(&report) {
                out.push(BenchRecord { id, machine, created_at, report });
            }
        }
        Ok(out)
    }

    pub fn app_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM app_state WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_app_state(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO app_state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

/// Makes `path` readable by its owner only (Unix; elsewhere the platform's defaults stay).
fn private(path: &Path, mode: u32) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io = |source| StoreError::Io { path: path.display().to_string(), source };
        let current = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
        if current & !mode != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io)?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(all(test, unix))]
mod permission_tests {
    use std::os::unix::fs::PermissionsExt;

    use super::Store;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_home_and_the_database_are_the_users_alone() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("hearth");
        let _store = Store::open(&home.join("hearth.db")).unwrap();
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&home.join("hearth.db")), 0o600);

        // A home an older Hearth made world-readable is closed at the next start.
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(home.join("hearth.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let _store = Store::open(&home.join("hearth.db")).unwrap();
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&home.join("hearth.db")), 0o600);
    }
}

/// A unit of work that nests: an SQLite savepoint, so a method that is atomic by itself stays
/// atomic inside a larger unit (`Store::atomically`), which a plain transaction cannot (SQLite
/// refuses a BEGIN inside another). Dropped without `commit`, everything since it began is undone.
pub(crate) struct Atomic<'a> {
    conn: &'a Connection,
    done: bool,
}

impl<'a> Atomic<'a> {
    pub(crate) fn begin(conn: &'a Connection) -> Result<Atomic<'a>, StoreError> {
        conn.execute_batch("SAVEPOINT hearth_unit")?;
        Ok(Atomic { conn, done: false })
    }

    pub(crate) fn commit(mut self) -> Result<(), StoreError> {
        self.done = true;
        Ok(self.conn.execute_batch("RELEASE hearth_unit")?)
    }
}

impl std::ops::Deref for Atomic<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Atomic<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK TO hearth_unit; RELEASE hearth_unit");
        }
    }
}

impl Store {
    /// Runs `work` as one unit: all of it is stored, or none of it (an error, a panic or a crash
    /// midway undoes the rest). For multi-step edits: edit and delete, regenerate's delete and
    /// insert.
    pub fn atomically<T, E: From<StoreError>>(&self, work: impl FnOnce(&Store) -> Result<T, E>) -> Result<T, E> {
        let unit = Atomic::begin(&self.conn)?;
        let value = work(self)?;
        unit.commit()?;
        Ok(value)
    }
}

#[cfg(test)]
mod atomic_tests {
    use hearth_protocol::Role;

    use super::Store;
    use crate::{MessageStatus, StoreError};

    #[test]
    fn a_unit_that_fails_midway_leaves_nothing_of_itself() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("h.db")).unwrap();
        let c = s.create_conversation("c").unwrap();
        let q = s.add_message(c.id, Role::User, "question", MessageStatus::Complete, None).unwrap();
        s.add_message(c.id, Role::Assistant, "answer", MessageStatus::Complete, None).unwrap();
        // Edit and resend: the edit, the delete and the new answer's row, then a failure.
        let r: Result<(), StoreError> = s.atomically(|s| {
            s.edit_message(q.id, "edited")?;
            s.delete_messages_after(c.id, q.id)?;
            s.add_message(c.id, Role::Assistant, "", MessageStatus::Streaming, None)?;
            Err(StoreError::Corrupt("a failure midway".into()))
        });
        assert!(r.is_err());
        let messages = s.messages(c.id).unwrap();
        assert_eq!(messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(), ["question", "answer"]);
        // And a unit that succeeds keeps all of it.
        s.atomically(|s| -> Result<(), StoreError> {
            s.edit_message(q.id, "edited")?;
            s.delete_messages_after(c.id, q.id)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(s.messages(c.id).unwrap().iter().map(|m| m.content.as_str()).collect::<Vec<_>>(), ["edited"]);
    }
}
