#!/usr/bin/env bash
# The engine on Vulkan, the Strix Halo code path, tested here on Mesa's lavapipe (a software
# Vulkan device): a build of hearth-engine with the `vulkan` feature in its own target folder
# (llama.cpp and its Vulkan shaders, about 12 minutes on 2 cores the first time, cached outside
# the clone), then its Vulkan tests: the device's next-token predictions against the CPU's, a chat
# answer generated there, the device chosen by name.
#
# Debian 12's Vulkan headers (1.3.239) are too old for this llama.cpp's ggml-vulkan (it needs
# VK_EXT_layer_settings). Debian 13's libvulkan-dev and spirv-headers have new enough ones: their
# .debs are fetched with a private apt configuration (the system's sources are not touched) and
# unpacked into a cache folder that only this build reads (CPATH, CMAKE_PREFIX_PATH).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
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
  apt-get "${apt_opts[@]}" update -qq
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" download libvulkan-dev spirv-headers)
  rm -rf "$headers.new" && mkdir -p "$headers.new"
  for deb in "$apt_dir"/*.deb; do dpkg -x "$deb" "$headers.new"; done
  rm -rf "$headers" && mv "$headers.new" "$headers"
  rm -rf "$apt_dir"
fi
export CPATH="$headers/usr/include${CPATH:+:$CPATH}"
export CMAKE_PREFIX_PATH="$headers/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export CARGO_TARGET_DIR="$cache/target-vulkan"
# lavapipe is a CPU-type Vulkan device, which ggml skips unless it is named.
export GGML_VK_VISIBLE_DEVICES=0

vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName" || true
out="$(mktemp)"
cargo test -p hearth-engine --features vulkan --test vulkan_device -- --ignored --test-threads=1 --show-output 2>&1 | tee "$out"
# Both tests must have run (ggml prints to stderr, so a test's "ok" may land on a later line).
for test in the_vulkan_device_predicts_what_the_cpu_predicts a_chat_answer_is_generated_on_the_chosen_device_and_cpu_keeps_it_off_the_gpu \
  gpt_oss_runs_on_vulkan_with_its_experts_on_the_gpu_or_kept_on_the_cpu; do
  grep -q "^test $test \.\.\. " "$out" || { echo "$test did not run"; exit 1; }
done
grep -q "^test result: ok\. 3 passed" "$out" || { echo "the Vulkan tests did not all pass"; exit 1; }
