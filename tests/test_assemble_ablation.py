"""scripts/assemble_ablation.py: separate ablation jobs and main-job results gathered into the folder `run_ablation`
reads back — the layout it expects, the runs it reads unchanged, and a refusal when a job's recipe differs."""
from __future__ import annotations

import json

import pytest

from script_module import load_script

assemble = load_script("assemble_ablation")

RECIPE = {"steps": 2000, "lr": 0.005, "seed": 0, "adapter": "d2st", "out_dir": "x", "progress": False,
          "compare_with": None, "eval_shuffled": False}
EVAL = {"5-way 1-shot": {"acc": 50.0, "ci95": 1.0, "episodes": 2, "per_episode": [40.0, 60.0]}}


def job(study, v, s, **differs):
    d = study / "jobs" / f"{v}-{s}" / v / f"seed{s}"
    d.mkdir(parents=True)
    cfg = {**RECIPE, "adapter": v, "seed": s, **differs}
    (d / "results.json").write_text(json.dumps({"config": cfg, "models": {v: {"trainable": 7, "eval": EVAL}},
                                                "training": {"acc": 90.0, "learned": True}}))
    (d / "log.jsonl").write_text("{}\n")


def main_file(tmp_path, s):
    f = tmp_path / f"demo_seed{s}.json"
    frozen = {"5-way 1-shot": {**EVAL["5-way 1-shot"], "per_episode": [20.0, 20.0], "acc": 20.0}}
    f.write_text(json.dumps({"config": {**RECIPE, "seed": s, "compare_with": "none", "eval_shuffled": True},
                             "models": {"d2st (trained)": {"trainable": 9, "eval": EVAL},
                                        "d2st (trained), query frames shuffled": {"trainable": 9, "eval": EVAL},
                                        "none (frozen, untrained)": {"trainable": 0, "eval": frozen}},
                             "training": {"acc": 95.0, "learned": True}, "train_seconds": 400.0}))
    return f


def test_layout_and_contents(tmp_path):
    study = tmp_path / "study"
    job(study, "plain", 0); job(study, "plain", 1)
    assemble.main([str(study), "--main", str(main_file(tmp_path, 0)), str(main_file(tmp_path, 1))])
    found = sorted(str(p.relative_to(study)) for p in study.glob("*/seed*/results.json"))
    assert found == ["d2st/seed0/results.json", "d2st/seed1/results.json", "none/seed0/results.json",
                     "plain/seed0/results.json", "plain/seed1/results.json"]
    assert (study / "plain" / "seed1" / "log.jsonl").is_file()                # the whole run folder moved
    d2st = json.loads((study / "d2st" / "seed1" / "results.json").read_text())
    assert list(d2st["models"]) == ["d2st"] and d2st["models"]["d2st"]["eval"] == EVAL
    assert d2st["training"]["acc"] == 95.0
    none = json.loads((study / "none" / "seed0" / "results.json").read_text())
    assert none["models"]["none"]["eval"]["5-way 1-shot"]["per_episode"] == [20.0, 20.0]


def test_refuses_another_recipe(tmp_path):
    study = tmp_path / "study"
    job(study, "plain", 0); job(study, "st_conv", 0, lr=0.001)
    with pytest.raises(SystemExit, match="differs from the study's recipe in \\['lr'\\]"):
        assemble.main([str(study)])


def test_frozen_job_without_config(tmp_path):
    study = tmp_path / "study"
    job(study, "plain", 0)
    d = study / "jobs" / "none-0" / "none" / "seed0"                          # as run_ablation writes the frozen model
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps({"models": {"none": {"trainable": 0, "eval": EVAL}}}))
    assemble.main([str(study)])
    none = json.loads((study / "none" / "seed0" / "results.json").read_text())
    assert none == {"models": {"none": {"trainable": 0, "eval": EVAL}}}
    d = study / "jobs" / "st_conv-0" / "st_conv" / "seed0"                    # a trained run must say its recipe
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps({"models": {"st_conv": {"trainable": 7, "eval": EVAL}}}))
    with pytest.raises(SystemExit, match="holds no config"):
        assemble.main([str(study)])
