#!/usr/bin/env bash
# The tests that need a GPU (`#[ignore = "needs ..."]`), for a machine that has one.
# Needs Rust and the NVIDIA driver (nvidia-smi, libnvidia-ml) on that machine. For a GPU machine
# without Rust (the lent device), scripts/gpu-stage.sh here and scripts/gpu-check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
cargo test -p hearth-hardware --test nvidia_gpu -- --ignored --test-threads=1
# The engine on CUDA: every layer on the GPU, and the GPU agreeing with the CPU.
cargo test -p hearth-engine --features cuda --test cuda_device -- --ignored --test-threads=1
