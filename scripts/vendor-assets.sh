#!/usr/bin/env bash
# Copies the pinned front-end packages (package.json) into src/lodestar/web/static/vendor/.
# Idempotent: skips npm when node_modules matches the lock, and copies only changed files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/src/lodestar/web/static/vendor"
NM="$ROOT/node_modules"
cd "$ROOT"

if [[ ! -f "$NM/.package-lock.json" || package-lock.json -nt "$NM/.package-lock.json" || package.json -nt "$NM/.package-lock.json" ]]; then
  if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
fi

copy() {  # copy SRC DEST_DIR: only when missing or different
  local src="$NM/$1" dest="$VENDOR/$2"
  mkdir -p "$dest"
  cmp -s "$src" "$dest/$(basename "$src")" || cp "$src" "$dest/"
}

copy htmx.org/dist/htmx.min.js htmx
copy echarts/dist/echarts.min.js echarts
copy @tabler/core/dist/css/tabler.min.css tabler
copy @tabler/core/dist/js/tabler.min.js tabler
copy swagger-ui-dist/swagger-ui-bundle.js swagger-ui
copy swagger-ui-dist/swagger-ui.css swagger-ui
copy @json-editor/json-editor/dist/jsoneditor.js json-editor

echo "vendored front-end assets into ${VENDOR#"$ROOT"/}"
