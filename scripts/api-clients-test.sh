#!/usr/bin/env bash
# Hearth's OpenAI-compatible API driven by real clients: the `openai` Python package from PyPI in
# a virtualenv kept outside the clone. Needs the `hearth` binary built (cargo build -p hearth-cli).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${HEARTH_CACHE_HOME:-$HOME/.cache/hearth}/api-venv"
# jsonschema checks the arguments of tool calls and structured output (issue 19).
if ! "$venv/bin/python" -c "import openai, jsonschema" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "openai>=1.40" "jsonschema>=4"
fi
export HEARTH_BIN="${HEARTH_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/hearth}"
export HEARTH_TEST_MODEL="${HEARTH_TEST_MODEL:-$repo/.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
cd "$repo/tests/api_clients"
exec "$venv/bin/python" -m unittest -v test_openai_client test_tools
