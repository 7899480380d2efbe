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


def study_file(tmp_path, name, seeds, plain_evals, frozen=EVAL):
    "A committed study's results.json (as d2st-ablation writes it, with the training verdicts added)."
    f = tmp_path / name
    f.write_text(json.dumps({"config": RECIPE, "seeds": seeds, "one_seed": [],
                             "results": {"none": {"trainable": 0, "runs": [frozen]},
                                         "plain": {"trainable": 7, "runs": plain_evals}},
                             "training_health": {"plain": [{"acc": 90.0 + s} for s in seeds]},
                             "train_seconds": {"plain": [100.0 + s for s in seeds]}}))
    return f


def test_earlier_study_files(tmp_path):
    study = tmp_path / "study"
    other = {"5-way 1-shot": {**EVAL["5-way 1-shot"], "per_episode": [60.0, 60.0], "acc": 60.0}}
    three = study_file(tmp_path, "three.json", [0, 1, 2], [EVAL, other, EVAL])
    five = study_file(tmp_path, "five.json", [0, 1, 2, 3, 4], [EVAL, other, EVAL, other, EVAL])
    job(study, "plain", 5)                                                     # a new seed, run as a job
    assemble.main([str(study), "--earlier", str(three), str(five)])            # seeds 0-2 twice, with the same figures
    found = sorted(str(p.relative_to(study)) for p in study.glob("*/seed*/results.json"))
    assert found == ["none/seed0/results.json"] + [f"plain/seed{s}/results.json" for s in (0, 1, 2, 3, 4, 5)]
    p3 = json.loads((study / "plain" / "seed3" / "results.json").read_text())
    assert p3["models"] == {"plain": {"trainable": 7, "eval": other}}
    assert (p3["config"]["seed"], p3["config"]["adapter"], p3["training"], p3["train_seconds"]) == (3, "plain", {"acc": 93.0}, 103.0)
    assert "config" not in json.loads((study / "none" / "seed0" / "results.json").read_text())
    clash = study_file(tmp_path, "clash.json", [0, 1], [other, other])        # seed 0 with other figures: refused
    with pytest.raises(SystemExit, match="plain/seed0 exists already, with other figures"):
        assemble.main([str(study), "--earlier", str(clash)])
    late = study_file(tmp_path, "late.json", [6], [EVAL])
    late.write_text(late.read_text().replace('"steps": 2000', '"steps": 1000'))
    with pytest.raises(SystemExit, match="differs from the study's recipe in \\['steps'\\]"):
        assemble.main([str(tmp_path / "other_study"), "--earlier", str(three), str(late)])
