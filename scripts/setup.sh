#!/usr/bin/env bash
# Set up termsgap on a fresh Debian/Ubuntu machine (or any machine with Python >= 3.11), then optionally run it.
#   bash scripts/setup.sh samples   install, then scan contracts_samples/ into reports/samples/
#   bash scripts/setup.sh test      install with test extras, then run the test suite
#   bash scripts/setup.sh           install only
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if command -v apt-get >/dev/null 2>&1; then
  # WeasyPrint needs Pango (and HarfBuzz) and at least one font; the venv needs python3-venv.
  pkgs="python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core"
  # The tests look at the reports as people see them: the HTML in Debian's chromium (driven by Playwright with
  # executable_path; no browser is downloaded) and the PDF's pages rendered by poppler's pdftoppm.
  if [ "${1:-}" = test ]; then pkgs="$pkgs chromium poppler-utils"; fi
  need=""
  for pkg in $pkgs; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
  done
  if [ -n "$need" ]; then
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

case "${1:-}" in
  samples)
    # exit 1 means "gaps found", which is what the samples are for; 2 or more is a real failure
    .venv/bin/termsgap scan contracts_samples --out reports/samples || [ $? -eq 1 ]
    cat <<'NEXT'

The sample reports are in reports/samples/ (report.html, report.pdf, report.json).
Next, check your own vendor terms (PDF, DOCX, HTML, Markdown, text; files or folders):
  .venv/bin/termsgap scan path/to/terms.pdf --vendor "Vendor name" --out reports/vendor
or run `source .venv/bin/activate` once, then `termsgap scan ...`; `termsgap --help` lists every command.
NEXT
    ;;
  test)
    .venv/bin/python -m pytest -n 2 -p no:cacheprovider
    ;;
  "") ;;
  *) echo "usage: bash scripts/setup.sh [samples|test]" >&2; exit 2 ;;
esac
