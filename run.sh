#!/usr/bin/env bash
# legaldocs set-up and entry point.
#   ./run.sh example   install what is missing, build the filing packet of examples/demo, print where it is
#   ./run.sh test      install what is missing, run the whole test suite
# Installs, when missing: LibreOffice Writer and its Python bridge, CJK and Latin fonts, poppler-utils
# (Debian packages; needs root), Chromium for the dashboard's tests (`test` only)
# and a virtualenv in .venv with the project and its test dependencies.
set -euo pipefail
cd "$(dirname "$0")"

ensure_system() {
  local need=()
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
  # LibreOffice's Python bridge, for the LibreOffice kept running through a packet
  /usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || need+=(python3-uno)
  fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
  # Noto Serif CJK: embedded for a Song-style Chinese font an exhibit leaves unembedded
  [ -e /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
  [ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || need+=(fonts-liberation2)
  # metric-compatible substitutes embedded for the standard 14 fonts an exhibit leaves unembedded
  [ -e /usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf ] || need+=(fonts-urw-base35)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing Debian packages: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# Debian's Chromium, which the dashboard's tests drive through Playwright (never a browser of its own)
ensure_browser() {
  if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Debian packages: chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
}

ensure_venv() {
  local stamp=.venv/.installed
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    touch "$stamp"
  fi
}

cmd=${1:-}
case "$cmd" in
  example)
    ensure_system; ensure_venv
    shift
    exec .venv/bin/legaldocs packet examples/demo/case.yaml --out out "$@"
    ;;
  test)
    ensure_system; ensure_browser; ensure_venv
    shift
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./run.sh example | ./run.sh test [pytest args]" >&2
    exit 64
    ;;
esac
