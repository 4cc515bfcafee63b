#!/usr/bin/env bash
# Builds ggml's CPU backend once for each instruction-set level of this architecture (ggml's own
# GGML_CPU_ALL_VARIANTS list: on x86-64 from plain x86-64 and SSE4.2 up to AVX2 "haswell" and
# AVX-512 "zen4"/"sapphirerapids"), from the llama.cpp source given, as libraries the package ships
# beside its engine (issue 16). Each scores itself on the machine it runs on; the engine loads
# the best one that machine can run (crates/engine/src/backend_libraries.rs), and one that stopped
# the engine with an illegal instruction is skipped on the restart.
#   scripts/cpu-variants.sh LLAMA_CPP_SOURCE   prints the folder holding libggml-cpu-*.so
# Built once per source and version of this script, in ~/.cache/hearth/cpu-variants (about 4 min
# on 2 cores). The variants link ggml-base by its soname, so they run against the package's own
# ggml-base built by llama-cpp-sys-2 from the same source.
set -euo pipefail
src=${1:?usage: scripts/cpu-variants.sh LLAMA_CPP_SOURCE}
[ -f "$src/ggml/src/CMakeLists.txt" ] || { echo "no llama.cpp source at $src" >&2; exit 1; }
cache="${HEARTH_CACHE_HOME:-$HOME/.cache/hearth}"
key="$(printf '%s\n%s\n' "$src" "$(sha256sum "$0" | cut -d' ' -f1)" | sha256sum | cut -c1-16)"
build="$cache/cpu-variants/$key"
if [ ! -f "$build/built" ]; then
  rm -rf "$build"
  # Only ggml's targets are built below. Compiler warnings off, as llama-cpp-sys-2 builds it.
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DCMAKE_C_FLAGS=-w -DCMAKE_CXX_FLAGS=-w \
    -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF >&2
  mapfile -t variants < <(cmake --build "$build" --target help | grep -o 'ggml-cpu-[A-Za-z0-9_.]*' | sort -u)
  [ "${#variants[@]}" -gt 0 ] || { echo "ggml defines no CPU variants for this architecture" >&2; exit 1; }
  echo "CPU variants: ${variants[*]}" >&2
  cmake --build "$build" --target "${variants[@]}" -j"$(nproc)" >&2
  touch "$build/built"
fi
echo "$build/bin"
