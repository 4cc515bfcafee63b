#!/usr/bin/env bash
# Type-checks Hearth for Windows and macOS from this Linux machine (issue 16, item 4), with clippy
# (warnings are errors), in its own target folder:
#   x86_64-pc-windows-gnu (Debian's mingw-w64 compiles the C inside: SQLite, ring, oniguruma):
#     every crate but hearth-engine and hearth-cli, the app included. Those two link llama.cpp,
#     whose CMake build is not cross-compiled here.
#   aarch64-apple-darwin: the crates without C inside (protocol, gguf, hardware with its Metal
#     reader, advisor). The others compile C (SQLite, ring, oniguruma), which needs Apple's SDK.
# Run by the lint layer (scripts/lint.sh): about 4 minutes on a cold run on 2 cores (Tauri's Windows crates).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${HEARTH_CROSS_TARGET:-$HOME/.cache/hearth/target-cross}"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
command -v x86_64-w64-mingw32-gcc >/dev/null ||
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64
for target in x86_64-pc-windows-gnu aarch64-apple-darwin; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
done
without_llama=()
for crate in crates/*/; do
  name="$(sed -n 's/^name = "\(.*\)"/\1/p' "$crate/Cargo.toml" | head -n 1)"
  case "$name" in hearth-engine | hearth-cli) ;; *) without_llama+=(-p "$name") ;; esac
done
echo "== x86_64-pc-windows-gnu: ${without_llama[*]} -p hearth-app"
cargo clippy --target x86_64-pc-windows-gnu "${without_llama[@]}" -p hearth-app -- -D warnings
echo "== aarch64-apple-darwin: the crates without C inside"
cargo clippy --target aarch64-apple-darwin -p hearth-protocol -p hearth-gguf -p hearth-hardware -p hearth-advisor -- -D warnings
echo "cross checks passed"
