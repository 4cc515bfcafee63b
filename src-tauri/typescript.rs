//! The TypeScript bindings, generated into `ui/src/lib/ipc/bindings.ts`: every type the UI
//! receives (ts-rs), and the `Commands` interface, each command's arguments and result read from
//! its Rust signature (`#[signature]`, crate `hearth-command-macro`). `backend.ts` calls commands
//! only through it and the UI's test backend is checked against it. A test fails when the
//! checked-in file is stale; `UPDATE_BINDINGS=1 cargo test -p hearth-app bindings` rewrites it.

/// One command as TypeScript sees it.
pub struct CommandSignature {
    pub name: &'static str,
    /// `(camelCase name, TypeScript type)`, as the UI passes them.
    pub args: Vec<(&'static str, String)>,
    pub result: String,
}

/// The TypeScript name of a type the UI receives or sends. Ids and counts cross as JSON numbers
/// (the ts-rs declarations say `number` for them too), never as `bigint`.
pub fn ts_name<T: ts_rs::TS + ?Sized>() -> String {
    T::name().replace("bigint", "number")
}

fn commands_interface() -> String {
    let mut out = String::from("export interface Commands {\n");
    for c in crate::command_signatures() {
        let args: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let args = if args.is_empty() { "{}".to_string() } else { format!("{{ {} }}", args.join("; ")) };
        out.push_str(&format!("  {}: {{ args: {args}; result: {} }};\n", c.name, c.result));
    }
    out.push_str("}\n");
    out
}

pub const BINDINGS_PATH: &str = "ui/src/lib/ipc/bindings.ts";

pub fn bindings() -> String {
    let mut decls = hearth_protocol::typescript_declarations();
    decls.extend(hearth_store::typescript_declarations());
    decls.extend(hearth_conversation::typescript_declarations());
    decls.extend(hearth_hardware::typescript_declarations());
    decls.extend(hearth_core::typescript_declarations());
    let mut out = String::from("// Generated from the Rust types by `src-tauri/typescript.rs`. Do not edit.\n\n");
    out.push_str("import type { Channel } from \"@tauri-apps/api/core\";\n\n");
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.push_str(&commands_interface());
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
