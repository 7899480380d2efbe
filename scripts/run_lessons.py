#!/usr/bin/env python
"""Execute the lessons in place, so that each notebook is committed with the outputs that teach (its figures,
tables and printed results) and a reader on GitHub, in Colab before running, or in any nbdev tool sees them.

    .venv/bin/python scripts/run_lessons.py                  # every notebook in nbs/ (lessons, index, method)
    .venv/bin/python scripts/run_lessons.py 05_*.ipynb       # only some (globs relative to nbs/, or paths)

Run the main job first (`bash scripts/main.sh`): lesson 09 then draws the trained demo model of `runs/demo/`
(without it, the lesson trains a short run of its own). Each notebook runs top to bottom in a fresh kernel of
this Python, in its own folder, skipping the cells `nbdev_test` skips (settings.ini's `tst_flags`); figures
are drawn at `--dpi` (default 60) to keep every notebook small; then the outputs are copied back into the
notebook and it is cleaned with nbdev's `clean_nb` (no execution counts, no metadata noise). Only outputs
change: a notebook's sources are never rewritten. The export check and `nbdev_test` work on notebooks with
outputs as on bare ones.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_docs import NBS, execute, find_notebooks, prepare, read_tst_flags  # noqa: E402


def run_in_place(path: Path, dpi: int = 60, timeout: int = 900) -> tuple[int, int]:
    "Execute one notebook and store its outputs in it, cleaned; returns (figures, bytes written)."
    import nbformat
    from nbdev.clean import nbdev_clean

    nb = nbformat.read(path, as_version=4)
    run = prepare(copy.deepcopy(nb), read_tst_flags(), set())
    with tempfile.TemporaryDirectory(prefix="d2st-mplrc-") as tmp:
        rc = Path(tmp, "matplotlibrc")
        rc.write_text(f"figure.dpi: {dpi}\nsavefig.dpi: {dpi}\n")
        old = os.environ.get("MATPLOTLIBRC")
        os.environ["MATPLOTLIBRC"] = str(rc)
        try: execute(run, path.parent, timeout=timeout)
        finally:
            if old is None: os.environ.pop("MATPLOTLIBRC", None)
            else: os.environ["MATPLOTLIBRC"] = old
    figures = 0
    for cell, done in zip(nb.cells, run.cells):
        if cell.cell_type != "code": continue
        cell.outputs = done.outputs
        figures += sum("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {}) for o in done.outputs)
    nbformat.write(nb, path)
    nbdev_clean(fname=str(path))            # execution counts and metadata noise out, as `nbdev_clean` leaves it
    return figures, path.stat().st_size


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", help="notebook globs relative to nbs/ (or paths); default: all")
    ap.add_argument("--dpi", type=int, default=60, help="figure resolution (default 60: small notebooks)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    args = ap.parse_args(argv)
    notebooks = find_notebooks(args.notebooks, NBS)
    print(f"run_lessons: {len(notebooks)} notebook(s), executed with {sys.executable}", flush=True)
    failed = []
    for p in notebooks:
        t0 = time.perf_counter()
        try:
            figs, size = run_in_place(p, args.dpi, args.timeout)
            print(f"  {p.name:<24} {time.perf_counter() - t0:6.1f} s  {figs:2d} figure(s)  {size / 1024:7.0f} KB", flush=True)
        except Exception as e:
            failed.append(p.name)
            print(f"  {p.name:<24} FAILED: {type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}",
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
