#!/usr/bin/env bash
# Sets up everything Lodestar needs on a bare Debian machine with Python 3.11:
# the virtual environment and Python packages, the front-end assets from the npm registry, and
# (with --browser) Debian's Chromium for the browser tests. Quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[[ "${1:-}" == "--browser" ]] && want_browser=1

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.lodestar-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "setup: installing Python packages"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$stamp"
fi

bash scripts/vendor-assets.sh

# Chromium for the browser tests, and a CJK font so Chinese pages render in screenshots.
if [[ $want_browser == 1 ]] && { [[ ! -x /usr/bin/chromium ]] || ! fc-list 2>/dev/null | grep -qi wqy; }; then
  echo "setup: installing Debian's chromium and a CJK font for the browser tests"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
echo "setup: done"
