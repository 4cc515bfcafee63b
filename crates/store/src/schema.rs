//! The database schema and its migrations, applied in order by `PRAGMA user_version`.

pub const MIGRATIONS: &[&str] = &[
    // 1: conversations, messages, settings.
    "CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        system_prompt TEXT NOT NULL DEFAULT '',
        sampling_json TEXT NOT NULL DEFAULT '{}',
        template_json TEXT NOT NULL DEFAULT '{\"kind\":\"model\"}',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        status TEXT NOT NULL,
        stats_json TEXT,
        error_json TEXT,
        model TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE TABLE model_settings (
        path TEXT PRIMARY KEY,
        settings_json TEXT NOT NULL
    );
    CREATE TABLE app_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
    // 2: benchmark results, per machine, kept over time.
    "CREATE TABLE bench_results (
        id INTEGER PRIMARY KEY,
        machine TEXT NOT NULL,
        model_path TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        report_json TEXT NOT NULL
    );
    CREATE INDEX bench_results_by_machine ON bench_results(machine, created_at);",
    // 3: documents (by content hash, so a file added twice is extracted once), their pages, chunks
    // with a full-text index (FTS5, BM25), and which conversation uses which document.
    "CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        kind TEXT NOT NULL,
        pages INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        unreadable_pages_json TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL
    );
    CREATE TABLE document_pages (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (document_id, page)
    );
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page INTEGER NOT NULL,
        start INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX chunks_by_document ON chunks(document_id, page);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61');
    CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TABLE conversation_documents (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, document_id)
    );
    ALTER TABLE messages ADD COLUMN citations_json TEXT;
    CREATE TABLE chunk_embeddings (
        chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (chunk_id, model)
    );",
    // 4: an answer's reasoning kept apart from its text (the engine splits them).
    "ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';",
    // 5: documents written page by page as they are read; a row being read holds a placeholder
    // hash and the time of its last page (NULL once complete).
    "ALTER TABLE documents ADD COLUMN reading_since INTEGER;",
    // 6: a full-text index over messages for conversation search. unicode61 folds case for every
    // script (SQLite's LIKE folds ASCII only: "Привет" did not find "привет") and drops
    // diacritics; kept in step with `messages` by triggers, filled from what is there.
    "CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END;
    CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');",
    // 7: documents searched in Russian too. The index holds each chunk's search form
    // (`stemming.rs`: Russian words as Snowball stems, others for Porter), computed by the
    // registered `hearth_search_form`; contentless, since the text it stands for is in `chunks`.
    // Chunks indexed before are indexed again here.
    "DROP TRIGGER chunks_ai;
    DROP TRIGGER chunks_ad;
    DROP TABLE chunks_fts;
    CREATE VIRTUAL TABLE chunks_fts USING fts5(words, content='', contentless_delete=1, tokenize='porter unicode61');
    CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, words) VALUES (new.id, hearth_search_form(new.text));
    END;
    CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        DELETE FROM chunks_fts WHERE rowid = old.id;
    END;
    INSERT INTO chunks_fts(rowid, words) SELECT id, hearth_search_form(text) FROM chunks;",
    // 8: tools (issue 19). An answer's calls (`tool_calls_json`), a `tool` message's call and
    // how it went (`tool_json`: name, arguments, server, outcome), and which MCP servers' tools a
    // conversation offers (`tools_json`).
    "ALTER TABLE messages ADD COLUMN tool_calls_json TEXT;
    ALTER TABLE messages ADD COLUMN tool_json TEXT;
    ALTER TABLE conversations ADD COLUMN tools_json TEXT NOT NULL DEFAULT '{}';",
];
