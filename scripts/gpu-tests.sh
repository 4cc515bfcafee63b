#!/usr/bin/env bash
# The tests that need a GPU (`#[ignore = "needs ..."]`), for a machine that has one.
# Needs Rust and the NVIDIA driver (nvidia-smi, libnvidia-ml) on that machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
cargo test -p hearth-hardware --test nvidia_gpu -- --ignored --test-threads=1
