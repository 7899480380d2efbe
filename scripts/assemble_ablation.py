#!/usr/bin/env python
"""Gather an ablation study that ran as separate jobs into the one folder `d2st-ablation` reads back.

A long study on a small machine runs as separate calls, several side by side (`d2st-ablation --variants V --seeds S
--out-dir STUDY/jobs/V-S`), and its `d2st` runs and frozen row can be the main job's seeds, which used the same
recipe. This script moves each job's run to `STUDY/V/seedS/` (a `none` job, the frozen model, holds its evaluation
without a config: it is moved unchecked) and writes each main-job results file given with `--main`
there as the `d2st` run of its seed (and the first one's frozen model as `none/seedS`, S its seed), checking that every config
but the adapter and the seed is the same. A study that adds seeds to a committed one starts from that study's
`results.json` (`--earlier`, several allowed): each of its runs is written as `V/seedS/` again, with its recipe, its
per-episode figures and its training's verdict. A run placed twice (the same seed in two committed files, the frozen
model in every one) must hold the same figures each time. Then

    d2st-ablation --seeds 0 1 2 [--one-seed V ...] --out-dir STUDY

trains nothing: it reads every run back and writes the table, the figure and the paired verdicts.

    python scripts/assemble_ablation.py STUDY --main nbs/results/demo_seed0.json nbs/results/demo_seed1.json ...
    python scripts/assemble_ablation.py STUDY --earlier nbs/results/ablation_two_stage_five_seeds.json
"""
from __future__ import annotations
import argparse, json, shutil
from pathlib import Path

IGNORED = {"adapter", "seed", "out_dir", "progress", "compare_with", "eval_shuffled"}


def same_recipe(a: dict, b: dict, what: str):
    diff = sorted(k for k in set(a) | set(b) if k not in IGNORED and a.get(k) != b.get(k))
    if diff: raise SystemExit(f"assemble_ablation: {what} differs from the study's recipe in {diff}")


def place(dest: Path, out: dict, what: str):
    "Write one run read from a results file as `dest/results.json`; a run already there must hold the same figures."
    f = dest / "results.json"
    if f.exists():
        (old,), (new,) = json.loads(f.read_text())["models"].values(), out["models"].values()
        if old["eval"] != new["eval"]:
            raise SystemExit(f"assemble_ablation: {dest} exists already, with other figures than {what}'s")
        print(f"{what} -> {dest} (there already, the same figures)")
        return
    dest.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps(out, indent=1))
    print(f"{what} -> {dest}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("study", type=Path)
    ap.add_argument("--jobs", type=Path, help="the jobs' folder (default STUDY/jobs)")
    ap.add_argument("--main", type=Path, nargs="*", default=[], help="main-job results files: the d2st runs, one per seed")
    ap.add_argument("--earlier", type=Path, nargs="*", default=[],
                    help="committed study results files (d2st-ablation's results.json): their runs, seed by seed")
    a = ap.parse_args(argv)
    jobs, recipe = a.jobs or a.study / "jobs", None
    for res in sorted(jobs.glob("*/*/seed*/results.json")):               # jobs/V-S/V/seedS/results.json
        cfg = json.loads(res.read_text()).get("config")
        if cfg is None and res.parent.parent.name != "none":              # run_ablation writes the frozen model's
            raise SystemExit(f"assemble_ablation: {res} holds no config")  # evaluation alone; every trained run has one
        if cfg is not None:
            recipe = recipe or cfg
            same_recipe(cfg, recipe, str(res))
        dest = a.study / res.parent.parent.name / res.parent.name
        if dest.exists(): raise SystemExit(f"assemble_ablation: {dest} exists already")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(res.parent), str(dest))
        print(f"{res.parent} -> {dest}")
    for f in a.earlier:
        r = json.loads(f.read_text())
        cfg, health, secs = r["config"], r.get("training_health", {}), r.get("train_seconds", {})
        recipe = recipe or cfg
        same_recipe(cfg, recipe, str(f))
        for v, res in r["results"].items():
            seeds = r["seeds"][:1] if v == "none" or v in r.get("one_seed", []) else r["seeds"]
            if len(seeds) != len(res["runs"]): raise SystemExit(f"assemble_ablation: {f}: {v} has {len(res['runs'])} runs for seeds {seeds}")
            for i, (s, ev) in enumerate(zip(seeds, res["runs"])):
                dest = a.study / v / f"seed{s}"
                out = {"models": {v: {"trainable": res["trainable"], "eval": ev}}, "read_from": str(f)}
                if v != "none":
                    out = {"config": {**cfg, "adapter": v, "seed": s, "out_dir": str(dest)}, **out,
                           "training": health.get(v, [None] * len(seeds))[i], "train_seconds": secs.get(v, [None] * len(seeds))[i]}
                place(dest, out, f"{f} ({v}, seed {s})")
    for i, f in enumerate(a.main):
        r = json.loads(f.read_text())
        cfg, models = r["config"], r["models"]
        if recipe: same_recipe(cfg, recipe, str(f))
        trained = models[f"{cfg['adapter']} (trained)"]
        runs = [(cfg["adapter"], cfg["seed"], trained)]
        if i == 0: runs.append(("none", cfg["seed"], models["none (frozen, untrained)"]))
        for v, s, m in runs:
            dest = a.study / v / f"seed{s}"
            out = {"config": {**cfg, "out_dir": str(dest)}, "models": {v: {"trainable": m["trainable"], "eval": m["eval"]}},
                   "read_from": str(f)}
            if v != "none": out["training"], out["train_seconds"] = r.get("training"), r.get("train_seconds")
            place(dest, out, f"{f} ({v})")


if __name__ == "__main__":
    main()
