#!/usr/bin/env bash
# Lints: rustfmt (rustfmt.toml) over the workspace, clippy (warnings are errors), and clippy for Windows and macOS
# (scripts/cross-check.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# Windows and macOS type-checked from here (issue 16, item 4): scripts/cross-check.sh says what is and
# is not covered (its own target folder; about 4 minutes cold).
scripts/cross-check.sh
