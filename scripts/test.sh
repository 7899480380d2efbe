#!/usr/bin/env bash
# Install d2st_nb with its dev tools into .venv (made if missing), then run every test:
#   1. d2st_nb/ must be exactly what `nbdev_export` writes from nbs/ (the notebooks are the source);
#   2. `nbdev_test` executes every notebook top to bottom (all test cells included) on the CPU;
#   3. pytest tests/: the docs render to HTML and show in headless Chromium (skipped without chromium unless
#      D2ST_REQUIRE_BROWSER=1, which CI sets after installing it).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
source scripts/install.sh
quiet_install "$VENV" ".[dev]"
export PATH="$PWD/$VENV/bin:$PATH"
export MPLBACKEND=Agg

echo "== 1/3 the library is what the notebooks export"
snap=$(mktemp -d)
cp -r d2st_nb "$snap/d2st_nb"
nbdev_export
if ! diff -r -q -x __pycache__ "$snap/d2st_nb" d2st_nb; then
  echo "FAIL: d2st_nb/ differs from what nbdev_export writes (a hand edit of a .py file, or an unexported notebook)." >&2
  exit 1
fi
rm -rf "$snap"

echo "== 2/3 every notebook, executed"
# One notebook at a time: each runs torch with every core, and two at once on 2 cores oversubscribe them (measured:
# the notebook stage took 239-252 s with one worker and 327-338 s with two, each lesson's time is then its own).
nbdev_test --n_workers "${N_WORKERS:-1}" --timing "$@"

echo "== 3/3 the docs render, executed, and show in a browser (tests/)"
python -m pytest -q tests/
echo "All tests passed."
