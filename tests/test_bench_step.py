"""scripts/bench_step.py, not timed: the baseline taken from the git history, the two sides run in fresh processes
on the bundled demo, and the check that their first step computes the same gradients."""
from __future__ import annotations

import json
import subprocess

import pytest
import torch

from script_module import load_script

bench = load_script("bench_step")


def test_largest_rel_diff():
    a = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.5])}
    b = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.25])}
    assert bench.largest_rel_diff(a, a) == 0.0
    assert bench.largest_rel_diff(a, b) == pytest.approx(1.0)          # |0.5 - 0.25| / 0.25
    noise = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([2e-9])}           # b: zero but for rounding
    assert bench.largest_rel_diff(noise, {**noise, "b": torch.tensor([-1e-9])}) < 1e-5
    with pytest.raises(SystemExit, match="different parameters"):
        bench.largest_rel_diff(a, {"w": a["w"]})


def test_unknown_baseline_is_named(tmp_path):
    with pytest.raises(SystemExit, match="no-such-commit"):
        bench.baseline_package("no-such-commit", tmp_path)


@pytest.mark.skipif(subprocess.run(["git", "-C", str(bench.ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0,
                    reason="not a git checkout: no history to take a baseline from")
def test_against_itself(tmp_path):
    "HEAD's package against this checkout's, 2 steps each: the same first step to the bit, figures written."
    out = tmp_path / "bench.json"
    res = bench.main(["--baseline", "HEAD", "--steps", "2", "--compute-steps", "2", "--rounds", "1", "--json", str(out)])
    assert res["first_step"]["largest_grad_rel_diff"] == 0.0 and res["first_step"]["loss_abs_diff"] == 0.0
    assert res["run_losses"]["steps_identical"] == 2
    assert set(res["run_steps_per_s"]) == {"baseline", "current"} and all(v > 0 for v in res["run_steps_per_s"].values())
    assert json.loads(out.read_text())["steps"] == 2
