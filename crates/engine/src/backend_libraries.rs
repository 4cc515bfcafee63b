//! ggml's backends as libraries loaded at run time (a build with `GGML_BACKEND_DL`, as the package
//! is): where Hearth looks for them, which load, and why the others did not. One `hearth` then runs
//! on whatever the machine has: the CPU backend always, Vulkan where a Vulkan driver is, CUDA or
//! ROCm where their library was installed beside it. A library that cannot load (no driver, a
//! missing symbol, a CPU it cannot run on) is reported with its reason and never stops the engine.
//!
//! In a build with the backends linked in (the default developer build), there is nothing to load
//! and the list is empty.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hearth_protocol::BackendLibrary;

use crate::llama_log;

/// Where the backend libraries are looked for, first match wins: `HEARTH_BACKENDS_DIR`; beside
/// the binary; the package's folder (`/usr/lib/Hearth/llama` for `/usr/bin/hearth`); the folder
/// llama.cpp's build installed them to (a build tree: `cargo run`, tests).
pub fn search_dirs() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("HEARTH_BACKENDS_DIR").filter(|d| !d.is_empty()) {
        return vec![PathBuf::from(dir)];
    }
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        // Resolved, so that reports name the real folder rather than `bin/../lib`.
        let installed = exe_dir.join("../lib/Hearth/llama");
        dirs.push(std::fs::canonicalize(&installed).unwrap_or(installed));
        dirs.push(exe_dir);
    }
    if let Some(built) = option_env!("HEARTH_BUILD_BACKENDS_DIR") {
        dirs.push(PathBuf::from(built));
    }
    dirs
}

/// A backend library's file name split into (backend, variant): `libggml-vulkan.so` is
/// (`vulkan`, None), `libggml-cpu-haswell.so` (`cpu`, `haswell`). The core libraries
/// (`libggml.so`, `libggml-base.so`) and anything else are None.
pub fn parse_file_name(name: &str) -> Option<(String, Option<String>)> {
    let stem = name.strip_prefix("libggml-").or_else(|| name.strip_prefix("ggml-"))?;
    let stem = stem.strip_suffix(".so").or_else(|| stem.strip_suffix(".dll")).or_else(|| stem.strip_suffix(".dylib"))?;
    if stem == "base" || stem.is_empty() {
        return None;
    }
    Some(match stem.split_once('-') {
        Some((backend, variant)) => (backend.to_string(), Some(variant.to_string())),
        None => (stem.to_string(), None),
    })
}

/// The backend libraries in `dir`, grouped by backend, in file-name order.
fn found_in(dir: &Path) -> BTreeMap<String, Vec<(PathBuf, Option<String>)>> {
    let mut groups: BTreeMap<String, Vec<(PathBuf, Option<String>)>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return groups };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let Some((backend, variant)) = path.file_name().and_then(|n| n.to_str()).and_then(parse_file_name) else { continue };
        groups.entry(backend).or_default().push((path, variant));
    }
    groups
}

