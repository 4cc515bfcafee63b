//! Tells the engine how llama.cpp was built: with `GGML_BACKEND_DL` (backends as libraries loaded
//! at run time: cfg `ggml_backend_dl`), and where that build put the backend libraries (the
//! default search folder for a build tree, `HEARTH_BUILD_BACKENDS_DIR`). llama-cpp-sys-2 passes
//! its install folder's cmake directory as `DEP_LLAMA_GGML_CMAKE_DIR`.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ggml_backend_dl)");
    println!("cargo::rerun-if-env-changed=DEP_LLAMA_GGML_CMAKE_DIR");
    let Ok(cmake_dir) = std::env::var("DEP_LLAMA_GGML_CMAKE_DIR") else { return };
    // <out>/lib/cmake → <out>
    let Some(out) = Path::new(&cmake_dir).parent().and_then(Path::parent) else { return };
    let cache = std::fs::read_to_string(out.join("build/CMakeCache.txt")).unwrap_or_default();
    if cache.lines().any(|l| l.starts_with("GGML_BACKEND_DL:") && l.ends_with("=ON")) {
        println!("cargo::rustc-cfg=ggml_backend_dl");
        // Modules go to CMAKE_INSTALL_BINDIR when GGML_BACKEND_DIR is not set.
        println!("cargo::rustc-env=HEARTH_BUILD_BACKENDS_DIR={}", out.join("bin").display());
    }
}
