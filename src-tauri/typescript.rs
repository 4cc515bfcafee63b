//! The TypeScript bindings of every type the UI receives, generated from the Rust types (ts-rs)
//! into `ui/src/lib/ipc/bindings.ts`. A test fails when the checked-in file is stale;
//! `UPDATE_BINDINGS=1 cargo test -p hearth-app bindings` rewrites it.

pub const BINDINGS_PATH: &str = "ui/src/lib/ipc/bindings.ts";

pub fn bindings() -> String {
    let mut decls = hearth_protocol::typescript_declarations();
    decls.extend(hearth_store::typescript_declarations());
    decls.extend(hearth_conversation::typescript_declarations());
    decls.extend(hearth_hardware::typescript_declarations());
    decls.extend(hearth_core::typescript_declarations());
    let mut out = String::from("// Generated from the Rust types by `src-tauri/typescript.rs`. Do not edit.\n\n");
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        let fresh = bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(checked_in == fresh, "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p hearth-app bindings` and commit it", BINDINGS_PATH);
    }
}
