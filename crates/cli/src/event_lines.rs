//! The JSON-lines stream `hearth quantize --json` and `hearth bench --events` write for a parent
//! process (the app): one object per line, flushed at once so that progress arrives as it happens.

use std::io::Write;

pub fn emit(v: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}
