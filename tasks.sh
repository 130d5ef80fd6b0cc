#!/usr/bin/env bash
# One entry point for set-up, build and tests, on a fresh Debian machine or a developer's.
#   bash tasks.sh build   set up, then build the sample yearbook (site + PDF) into output/
#   bash tasks.sh test    set up, then run the whole test suite
#   bash tasks.sh setup   only install what the project needs, at the pinned versions (pins/)
#   bash tasks.sh pin     update the pins: the newest Python releases pyproject.toml allows (--keep: keep
#                         the pinned ones, add what is new) and the Debian versions installed here
# Set-up is idempotent: system packages (CJK fonts, HarfBuzz subsetting, poppler, Chromium for the browser
# tests, Ghostscript's ICC profiles for the CMYK test) through apt-get, at the versions of pins/debian.txt;
# Python packages into .venv, exactly those of pins/python.txt. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
VENV=.venv
PY_PINS=pins/python.txt
APT_PINS=pins/debian.txt
DEBIAN_RELEASE=bookworm

apt_pins() {  # name=version or name, one a line
  grep -v '^\s*\(#\|$\)' "$APT_PINS"
}

installed_version() {
  dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'
}

need_apt() {  # the pins not installed as pinned (a bare name: installed at any version)
  local pin name version
  while read -r pin; do
    name=${pin%%=*}
    version=${pin#*=}
    [ "$version" = "$pin" ] && version=""
    case "$(installed_version "$name")" in
      "") echo "$pin" ;;
      "$version") ;;
      *) [ -z "$version" ] || [ -f "$VENV/.apt-$(sha1sum "$APT_PINS" | cut -c1-12)" ] || echo "$pin" ;;
    esac
  done < <(apt_pins)
}

setup_system() {
  command -v apt-get >/dev/null 2>&1 || { echo "tasks.sh: no apt-get; install the packages of $APT_PINS (CJK fonts, HarfBuzz subsetting …) yourself" >&2; return 0; }
  local release=""
  release=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [ "$release" = "$DEBIAN_RELEASE" ] || echo "tasks.sh: warning: this is Debian '${release:-?}', the pins are for $DEBIAN_RELEASE; installing the versions this release has" >&2
  mapfile -t missing < <(need_apt)
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo="" pin name version wanted=()
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  for pin in "${missing[@]}"; do
    name=${pin%%=*}
    version=${pin#*=}
    if [ "$version" != "$pin" ] && ! apt-cache madison "$name" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qxF "$version"; then
      echo "tasks.sh: warning: the Debian mirror no longer has $name $version (pinned, tested); installing its $(apt-cache policy "$name" | sed -n 's/^ *Candidate: //p') instead (update the pin with: bash tasks.sh pin)" >&2
      pin=$name
    fi
    wanted+=("$pin")
  done
  echo "tasks.sh: installing ${wanted[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends --allow-downgrades "${wanted[@]}" >/dev/null
  mkdir -p "$VENV" && rm -f "$VENV"/.apt-* && touch "$VENV/.apt-$(sha1sum "$APT_PINS" | cut -c1-12)"  # these pins are applied
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(cat pyproject.toml "$PY_PINS" | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    # pip first (the pinned one knows --build-constraint), then everything at its pin; the machine's own pip
    # configuration (a constraint file of its own, mirrors) still applies beside ours
    "$VENV/bin/python" -m pip install -q --upgrade -c "$PY_PINS" pip
    "$VENV/bin/python" -m pip install -q -c "$PY_PINS" --build-constraint "$PY_PINS" -e '.[test]'
    "$VENV/bin/python" tools/pin.py check "$PY_PINS"  # nothing unpinned came in
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

setup() { setup_system; setup_python; }

pin() {
  local keep=()
  [ "${1:-}" = "--keep" ] && keep=(-c "$PY_PINS")
  local scratch
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/yearbook-pin.XXXXXX")
  trap "rm -rf '$scratch'" EXIT
  "$PY" -m venv "$scratch/venv"
  local py="$scratch/venv/bin/python"
  "$py" -m pip install -q --upgrade "${keep[@]}" pip
  # shellcheck disable=SC2046  # the build requirements are words
  "$py" -m pip install -q --upgrade "${keep[@]}" $("$py" tools/pin.py build-requires)
  "$py" -m pip install -q --upgrade "${keep[@]}" --no-build-isolation -e '.[test]'
  "$py" tools/pin.py write "$PY_PINS"
  local line name version now lines=()
  while IFS= read -r line; do  # comments and bare names stay; a pinned version becomes the one installed here
    name=${line%%=*}
    version=${line#*=}
    if [[ "$line" =~ ^[[:space:]]*(#|$) ]] || [ "$version" = "$line" ]; then
      lines+=("$line")
      continue
    fi
    now=$(installed_version "$name")
    if [ -z "$now" ]; then
      echo "tasks.sh: $name is not installed here; its pin stays $version" >&2
      now=$version
    fi
    lines+=("$name=$now")
  done < "$APT_PINS"
  printf '%s\n' "${lines[@]}" > "$APT_PINS"
  echo "tasks.sh: pins updated; now run: bash tasks.sh test, then commit pins/" >&2
}

case "${1:-}" in
  setup) setup ;;
  build) setup; shift; exec "$VENV/bin/python" build.py build "$@" ;;
  test)  setup; shift; exec "$VENV/bin/python" -m pytest "$@" ;;
  pin)   shift; pin "$@" ;;
  *) echo "usage: bash tasks.sh {build|test|setup|pin [--keep]} [args]" >&2; exit 2 ;;
esac
