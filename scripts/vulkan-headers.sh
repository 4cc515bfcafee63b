#!/usr/bin/env bash
# Prints a folder with Vulkan headers new enough for this llama.cpp's ggml-vulkan, for builds with
# Vulkan (scripts/vulkan-test.sh, scripts/package.sh): CPATH=<folder>/usr/include,
# CMAKE_PREFIX_PATH=<folder>/usr.
#
# Debian 12's Vulkan headers (1.3.239) are too old (ggml-vulkan needs VK_EXT_layer_settings).
# Debian 13's libvulkan-dev and spirv-headers have new enough ones: their .debs are fetched with a
# private apt configuration (the system's sources are not touched) and unpacked into a cache
# folder that only these builds read.
set -euo pipefail
cache="${HEARTH_CACHE_HOME:-$HOME/.cache/hearth}"
headers="$cache/vulkan-headers"

if [ ! -f "$headers/usr/include/vulkan/vulkan.hpp" ] || [ ! -d "$headers/usr/share/cmake/SPIRV-Headers" ]; then
  apt_dir="$(mktemp -d)"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  # The Debian mirror this machine's apt already uses, for the next release's suite.
  mirror=$(apt-cache policy | awk '$2 ~ /^https?:/ && $3 ~ /^[a-z]+\/main$/ {print $2; exit}')
  [ -n "$mirror" ] || { echo "no Debian mirror in apt's sources (apt-cache policy)" >&2; exit 1; }
  echo "deb $mirror trixie main" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -qq >&2
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download libvulkan-dev spirv-headers >&2)
  rm -rf "$headers.new" && mkdir -p "$headers.new"
  for deb in "$apt_dir"/*.deb; do dpkg -x "$deb" "$headers.new"; done
  rm -rf "$headers" && mv "$headers.new" "$headers"
  rm -rf "$apt_dir"
fi
echo "$headers"
