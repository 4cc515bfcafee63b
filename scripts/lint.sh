#!/usr/bin/env bash
# Lints: rustfmt (rustfmt.toml) over the workspace, clippy (warnings are errors), and the Apple silicon reader, which only
# compiles for macOS, checked for aarch64-apple-darwin (no macOS SDK is needed to type-check it).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
if rustup target list --installed | grep -qx aarch64-apple-darwin || rustup target add aarch64-apple-darwin; then
  cargo clippy --target aarch64-apple-darwin -p hearth-hardware -- -D warnings
else
  echo "warning: the aarch64-apple-darwin target could not be installed: the macOS-only reader was not checked"
fi
