#!/usr/bin/env bash
# The GPU checks, on an NVIDIA machine with no Rust and no internet (the lent device), from what
# scripts/gpu-stage.sh put in `.gpu/`. Builds the same llama.cpp tree as shared libraries with CUDA
# and llama-bench beside them, so that Hearth's binaries (linked to llama.cpp dynamically) and
# llama-bench run the very same libraries. Then:
#   1. the NVML reader against nvidia-smi (hearth-hardware's nvidia_gpu test) and `hearth hardware --json`;
#   2. the engine's CUDA tests (all layers on the GPU; GPU and CPU agree on next tokens);
#   3. parity: `hearth bench` against llama-bench with every layer on the GPU (bench/parity.py),
#      on a model with random weights of Llama 3.2 1B's shape, made here and quantized by `hearth quantize`.
# Writes everything under $OUT (default ./gpu-out). Each step has its own time limit.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
stage="$repo/.gpu"
out="${OUT:-$repo/gpu-out}"
work="${HEARTH_GPU_WORK:-/tmp/hearth-gpu}"
arch="${CUDA_ARCH:-90}"
mkdir -p "$out" "$work"
exec > >(tee -a "$out/gpu-check.log") 2>&1
# shellcheck source=scripts/gpu-steps.sh
. "$repo/scripts/gpu-steps.sh"
machine

step "llama.cpp with CUDA (shared libraries, sm_$arch), in the background"
# A warm machine keeps an earlier build: cmake rebuilds only what changed.
rm -rf "$work/src"
tar xJf "$stage/llama-src.tar.xz" -C "$work"
( cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
    -DBUILD_SHARED_LIBS=ON -DGGML_CUDA=ON -DGGML_CUDA_FA="${CUDA_FA:-ON}" -DCMAKE_CUDA_ARCHITECTURES="$arch" -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_APP=OFF > "$out/cmake-configure.log" 2>&1 &&
  timeout 420 cmake --build "$work/build" --target llama llama-bench -j "$(nproc)" > "$out/cmake-build.log" 2>&1
  echo $? > "$work/build.rc" ) &
build_pid=$!

step "1. hardware: NVML against nvidia-smi"
check "nvml_readings_agree_with_nvidia_smi" timeout 60 "$stage/nvidia_gpu" --ignored --test-threads=1

step "a model to time: random weights, Llama 3.2 1B's shape, SmolLM2's tokenizer"
rm -rf "$work/py" && mkdir -p "$work/py" && (cd "$work/py" && python3 -m zipfile -e "$stage"/wheels/gguf-*.whl .)
check "random model" timeout 240 env PYTHONPATH="$work/py" python3 bench/gpu/random_model.py "$stage/smollm2-tokenizer.json.gz" "$work/random-1b-f16.gguf"

step "waiting for the build"
wait "$build_pid"
tail -n 3 "$out/cmake-build.log"
if [ "$(cat "$work/build.rc" 2>/dev/null)" != 0 ]; then
  echo "not ok - llama.cpp CUDA build"; tail -n 40 "$out/cmake-build.log"; exit 1
fi
echo "ok - llama.cpp CUDA build"
libdirs=$(find "$work/build" -name "*.so*" -printf "%h\n" | sort -u | paste -sd:)
export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
ldd "$stage/hearth" | grep -E 'llama|ggml'
check "hearth hardware --json" sh -c "timeout 30 '$stage/hearth' hardware --json > '$out/hardware.json'"
head -c 3000 "$out/hardware.json"; echo

model="$work/random-1b-Q4_K_M.gguf"
check "hearth quantize Q4_K_M" timeout 120 "$stage/hearth" quantize "$work/random-1b-f16.gguf" --type Q4_K_M --output "$model"
"$stage/hearth" inspect "$model" | head -n 12

step "2. engine on CUDA"
check "cuda_device tests" timeout 120 env HEARTH_TEST_MODEL="$model" "$stage/cuda_device" --ignored --test-threads=1 --nocapture

step "3. parity with llama-bench, all layers on the GPU"
check "parity" timeout "${PARITY_TIMEOUT:-200}" python3 bench/parity.py --hearth "$stage/hearth" --llama-bench "$work/build/bin/llama-bench" \
  --models "$model" --gpu-layers 99 --threads 8 --reps "${PARITY_REPS:-3}"

step "done: $failures failure(s)"
exit "$failures"
