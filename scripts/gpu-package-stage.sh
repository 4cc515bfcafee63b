#!/usr/bin/env bash
# Prepares `.gpu-package/` for scripts/gpu-package-check.sh: the package's engine as it installs
# (usr/bin/hearth, usr/lib/Hearth/llama/ with llama.cpp's libraries and the CPU and Vulkan backend
# modules, the very files scripts/package.sh puts in the .deb), the llama.cpp tree they were built
# from (to build the CUDA backend module, llama-bench and llama-server there), the `gguf` wheel and
# SmolLM2's tokenizer (a timing model is written there), the 50-page PDF of bench/speculative.py,
# and the demo model. The GPU machine takes 64 MiB a call (the source tree included), so this is
# two carries: `.gpu-package-first/` (the llama.cpp tree, the small files and the demo model's first
# 52 MB; scripts/gpu-package-check.sh first) and `.gpu-package/` (the installed files as a tar.xz
# and the rest of the model; scripts/gpu-package-check.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
# shellcheck source=scripts/package-env.sh
. "$repo/scripts/package-env.sh"
stage="$repo/.gpu-package"
first="$repo/.gpu-package-first"
rm -rf "$stage" "$first" && mkdir -p "$stage" "$first"

cargo build "${package_features[@]}" "${package_targets[@]}" --bin hearth >&2
root="$(mktemp -d)"
stage_engine "$root/usr/bin/hearth" "$root/usr/lib/Hearth/llama"
strip "$root/usr/bin/hearth"
tar cJf "$stage/root.tar.xz" -C "$root" usr && rm -rf "$root"

tree="$(bench/build-llama-bench.sh source)"
tar cJf "$first/llama-src.tar.xz" -C "$(dirname "$tree")" --transform "s,^$(basename "$tree"),src," "$(basename "$tree")"

venv="$HOME/.cache/hearth/gguf-venv"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q gguf numpy; }
"$venv/bin/pip" download -q --no-deps gguf -d "$first/wheels"
scripts/fetch-models.sh >/dev/null
demo=.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf
"$venv/bin/python" bench/gpu/extract_tokenizer.py "$demo" "$first/smollm2-tokenizer.json.gz"
python3 -c 'import sys; sys.path.insert(0, "bench"); from pathlib import Path; from documents import make_pdf; make_pdf(Path(sys.argv[1]), 50)' "$first/manuals-50.pdf"

part1=52000000
head -c "$part1" "$demo" > "$first/demo.part1"
tail -c +"$((part1 + 1))" "$demo" > "$stage/demo.part2"
sha256sum "$demo" | cut -d' ' -f1 > "$stage/demo.sha256"
du -sb "$stage"/* "$first"/* && du -sb "$stage" "$first"
