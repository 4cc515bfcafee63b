#!/usr/bin/env bash
# Prepares `.gpu/` for scripts/gpu-check.sh on a GPU machine that has no Rust and no internet
# (the lent NVIDIA device): Hearth's binaries built against llama.cpp as shared libraries
# (feature `dynamic-link`), the test binaries that need a GPU, llama.cpp's tree of the very version
# llama-cpp-sys-2 vendors with llama-bench grafted in (bench/build-llama-bench.sh's), the demo
# model's tokenizer and the `gguf` Python package to make a timing model there. Under 64 MiB.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${HEARTH_GPU_TARGET:-$HOME/.cache/hearth/target-gpu}"
stage=.gpu
rm -rf "$stage" && mkdir -p "$stage"

cargo build --release -p hearth-cli --features dynamic-link
cp "$CARGO_TARGET_DIR/release/hearth" "$stage/hearth"
test_binary() { # package test features -> path of the compiled test binary
  cargo test --release -p "$1" --test "$2" ${3:+--features "$3"} --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        print(m["executable"])' | tail -n 1
}
cp "$(test_binary hearth-engine cuda_device dynamic-link)" "$stage/cuda_device"
cp "$(test_binary hearth-hardware nvidia_gpu)" "$stage/nvidia_gpu"
strip "$stage/cuda_device" "$stage/nvidia_gpu"

tree_dir="$(dirname "$(bench/build-llama-bench.sh)")/../src"
tar cJf "$stage/llama-src.tar.xz" -C "$tree_dir/.." --anchored --exclude=src/.git src

venv="$HOME/.cache/hearth/gguf-venv"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q gguf numpy; }
"$venv/bin/pip" download -q --no-deps gguf -d "$stage/wheels"
scripts/fetch-models.sh >/dev/null
"$venv/bin/python" bench/gpu/extract_tokenizer.py .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf "$stage/smollm2-tokenizer.json.gz"
du -sh "$stage"/* && du -sh "$stage"
