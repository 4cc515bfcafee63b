#!/usr/bin/env bash
# Type-checks Hearth for Windows and macOS from this Linux machine (issue 16, item 4), with clippy
# (warnings are errors), in its own target folder:
#   x86_64-pc-windows-gnu (Debian's mingw-w64 compiles the C inside: SQLite, ring, oniguruma):
#     every crate, the app included. llama.cpp's CMake build is not cross-compiled: llama-cpp-sys-2
#     declares `links = "llama"`, so Cargo's build-script override for that target replaces its
#     build script, and its bindings are the ones bindgen made from the same llama.h for Linux
#     (the native clippy run before this one built them). Their structs hold no C `long`, the one
#     type whose size differs on Windows x64, so the same layout holds there.
#   aarch64-apple-darwin: the crates without C inside (protocol, gguf, hardware with its Metal
#     reader, advisor) and the engine's Rust (llama.cpp overridden as above). The others compile
#     C (SQLite, ring, oniguruma), which needs Apple's SDK.
# Run by the lint layer (scripts/lint.sh): about 4 minutes on a cold run on 2 cores (Tauri's Windows crates).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
native_target="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
export CARGO_TARGET_DIR="${HEARTH_CROSS_TARGET:-$HOME/.cache/hearth/target-cross}"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
command -v x86_64-w64-mingw32-gcc >/dev/null ||
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64
for target in x86_64-pc-windows-gnu aarch64-apple-darwin; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
done
# llama-cpp-sys-2's bindings from a native build of the same version (the lint layer's clippy).
sys_version="$(sed -n '/^name = "llama-cpp-sys-2"/{n;s/^version = "\(.*\)"/\1/p}' Cargo.lock)"
bindings=""
for out in $(ls -td "$native_target"/*/build/llama-cpp-sys-2-*/out 2>/dev/null); do
  [ -f "$out/bindings.rs" ] && grep -q "llama-cpp-sys-2-$sys_version/" "$out/../output" 2>/dev/null && { bindings="$out"; break; }
done
[ -n "$bindings" ] || { echo "no native build of llama-cpp-sys-2 $sys_version with bindings.rs (run cargo clippy --workspace first)" >&2; exit 1; }
llama_override() { echo "target.$1.llama.rustc-env.OUT_DIR=\"$bindings\""; }
echo "== x86_64-pc-windows-gnu: the workspace and the app (llama-cpp-sys-2's bindings from $bindings)"
cargo clippy --target x86_64-pc-windows-gnu --config "$(llama_override x86_64-pc-windows-gnu)" --workspace -- -D warnings
echo "== aarch64-apple-darwin: the crates without C inside, the engine's Rust included"
cargo clippy --target aarch64-apple-darwin --config "$(llama_override aarch64-apple-darwin)" \
  -p hearth-protocol -p hearth-gguf -p hearth-hardware -p hearth-advisor -p hearth-engine -- -D warnings
echo "cross checks passed"
