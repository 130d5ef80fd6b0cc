#!/usr/bin/env bash
# One entry point for set-up, build and tests, on a fresh Debian machine or a developer's.
#   bash tasks.sh build   set up, then build the sample yearbook (site + PDF) into output/
#   bash tasks.sh test    set up, then run the whole test suite
#   bash tasks.sh setup   only install what the project needs
# Set-up is idempotent: system packages (CJK fonts, HarfBuzz subsetting, poppler, Chromium for the browser
# tests, Ghostscript's ICC profiles for the CMYK test, Java and npm for the Nu HTML Checker) through apt-get,
# Python packages into .venv, the Nu HTML Checker (vnu.jar, pinned in package.json / package-lock.json)
# into node_modules. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fontconfig chromium libgs-common)
# Java and npm (for vnu.jar) only when the machine has none: a machine whose Node.js came from elsewhere
# ships its own npm, and Debian's npm package would conflict with it.
command -v java >/dev/null 2>&1 || APT_PACKAGES+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
PY=${PYTHON:-python3}
VENV=.venv

need_apt() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  printf '%s\n' "${missing[@]}"
}

setup_system() {
  command -v apt-get >/dev/null 2>&1 || { echo "tasks.sh: no apt-get; install CJK fonts (Noto CJK) and HarfBuzz subsetting yourself" >&2; return 0; }
  mapfile -t missing < <(need_apt)
  [ "${#missing[@]}" -eq 0 ] || [ -z "${missing[0]}" ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "tasks.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e '.[test]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

setup_node() {
  # vnu.jar ships inside the npm package; its install script (which would fetch a Java runtime) is not run
  command -v npm >/dev/null 2>&1 || { echo "tasks.sh: no npm; the Nu HTML Checker test will be skipped" >&2; return 0; }
  local stamp="node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
    touch "$stamp"
  fi
}

setup() { setup_system; setup_python; setup_node; }

case "${1:-}" in
  setup) setup ;;
  build) setup; shift; exec "$VENV/bin/python" build.py build "$@" ;;
  test)  setup; shift; exec "$VENV/bin/python" -m pytest "$@" ;;
  *) echo "usage: bash tasks.sh {build|test|setup} [args]" >&2; exit 2 ;;
esac
