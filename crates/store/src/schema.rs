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
];
