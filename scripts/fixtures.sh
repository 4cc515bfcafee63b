#!/usr/bin/env bash
# Test models that cannot be downloaded here, written by tests/fixtures/make_models.py with
# gguf-py from the vendored llama.cpp tree (the b11434 sdist, scripts/llama-sdist.sh), into
# .cache/fixtures/: the demo model split in three shards, a tiny random-weight gpt-oss with
# MXFP4 experts, a tiny gpt-oss that always answers in Harmony (also split in two shards, and
# with a chat template that fails), and gpt-oss's real chat template. Also the Python (numpy, jinja2, gguf-py) the
# template tests render with. Idempotent; a few seconds.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${HEARTH_CACHE:-$repo/.cache}"
fixtures="$cache/fixtures"
venv="${HEARTH_FIXTURES_VENV:-$HOME/.cache/hearth/fixtures-venv}"
demo="$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
llama=$("$repo/scripts/llama-sdist.sh" gguf-py models/templates/openai-gpt-oss-120b.jinja)
# mcp: the Python MCP SDK's Streamable HTTP server for the tool tests (issue 19).
venv_stamp="numpy jinja2 gguf-py b11434 mcp-2.3.0"
stamp="$venv_stamp; $(sha256sum "$repo/tests/fixtures/make_models.py" | cut -c1-16)"
if [ "$(cat "$venv/STAMP" 2>/dev/null)" != "$venv_stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy jinja2 "$llama/gguf-py" "mcp==2.3.0"
  echo "$venv_stamp" > "$venv/STAMP"
fi
if [ "$(cat "$fixtures/STAMP" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$fixtures"
  mkdir -p "$fixtures/split"
  cp "$llama/models/templates/openai-gpt-oss-120b.jinja" "$fixtures/"
  "$venv/bin/python" "$repo/tests/fixtures/make_models.py" split "$demo" "$fixtures/split" 3 >/dev/null
  "$venv/bin/python" "$repo/tests/fixtures/make_models.py" gpt-oss "$demo" "$fixtures/tiny-gpt-oss-MXFP4.gguf" \
    "$fixtures/openai-gpt-oss-120b.jinja" >/dev/null
  "$venv/bin/python" "$repo/tests/fixtures/make_models.py" harmony "$demo" "$fixtures/harmony-gpt-oss-MXFP4.gguf" \
    "$fixtures/openai-gpt-oss-120b.jinja" >/dev/null
  mkdir -p "$fixtures/split-harmony"
  "$venv/bin/python" "$repo/tests/fixtures/make_models.py" split "$fixtures/harmony-gpt-oss-MXFP4.gguf" "$fixtures/split-harmony" 2 >/dev/null
  mkdir -p "$fixtures/failing-template"
  "$venv/bin/python" "$repo/tests/fixtures/make_models.py" retemplate "$fixtures/harmony-gpt-oss-MXFP4.gguf" "$fixtures/failing-template" >/dev/null
  echo "$stamp" > "$fixtures/STAMP"
fi
# MCP reference servers from npm for the tool tests (issue 19), outside the clone.
"$repo/scripts/mcp-servers.sh" >/dev/null
echo "fixtures ok: $fixtures"