/// CPU variants another run found to stop the engine with an illegal instruction (the app's
/// supervisor passes them when it restarts an engine that died of SIGILL).
#[cfg_attr(not(ggml_backend_dl), allow(dead_code))]
fn skipped_variants() -> Vec<String> {
    std::env::var("HEARTH_CPU_VARIANT_SKIP").unwrap_or_default().split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// What opening a library without registering it says: Err(why it cannot load), or Ok(its
/// score for this machine: 0 means it cannot run here; None when it does not score itself).
fn probe(path: &Path) -> Result<Option<i32>, String> {
    // SAFETY: a ggml backend library; its initialisers are ggml's own, run the same way ggml's
    // loader would run them. Symbols are bound now, as ggml binds them, so that a missing one is
    // an error here rather than a crash at its first call.
    #[cfg(unix)]
    let library: libloading::Library = unsafe { libloading::os::unix::Library::open(Some(path), libc::RTLD_NOW | libc::RTLD_LOCAL) }
        .map_err(|e| readable_load_error(&e.to_string()))?
        .into();
    #[cfg(not(unix))]
    let library = unsafe { libloading::Library::new(path) }.map_err(|e| readable_load_error(&e.to_string()))?;
    unsafe {
        if library.get::<unsafe extern "C" fn() -> *mut std::ffi::c_void>(b"ggml_backend_init\0").is_err() {
            return Err("it is not a ggml backend (it has no ggml_backend_init)".into());
        }
        Ok(library.get::<unsafe extern "C" fn() -> i32>(b"ggml_backend_score\0").ok().map(|score| score()))
    }
}

/// dlopen's message, with the missing piece said plainly.
fn readable_load_error(dl_error: &str) -> String {
    if let Some(missing) = dl_error.split(": cannot open shared object file").next().filter(|_| dl_error.contains("cannot open shared object file")) {
        let missing = missing.rsplit(": ").next().unwrap_or(missing);
        let hint = if missing.contains("vulkan") {
            " (no Vulkan loader: install libvulkan1 and the GPU's Vulkan driver, e.g. mesa-vulkan-drivers)"
        } else if missing.contains("cuda") || missing.contains("cublas") {
            " (no NVIDIA CUDA driver or runtime)"
        } else if missing.contains("hip") || missing.contains("roc") {
            " (no ROCm runtime)"
        } else {
            ""
        };
        return format!("a library it needs is missing: {missing}{hint}");
    }
    if dl_error.contains("undefined symbol") {
        return format!("it was built against a different llama.cpp ({dl_error})");
    }
    dl_error.to_string()
}

/// Registers one library with ggml. Err: why ggml refused it (from its log).
fn register(path: &Path) -> Result<(), String> {
    let c_path = std::ffi::CString::new(path.to_string_lossy().as_bytes()).map_err(|_| "its path has a NUL byte".to_string())?;
    let mark = llama_log::mark();
    let reg = unsafe { llama_cpp_sys_2::ggml_backend_load(c_path.as_ptr()) };
    if reg.is_null() {
        let problems = llama_log::problems_since(mark);
        return Err(if problems.is_empty() { "ggml could not start it".into() } else { problems.join("; ") });
    }
    Ok(())
}

/// Loads every backend library found in the first of `search_dirs` that has any (see `load_from`).
/// Only a build with backends as libraries calls it: loading one into a build that links its own
/// copy of ggml would mix two ggml registries.
#[cfg_attr(not(ggml_backend_dl), allow(dead_code))]
pub(crate) fn load_all() -> Vec<BackendLibrary> {
    load_from(&search_dirs(), &skipped_variants())
}

/// Loads every backend library in the first of `dirs` that has any, GPU backends first and the CPU
/// last (ggml's order), of the CPU variants only the best this processor can run that is not in
/// `skipped`. Returns what was found, loaded or not; nothing here stops the process.
pub fn load_from(dirs: &[PathBuf], skipped: &[String]) -> Vec<BackendLibrary> {
    let Some(groups) = dirs.iter().map(|d| found_in(d)).find(|g| !g.is_empty()) else { return Vec::new() };
    // ggml explains a refusal only in its log.
    llama_log::install();
    let mut report = Vec::new();
    let entry = |path: &Path, backend: &str, variant: &Option<String>, outcome: Result<(), String>| BackendLibrary {
        backend: backend.to_string(),
        variant: variant.clone(),
        path: path.display().to_string(),
        loaded: outcome.is_ok(),
        reason: outcome.err(),
    };
    for (backend, files) in groups.iter().filter(|(b, _)| b.as_str() != "cpu") {
        for (path, variant) in files {
            let outcome = probe(path).and_then(|score| match score {
                Some(0) => Err("this machine lacks what it needs (it scored itself 0)".into()),
                _ => register(path),
            });
            report.push(entry(path, backend, variant, outcome));
        }
    }
    if let Some(cpu) = groups.get("cpu") {
        let mut scored: Vec<(usize, Result<i32, String>)> = cpu
            .iter()
            .enumerate()
            .map(|(i, (path, variant))| {
                let result = if variant.as_ref().is_some_and(|v| skipped.contains(v)) {
                    Err("skipped: it stopped the engine with an illegal instruction before (this CPU cannot run it)".to_string())
                } else {
                    match probe(path) {
                        Ok(Some(0)) => Err("this CPU lacks instructions it needs".to_string()),
                        Ok(score) => Ok(score.unwrap_or(1)),
                        Err(e) => Err(e),
                    }
                };
                (i, result)
            })
            .collect();
        let best = scored.iter().filter_map(|(i, r)| r.as_ref().ok().map(|s| (*s, *i))).max().map(|(_, i)| i);
        let best_name = best.and_then(|i| cpu[i].1.clone()).unwrap_or_else(|| "cpu".into());
        for (i, result) in scored.drain(..) {
            let (path, variant) = &cpu[i];
            let outcome = match result {
                Ok(_) if Some(i) == best => register(path),
                Ok(_) => Err(format!("a better variant for this CPU was loaded ({best_name})")),
                Err(e) => Err(e),
            };
            report.push(entry(path, "cpu", variant, outcome));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_files_are_told_from_the_core_libraries() {
        assert_eq!(parse_file_name("libggml-vulkan.so"), Some(("vulkan".into(), None)));
        assert_eq!(parse_file_name("libggml-cpu-haswell.so"), Some(("cpu".into(), Some("haswell".into()))));
        assert_eq!(parse_file_name("ggml-cuda.dll"), Some(("cuda".into(), None)));
        assert_eq!(parse_file_name("libggml-base.so"), None);
        assert_eq!(parse_file_name("libggml.so"), None);
        assert_eq!(parse_file_name("libllama.so"), None);
        assert_eq!(parse_file_name("libggml-cpu.so.0"), None);
    }

    #[test]
    fn a_missing_driver_is_said_plainly() {
        let e = readable_load_error("libggml-vulkan.so: libvulkan.so.1: cannot open shared object file: No such file or directory");
        assert_eq!(e, "a library it needs is missing: libvulkan.so.1 (no Vulkan loader: install libvulkan1 and the GPU's Vulkan driver, e.g. mesa-vulkan-drivers)");
        assert!(readable_load_error("/x/libggml-cuda.so: undefined symbol: ggml_foo").starts_with("it was built against a different llama.cpp"));
    }
}
