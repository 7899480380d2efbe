#!/usr/bin/env bash
# The main job on the bundled data. Makes .venv (if missing), installs d2st_nb with its dev tools, then runs it.
# Training has not landed yet: for now the main job executes every lesson that exists, top to bottom, on this
# machine's device (CPU here), and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[dev]"
export PATH="$PWD/$VENV/bin:$PATH"
export MPLBACKEND=Agg
echo "d2st_nb main job: episodic training is not in the library yet, so this runs the lessons that exist:"
ls nbs/[0-9][0-9]_*.ipynb
nbdev_test --path nbs --file_glob "[0-9][0-9]_*.ipynb" --n_workers 1 --timing
echo "Done: every lesson ran top to bottom."
