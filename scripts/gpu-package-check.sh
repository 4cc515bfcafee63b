#!/usr/bin/env bash
# The package on an NVIDIA machine (the lent device: no Rust, no internet, 64 MiB a call), from what
# scripts/gpu-package-stage.sh prepared. Two calls, one right after the other (the machine keeps
# $HEARTH_GPU_WORK while it stays warm):
#   gpu-package-check.sh first  (carry .gpu-package-first): keeps the llama.cpp tree, the small files
#                               and the demo model's first part, and starts building the CUDA backend
#                               module, llama-bench and llama-server in the background;
#   gpu-package-check.sh        (carry .gpu-package): the checks (building first if the build is gone).
# The checks: the package's files installed into a throwaway root as the .deb lays them out; a CUDA
# backend module built there from the same llama.cpp tree (GGML_BACKEND_DL, as the package's CPU and
# Vulkan modules) and copied in beside them, as docs/gpu-backends.md tells a user; then, from the
# installed files only:
#   1. `hearth devices --json`: the CUDA module loaded, the H200 listed, the default device CUDA0;
#   2. `hearth devices --check` of the demo model on CUDA0 against the CPU, and a chat on the default device;
#      2b. the engine's CPU use while every layer is on the GPU (its thread pool's workers sleep);
#   3. parity with llama-bench of the same build, every layer on the GPU (bench/parity.py), on a
#      model with random weights in Llama 3.2 1B's shape (as scripts/gpu-check.sh);
#   4. answers side by side: `hearth serve --parallel N` against llama-server `-np N` (bench/parallel.py);
#   5. speculative decoding: `hearth bench --draft ngram` and document answers (bench/speculative.py).
# Writes its log and figures under $OUT. Each step has its own time limit.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
work="${HEARTH_GPU_WORK:-/tmp/hearth-gpu-package}"
out="${OUT:-$repo/gpu-out}"
arch="${CUDA_ARCH:-90}"
mkdir -p "$work" "$out"

build() { # the CUDA backend module, llama-bench and llama-server; exit status in $work/build.rc
  rm -f "$work/build.rc"
  cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
    -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$arch" \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_APP=OFF \
    > "$work/cmake-configure.log" 2>&1 &&
    timeout 420 cmake --build "$work/build" --target ggml-cuda ggml-cpu llama-bench llama-server -j "$(nproc)" > "$work/cmake-build.log" 2>&1
  echo $? > "$work/build.rc"
}

if [ "${1:-}" = first ]; then
  cp -r .gpu-package-first/. "$work/"
  rm -rf "$work/src" "$work/build" && tar xJf "$work/llama-src.tar.xz" -C "$work"
  date +%s > "$work/build.started"
  export -f build && export work arch
  setsid nohup bash -c build > /dev/null 2>&1 < /dev/null &
  echo $! > "$work/build.pid"
  ls -la "$work"
  exit
fi
stage="$repo/.gpu-package"
exec > >(tee -a "$out/gpu-package-check.log") 2>&1
# shellcheck source=scripts/gpu-steps.sh
. "$repo/scripts/gpu-steps.sh"
machine

step "the CUDA build"
if [ -f "$work/build.rc" ] || kill -0 "$(cat "$work/build.pid" 2>/dev/null)" 2>/dev/null; then
  echo "started by the first call $(( $(date +%s) - $(cat "$work/build.started") )) s ago"
  build_pid=""
else
  echo "not running: building now"
  [ -d "$work/src" ] || { echo "not ok - the first call's files are gone (the machine was handed back between the calls)"; exit 1; }
  build & build_pid=$!
fi

step "install: the package's files into a throwaway root"
root="$work/root"
rm -rf "$root" && mkdir -p "$root" && tar xJf "$stage/root.tar.xz" -C "$root"
hearth="$root/usr/bin/hearth"
home="$work/home" && rm -rf "$home" && mkdir -p "$home"
run() { env -i HOME="$home" HEARTH_HOME="$home/hearth" PATH=/usr/bin:/bin "$@"; }
demo="$work/SmolLM2-135M-Instruct.Q4_1.gguf"
cat "$work/demo.part1" "$stage/demo.part2" > "$demo"
check "demo model reassembled" test "$(sha256sum "$demo" | cut -d' ' -f1)" = "$(cat "$stage/demo.sha256")"
echo "-- before the CUDA module is installed"
(cd / && run "$hearth" devices)

