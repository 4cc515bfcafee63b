#!/usr/bin/env bash
# Builds ggml's CUDA backend as a library the package's engine loads at run time (issue 16), on a
# machine without a GPU or a CUDA installation: NVIDIA's CUDA 13 compiler, runtime, cuBLAS and CCCL
# come from their pip wheels (pip by package name, into ~/.cache/hearth/cuda-toolkit), which lay out
# a toolkit under nvidia/cu13. The wheels ship no libcuda.so (the driver's library), so an empty
# stub with its soname stands in at link time; the driver's own is loaded on the user's machine.
#   scripts/cuda-module.sh LLAMA_CPP_SOURCE   prints the folder holding libggml-cuda.so and the
#                                             CUDA runtime libraries it needs (cudart, cuBLAS)
# Architectures (HEARTH_CUDA_ARCHS): 86 (RTX 30; its code also runs on RTX 40), 120a (RTX 50) and
# 121a (DGX Spark's GB10), as machine code. Built once per source and architectures, in
# ~/.cache/hearth/cuda-module (33 minutes on 2 cores); not part of the test command.
set -euo pipefail
src=${1:?usage: scripts/cuda-module.sh LLAMA_CPP_SOURCE}
[ -f "$src/ggml/src/ggml-cuda/CMakeLists.txt" ] || { echo "no llama.cpp source with ggml-cuda at $src" >&2; exit 1; }
cache="${HEARTH_CACHE_HOME:-$HOME/.cache/hearth}"
archs="${HEARTH_CUDA_ARCHS:-86-real;120a-real;121a-real}"
cuda_version=13.5.37

venv="$cache/cuda-toolkit"
if [ ! -f "$venv/installed-$cuda_version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "nvidia-cuda-nvcc==$cuda_version" "nvidia-nvvm==$cuda_version" "nvidia-cuda-crt==$cuda_version" \
    "nvidia-cuda-runtime==$cuda_version" nvidia-cuda-cccl nvidia-cublas >&2
  toolkit="$(ls -d "$venv"/lib/python3*/site-packages/nvidia/cu13)"
  # The names the linker looks for, and the driver's soname for the link only.
  for lib in cudart cublas cublasLt; do ln -sf "lib$lib.so.13" "$toolkit/lib/lib$lib.so"; done
  mkdir -p "$toolkit/lib/stubs"
  echo 'void hearth_libcuda_link_stub(void) {}' > "$venv/stub.c"
  cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$toolkit/lib/stubs/libcuda.so" "$venv/stub.c"
  touch "$venv/installed-$cuda_version"
fi
toolkit="$(ls -d "$venv"/lib/python3*/site-packages/nvidia/cu13)"

# One build folder per source and architectures; the script's own version in its marker, so that a
# changed recipe reconfigures and rebuilds only what it changes (a full build is the long part).
build="$cache/cuda-module/$(printf '%s\n%s\n' "$src" "$archs" | sha256sum | cut -c1-16)"
recipe="$(sha256sum "$0" | cut -d' ' -f1)"
if [ "$(cat "$build/built" 2>/dev/null)" != "$recipe" ]; then
  rm -f "$build/built"
  # The RUNPATH is $ORIGIN alone: the runtime libraries are found beside the module, where the
  # package puts them. --no-as-needed keeps libcuda.so.1 among the libraries it asks for (the stub
  # defines none of the driver functions the module calls, so --as-needed would drop it and leave
  # them unresolved).
  PATH="$toolkit/bin:$PATH" cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_C_FLAGS=-w -DCMAKE_CXX_FLAGS=-w -DCMAKE_CUDA_FLAGS=-w \
    -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON -DCMAKE_INSTALL_RPATH='$ORIGIN' -DCMAKE_BUILD_RPATH= \
    -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--no-as-needed -DCMAKE_MODULE_LINKER_FLAGS=-Wl,--no-as-needed \
    -DGGML_BACKEND_DL=ON -DGGML_CUDA=ON -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
    -DCUDAToolkit_ROOT="$toolkit" -DCMAKE_CUDA_COMPILER="$toolkit/bin/nvcc" -DCMAKE_CUDA_ARCHITECTURES="$archs" \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF >&2
  PATH="$toolkit/bin:$PATH" cmake --build "$build" --target ggml-cuda -j"$(nproc)" >&2
  rm -rf "$build/module" && mkdir -p "$build/module"
  cp "$build/bin/libggml-cuda.so" "$build/module/"
  for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13; do cp "$toolkit/lib/$lib" "$build/module/"; done
  # NVIDIA's terms for redistributing these runtime libraries, shipped beside them.
  cp "$(ls "$venv"/lib/python3*/site-packages/nvidia_cuda_runtime-*.dist-info/licenses/License.txt 2>/dev/null ||
    ls "$venv"/lib/python3*/site-packages/nvidia_cuda_runtime-*.dist-info/License.txt)" "$build/module/CUDA-LICENSE.txt"
  echo "$recipe" > "$build/built"
fi
echo "$build/module"
