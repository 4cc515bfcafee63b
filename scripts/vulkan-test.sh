#!/usr/bin/env bash
# The engine on Vulkan, the Strix Halo code path, tested here on Mesa's lavapipe (a software
# Vulkan device), built as the package ships it (scripts/package-env.sh: release, llama.cpp as
# shared libraries, ggml's Vulkan backend a library loaded at run time; llama.cpp and its Vulkan
# shaders are compiled once, cached outside the clone, and the package layer's scripts/package.sh
# builds on the same llama.cpp), then its Vulkan tests: the device's next-token predictions
# against the CPU's, a chat answer generated there, the device chosen by name, gpt-oss with its
# experts on the GPU or kept on the CPU.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
# shellcheck source=scripts/package-env.sh
. "$repo/scripts/package-env.sh"
# (package-env.sh names lavapipe with GGML_VK_VISIBLE_DEVICES=0: ggml skips a CPU-type Vulkan
# device unless it is named.)

vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName" || true
out="$(mktemp)"
cargo test "${package_features[@]}" "${package_targets[@]}" -- --ignored --test-threads=1 --show-output 2>&1 | tee "$out"
# Both tests must have run (ggml prints to stderr, so a test's "ok" may land on a later line).
for test in the_vulkan_device_predicts_what_the_cpu_predicts a_chat_answer_is_generated_on_the_chosen_device_and_cpu_keeps_it_off_the_gpu \
  gpt_oss_runs_on_vulkan_with_its_experts_on_the_gpu_or_kept_on_the_cpu; do
  grep -q "^test $test \.\.\. " "$out" || { echo "$test did not run"; exit 1; }
done
grep -q "^test result: ok\. 3 passed" "$out" || { echo "the Vulkan tests did not all pass"; exit 1; }
