#!/usr/bin/env bash
# Builds the optional hearth-cuda package and prints its path (the last line of stdout): ggml's CUDA
# backend built by scripts/cuda-module.sh from the llama.cpp source the hearth package is built from,
# and the CUDA runtime libraries it needs (cudart, cuBLAS, cuBLASLt: about 600 MB, which is why they
# are not in the hearth package itself), installed beside the package's other backends in
# /usr/lib/Hearth/llama, where the engine loads them at run time (crates/engine/src/backend_libraries.rs).
# It needs NVIDIA's driver, 580 or newer for CUDA 13; without it `hearth devices` says why CUDA did
# not load and the engine goes on without it.
# Install: sudo apt install ./Hearth_<version>_amd64.deb ./hearth-cuda_<version>_amd64.deb
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
version="$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')"
src="$(bench/build-llama-bench.sh source)"
module="$(scripts/cuda-module.sh "$src")"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
lib="$root/usr/lib/Hearth/llama"
doc="$root/usr/share/doc/hearth-cuda"
mkdir -p "$lib" "$doc" "$root/DEBIAN"
cp "$module"/*.so* "$lib/"
strip --strip-unneeded "$lib/libggml-cuda.so"
cp "$module/CUDA-LICENSE.txt" "$doc/"
cat >"$root/DEBIAN/control" <<CONTROL
Package: hearth-cuda
Version: $version
Architecture: amd64
Maintainer: hearth
Priority: optional
Section: misc
Depends: hearth (= $version)
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Description: NVIDIA CUDA backend for Hearth
 ggml's CUDA backend for Hearth's engine (RTX 30, 40 and 50 cards, DGX Spark's GB10),
 with the CUDA 13 runtime and cuBLAS libraries it needs. It loads when NVIDIA's driver
 (580 or newer) is installed.
CONTROL
out="${HEARTH_PACKAGE_TARGET:-$HOME/.cache/hearth/target-package}/release/bundle/deb"
mkdir -p "$out"
deb="$out/hearth-cuda_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
