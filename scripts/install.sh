#!/usr/bin/env bash
# Install d2st_nb into a virtual environment quietly: a few lines of progress, the full pip log in a file that a
# failure names (with its last lines). Used by main.sh and test.sh:
#   source scripts/install.sh; quiet_install .venv ".[dev]"
quiet_install() {
  local venv=$1 spec=$2 log=${INSTALL_LOG:-$1/install.log}
  [ -x "$venv/bin/python" ] || { echo "creating the virtual environment $venv"; python3 -m venv "$venv"; }
  echo "installing d2st_nb ($spec) and its requirements into $venv (the first time takes a few minutes; log: $log)"
  if ! { "$venv/bin/python" -m pip install --upgrade pip && "$venv/bin/python" -m pip install -e "$spec"; } > "$log" 2>&1; then
    echo "FAIL: the install did not finish; the last lines of $log:" >&2
    tail -n 25 "$log" >&2
    return 1
  fi
  "$venv/bin/python" -c "import torch, d2st_nb; print(f'installed d2st_nb {d2st_nb.__version__} with torch {torch.__version__}')"
}
