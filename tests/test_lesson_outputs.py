"""Every lesson is committed with the outputs that teach: a learner opening a lesson on GitHub, in Colab before
running it, or in any tool that reads notebooks sees its figures — and the outputs are clean (what
`nbdev_clean` leaves: no execution counts, no metadata noise) and small.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "nbs").glob("[0-9][0-9]*_*.ipynb"))
FIGURES = ("image/png", "image/svg+xml")
MAX_BYTES = 1_000_000  # per notebook, figures at a modest dpi


def figures(nb: dict) -> int:
    "How many outputs of the notebook hold a figure."
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code"
               for o in c.get("outputs", []) if any(m in o.get("data", {}) for m in FIGURES))


def test_the_lessons_are_there():
    assert len(LESSONS) >= 10, [p.name for p in LESSONS]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_shows_a_figure(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert figures(nb) >= 1, (f"{path.name} carries no figure output (image/png or image/svg+xml): execute the "
                              f"lessons in place and commit them with their outputs")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_outputs_are_clean_and_small(path):
    from nbdev.clean import clean_nb
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    nb = json.loads(path.read_text(encoding="utf-8"))
    cleaned = copy.deepcopy(nb)
    clean_nb(cleaned, allowed_metadata_keys=cfg.get("allowed_metadata_keys", "").split(),   # as settings.ini lets nbdev_clean keep
             allowed_cell_metadata_keys=cfg.get("allowed_cell_metadata_keys", "").split())
    assert cleaned == nb, f"{path.name} is not as nbdev_clean leaves it: run nbdev_clean --fname nbs/{path.name}"
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{path.name} is {size / 1e6:.2f} MB with its outputs (aim: at most {MAX_BYTES / 1e6:.0f} MB)"
