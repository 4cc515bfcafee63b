#!/usr/bin/env bash
# MCP servers no one here wrote, for the tool tests (issue 19): the reference servers
# @modelcontextprotocol/server-everything and server-filesystem from npm, pinned, installed once
# outside the clone. Prints the folder whose node_modules/.bin holds them.
set -euo pipefail
dir="${HEARTH_CACHE_HOME:-$HOME/.cache/hearth}/mcp-servers"
everything="2026.8.31"
filesystem="2026.8.31"
stamp="$dir/STAMP-$everything-$filesystem"
if [ ! -f "$stamp" ]; then
  mkdir -p "$dir"
  (cd "$dir" && [ -f package.json ] || echo '{"name": "hearth-mcp-servers", "private": true}' >"$dir/package.json")
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/server-everything@$everything" "@modelcontextprotocol/server-filesystem@$filesystem" >&2
  touch "$stamp"
fi
echo "$dir"
