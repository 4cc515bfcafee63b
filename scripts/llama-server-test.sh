#!/usr/bin/env bash
# Hearth's remote-engine client against llama.cpp's own llama-server, built from the llama.cpp
# source that llama-cpp-sys-2 vendors (bench/build-llama-bench.sh llama-server; cached, about
# 20 minutes on 2 cores the first time), on loopback with the demo model.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
HEARTH_LLAMA_SERVER="$(bench/build-llama-bench.sh llama-server)"
export HEARTH_LLAMA_SERVER
# --workspace: the same features as the rust layer, so nothing is built again.
exec cargo test --workspace --test remote_engine -- --ignored --test-threads=1
