#!/usr/bin/env bash
# Sets up everything Lodestar needs on a bare Debian machine with Python 3.11:
# the virtual environment and Python packages, the front-end assets from the npm registry, and
# Debian's OpenMP runtime for LightGBM, Pango and a CJK font for the PDF reports, and (with --for-tests) Debian's Chromium, a CJK font and Java for the browser and Spark tests. Quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_tools=0
[[ "${1:-}" == "--for-tests" ]] && want_test_tools=1

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
# The package is installed editable, so pip compiles none of its modules to bytecode. Where
# PYTHONDONTWRITEBYTECODE is set (as on many CI machines) every command would compile them all again at
# its start, some 0.2 s; compileall writes what is missing or stale and is instant otherwise.
.venv/bin/python -m compileall -q src/lodestar >/dev/null

bash scripts/vendor-assets.sh

# LightGBM (churn predictions) needs the GNU OpenMP runtime, which a bare Debian may lack.
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libgomp.so.1'; then
  echo "setup: installing the OpenMP runtime (libgomp1) for LightGBM"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libgomp1 >/dev/null
fi

# Value reports' PDFs (WeasyPrint) need Pango, and a CJK font so Chinese reports render: the product needs
# both, not only the tests. fonts-noto-cjk is the fuller family; WenQuanYi Micro Hei is the smaller fallback.
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || ! fc-list 2>/dev/null | grep -qiE 'noto sans cjk|wqy'; then
  echo "setup: installing Pango and a CJK font for the value reports' PDFs"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fontconfig fonts-wqy-microhei >/dev/null
fi

# Chromium for the browser tests, and a CJK font so Chinese pages render in screenshots.
if [[ $want_test_tools == 1 ]] && { [[ ! -x /usr/bin/chromium ]] || ! fc-list 2>/dev/null | grep -qi wqy; }; then
  echo "setup: installing Debian's chromium and a CJK font for the browser tests"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
# Java for the Spark engine's tests (Spark runs in local mode).
if [[ $want_test_tools == 1 ]] && ! command -v java >/dev/null; then
  echo "setup: installing a Java runtime for the Spark tests"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
echo "setup: done"
