#!/usr/bin/env bash
# Idempotent setup: Debian packages (through apt when root or sudo), a virtualenv, pinned packages.
# Usage: scripts/setup.sh [--dev]    (--dev adds test tools and Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0; [ "${1:-}" = "--dev" ] && DEV=1
PKGS=(gdal-bin libsqlite3-mod-spatialite redis-server gettext python3-venv fonts-noto-cjk)
[ "$DEV" = 1 ] && PKGS+=(chromium)

missing=()
for pkg in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"
  else
    echo "GovGrid needs these Debian/Ubuntu packages. Install them, then run make again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "==> Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# SpatiaLite needs a Python whose sqlite3 can load extensions (pyenv builds often cannot).
can_load() { "$1" -c "import sqlite3, venv; sqlite3.connect(':memory:').enable_load_extension(True)" 2>/dev/null; }
if [ ! -x .venv/bin/python ] || ! can_load .venv/bin/python; then
  rm -rf .venv
  PY=""
  for candidate in "${PYTHON:-}" python3.11 python3 /usr/bin/python3; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null && can_load "$candidate" && { PY=$candidate; break; }
  done
  if [ -z "$PY" ]; then
    echo "No Python 3.11 here can load SQLite extensions (needed for SpatiaLite)." >&2
    echo "Install Debian's: sudo apt-get install -y python3 python3-venv, or set PYTHON=/path/to/python3." >&2
    exit 1
  fi
  echo "==> Creating .venv with $PY ($("$PY" --version))"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi

REQ=requirements.txt; [ "$DEV" = 1 ] && REQ=requirements-dev.txt
STAMP=.venv/.installed-$(basename "$REQ" .txt)
if [ ! -f "$STAMP" ] || [ requirements.txt -nt "$STAMP" ] || [ "$REQ" -nt "$STAMP" ]; then
  echo "==> Installing Python packages from $REQ"
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  touch "$STAMP"
fi
