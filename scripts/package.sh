#!/usr/bin/env bash
# Builds Hearth's Debian package and prints its path (the last line of stdout). In it:
#   /usr/bin/hearth-app            the app
#   /usr/bin/hearth                the CLI and the engine the app runs (a Tauri sidecar)
#   /usr/lib/Hearth/llama/         llama.cpp's shared libraries and ggml's backend libraries
#                                  (CPU, Vulkan; a CUDA or ROCm one built elsewhere is picked up
#                                  when copied in: docs/gpu-backends.md)
#   /usr/lib/Hearth/demo/          the demo model (SmolLM2-135M-Instruct Q4_1)
#   the desktop entry and icons Tauri writes.
# Install: sudo apt install ./Hearth_<version>_amd64.deb. Nothing in it needs the source tree,
# cargo or node. An AppImage is not built: Tauri's AppImage bundler downloads linuxdeploy and its
# plugins at build time, which a machine without internet cannot do.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
# shellcheck source=scripts/package-env.sh
. "$repo/scripts/package-env.sh"

# The same packages and targets as the Vulkan layer's test (scripts/vulkan-test.sh): Cargo resolves
# features per invocation, and a different resolution (a proc-macro crate with one feature more
# once) hashes llama-cpp-sys-2's build script anew and compiles llama.cpp a second time.
cargo build "${package_features[@]}" "${package_targets[@]}" --bin hearth >&2
stage="$CARGO_TARGET_DIR/package-stage"
rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/demo"
triple="$(rustc -vV | sed -n 's/^host: //p')"
stage_engine "$stage/bin/hearth-$triple" "$stage/llama"

scripts/fetch-models.sh >&2
cp .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf "$stage/demo/"

(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund >&2; } && npm run build >&2)
cat >"$stage/tauri.package.json" <<JSON
{
  "build": { "beforeBuildCommand": "" },
  "bundle": {
    "targets": ["deb"],
    "externalBin": ["$stage/bin/hearth"],
    "resources": { "$stage/llama/": "llama/", "$stage/demo/": "demo/" },
    "linux": { "deb": { "depends": ["libvulkan1"], "recommends": ["mesa-vulkan-drivers"] } }
  }
}
JSON
# Only the app: the workspace's default members would build llama.cpp again, statically.
ui/node_modules/.bin/tauri build --bundles deb --config "$stage/tauri.package.json" -- -p hearth-app >&2
deb="$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -n 1)"
echo "$deb"
