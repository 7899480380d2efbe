"""scripts/bench_attention.py, not timed: both forms run on a tiny case, agree, and the figures are written."""
from __future__ import annotations

import json

from script_module import load_script

bench = load_script("bench_attention")


def test_tiny_sweep(tmp_path):
    out = tmp_path / "attention.json"
    res = bench.main(["--layouts", "2x2x8", "3x1x4", "--lengths", "5", "9", "--rounds", "1", "--reps", "1", "--json", str(out)])
    assert set(res["cases"]) == {"2x2x8 n=5", "2x2x8 n=9", "3x1x4 n=5", "3x1x4 n=9"}
    for r in res["cases"].values():
        assert r["fused_ms"] > 0 and r["plain_ms"] > 0 and r["plain_speedup"] > 0
    assert set(res["plain_faster_in_every_layout"]) <= {5, 9}
    assert json.loads(out.read_text())["cases"] == res["cases"]