step "a model to time: random weights, Llama 3.2 1B's shape, SmolLM2's tokenizer"
rm -rf "$work/py" && mkdir -p "$work/py" && (cd "$work/py" && python3 -m zipfile -e "$work"/wheels/gguf-*.whl .)
check "random model" timeout 120 env PYTHONPATH="$work/py" python3 bench/gpu/random_model.py "$work/smollm2-tokenizer.json.gz" "$work/random-1b-f16.gguf"
model="$work/random-1b-Q4_K_M.gguf"
check "hearth quantize Q4_K_M" timeout 120 "$hearth" quantize "$work/random-1b-f16.gguf" --type Q4_K_M --output "$model"

step "waiting for the build"
if [ -n "$build_pid" ]; then wait "$build_pid"; else while [ ! -f "$work/build.rc" ]; do sleep 2; done; fi
cp "$work"/cmake-*.log "$out/" 2>/dev/null
tail -n 3 "$out/cmake-build.log"
if [ "$(cat "$work/build.rc" 2>/dev/null)" != 0 ]; then
  echo "not ok - llama.cpp CUDA build"; tail -n 40 "$out"/cmake-configure.log "$out"/cmake-build.log; exit 1
fi
echo "ok - llama.cpp CUDA build"
cp "$work/build/bin/libggml-cuda.so" "$root/usr/lib/Hearth/llama/"
ls -la "$root/usr/lib/Hearth/llama/"

step "1. devices, from the installed files"
check "devices --json" sh -c "cd / && env -i HOME='$home' PATH=/usr/bin:/bin '$hearth' devices --json > '$out/devices.json'"
cat "$out/devices.json"; echo
check "CUDA module loaded, CUDA0 the default" python3 - "$out/devices.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
libs = {l["backend"]: l for l in d["backend_libraries"]}
assert libs["cuda"]["loaded"], libs["cuda"]
assert any(x["name"] == "CUDA0" for x in d["devices"]), d["devices"]
assert "CUDA0" in d["default"], d["default"]
print("default:", d["default"])
PY
(cd / && run "$hearth" devices)

step "2. devices --check: the demo model on CUDA0 against the CPU"
check "devices --check CUDA0" timeout 120 sh -c "cd / && env -i HOME='$home' PATH=/usr/bin:/bin '$hearth' devices --check '$demo' --device CUDA0"
check "chat on the default device" timeout 60 sh -c "cd / && env -i HOME='$home' HEARTH_HOME='$home/hearth' PATH=/usr/bin:/bin '$hearth' chat '$demo' --prompt 'What is the capital of France?' --max-tokens 24 --temp 0 --json > '$out/chat.json'"
cat "$out/chat.json"; echo

step "2b. the CPU while the GPU generates (the kept thread pool's workers sleep where every layer is on the GPU)"
check "engine CPU per wall second during a GPU answer" timeout 120 python3 - "$hearth" "$model" "$home" <<'PY'
import os, resource, subprocess, sys, time
hearth, model, home = sys.argv[1:]
env = {"HOME": home, "HEARTH_HOME": home + "/hearth", "PATH": "/usr/bin:/bin"}
started = time.monotonic()
subprocess.run([hearth, "chat", model, "--prompt", "Tell me a long story.", "--max-tokens", "512", "--temp", "0", "--threads", "8"],
               env=env, cwd="/", check=True, stdout=subprocess.DEVNULL)
wall = time.monotonic() - started
used = resource.getrusage(resource.RUSAGE_CHILDREN)
cores = (used.ru_utime + used.ru_stime) / wall
print(f"wall {wall:.1f} s, CPU {used.ru_utime + used.ru_stime:.1f} s: {cores:.2f} cores busy with 8 threads")
assert cores < 4, "the CPU workers poll while the GPU computes"
PY

step "3. parity with llama-bench, all layers on the GPU"
check "parity" timeout 150 python3 bench/parity.py --hearth "$hearth" --llama-bench "$work/build/bin/llama-bench" \
  --models "$model" --gpu-layers 99 --threads 8 --reps "${PARITY_REPS:-3}"

step "4. answers side by side: hearth serve --parallel N against llama-server -np N"
check "parallel" timeout 150 python3 bench/parallel.py --hearth "$hearth" --llama-server "$work/build/bin/llama-server" \
  --model "$demo" --gpu-layers 99 --threads 8 --clients 1,2,4,8 --rounds 2 --max-tokens 64 --reps 2

step "5. speculative decoding"
check "bench --draft ngram" timeout 60 sh -c "cd / && env -i HOME='$home' PATH=/usr/bin:/bin '$hearth' bench '$demo' --draft ngram --json > '$out/bench-draft.json'"
cat "$out/bench-draft.json"; echo
check "speculative" timeout 150 env HEARTH_HOME="$home/hearth" python3 bench/speculative.py --hearth "$hearth" --model "$demo" \
  --pdf "$work/manuals-50.pdf" --reps 2

step "done: $failures failure(s)"
exit "$failures"
