# Sourced by the scripts that build Hearth the way the package ships it (scripts/package.sh; the
# engine's tests can be built the same way with these variables): release, llama.cpp as shared libraries
# with ggml's backends as libraries loaded at run time (GGML_BACKEND_DL: the CPU backend, and the
# Vulkan backend built against Vulkan headers new enough for it, scripts/vulkan-headers.sh).
# llama-cpp-sys-2's build script hands every GGML_* variable to llama.cpp's CMake.
cache="${HEARTH_CACHE_HOME:-$HOME/.cache/hearth}"
headers="$("$repo/scripts/vulkan-headers.sh")"
export CPATH="$headers/usr/include${CPATH:+:$CPATH}"
export CMAKE_PREFIX_PATH="$headers/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export CARGO_TARGET_DIR="${HEARTH_PACKAGE_TARGET:-$cache/target-package}"
export GGML_BACKEND_DL=ON GGML_VULKAN=ON
# The features every build in this folder uses (the same set, or llama.cpp is built again).
package_features=(--release --features dynamic-link)
# The packages and targets of every cargo command in this folder, for one feature resolution: the
# engine's package and the CLI's, and the engine's Vulkan test (which brings in dev-dependencies).
package_targets=(-p hearth-cli -p hearth-engine --test vulkan_device)
# llama-cpp-sys-2 runs its build script again whenever any GGML_* variable differs from the last
# build's, so every build in this folder sees the same ones: the Vulkan tests' lavapipe switch
# (a CPU-type Vulkan device, which ggml skips unless it is named) included.
export GGML_VK_VISIBLE_DEVICES=0
# When it does run again, it fails on "File exists": it hard-links its shared libraries'
# unversioned symlinks into the profile folder (dangling there) and takes them for missing.
find "$CARGO_TARGET_DIR"/release "$CARGO_TARGET_DIR"/release/examples "$CARGO_TARGET_DIR"/release/deps \
  -maxdepth 1 -xtype l -delete 2>/dev/null || true

# stage_engine BINARY LIBDIR: copies the `hearth` this folder built to BINARY, and llama.cpp's shared
# libraries (by the names the binaries ask for: their sonames) with every backend module to LIBDIR,
# stripped. The package's layout puts them in /usr/bin and /usr/lib/Hearth/llama.
stage_engine() {
  local binary=$1 libdir=$2 out lib variants
  # llama-cpp-sys-2's install folder: lib/ has llama.cpp's shared libraries, bin/ the backend modules.
  out="$(ls -td "$CARGO_TARGET_DIR"/release/build/llama-cpp-sys-2-*/out 2>/dev/null | while read -r d; do
    [ -e "$d/bin/libggml-cpu.so" ] && { echo "$d"; break; }
  done)"
  [ -n "$out" ] || { echo "no llama.cpp build with backend libraries under $CARGO_TARGET_DIR" >&2; return 1; }
  mkdir -p "$(dirname "$binary")" "$libdir"
  cp "$CARGO_TARGET_DIR/release/hearth" "$binary"
  for lib in $(readelf -d "$CARGO_TARGET_DIR/release/hearth" "$out"/bin/libggml-*.so | sed -n 's/.*(NEEDED).*\[\(lib\(llama\|ggml\)[^]]*\)\]/\1/p' | sort -u); do
    cp -L "$out/lib/$lib" "$libdir/$lib"
  done
  cp "$out"/bin/libggml-*.so "$libdir/"
  # The CPU backend once per instruction-set level instead of the one llama-cpp-sys-2 built for
  # AVX2, so that the package runs on a CPU without AVX2 and uses AVX-512 where there is some.
  variants="$("$repo/scripts/cpu-variants.sh" "$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$out/build/CMakeCache.txt")")"
  rm -f "$libdir/libggml-cpu.so"
  cp "$variants"/libggml-cpu-*.so "$libdir/"
  strip --strip-unneeded "$libdir"/*.so*
}
