"""The depth-wise motion probe (scripts/layer_probe.py): its hand-made readouts do what its docstring says, and a
run on the bundled world writes every depth's scores."""
from __future__ import annotations

import json

import torch

from script_module import load_script

lp = load_script("layer_probe")


def test_centroid_follows_the_moving_part():
    x = torch.zeros(1, 5, 3, 16, 16)                       # v t 3 h w: a 2 x 2 square, 2 px right a frame, on row 4
    for t in range(5): x[0, t, :, 4:6, 2 + 2 * t: 4 + 2 * t] = 1
    c = lp.centroid(x)                                      # v (t-1) 2: (x, y) in [-1, 1]
    assert c.shape == (1, 4, 2)
    assert (c[0, 1:, 0] > c[0, :-1, 0]).all()              # the change moves right ...
    assert torch.allclose(c[0, :, 1], torch.full((4,), -1 + 2 * 4.5 / 15))   # ... along rows 4-5
    assert torch.equal(lp.centroid(torch.zeros(1, 3, 3, 8, 8)), torch.zeros(1, 2, 2))   # no change: no nan


def test_run_on_the_bundled_world(tmp_path):
    out = tmp_path / "probe.json"
    lp.main(["--episodes", "8", "--json", str(out)])
    rows = json.loads(out.read_text())["rows"]
    depths = ["patch embedding: grid"] + [f"block {i}: {r}" for i in range(1, 5) for r in ("cls", "grid")]
    assert list(rows) == depths + ["pixels8", "centroid"]
    for r in rows.values():
        assert 0 <= r["1-shot"] <= 100 and 0 <= r["5-shot"] <= 100 and 0 <= r["twin pairs"] <= 100
