#!/usr/bin/env bash
# The main job, on the bundled data (data_samples/): meta-train the D²ST-Adapter on the base classes of the
# synthetic videos with the bundled pre-trained image model, then evaluate 5-way 1-shot and 5-shot on the
# novel classes and print a table against the same image model frozen, without adapters.
# Creates .venv (if missing) and installs the package. Extra arguments go to d2st-train, e.g.
#   bash scripts/main.sh --resume          # continue an interrupted run
#   bash scripts/main.sh --steps 400       # train longer
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
source scripts/install.sh
quiet_install "$VENV" "."
export MPLBACKEND=Agg
"$VENV/bin/d2st-train" --preset demo --out-dir runs/demo "$@"
