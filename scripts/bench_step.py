#!/usr/bin/env python
"""Steps per second of the demo's training against the code of an earlier commit, in the same run.

What it measures. The `demo` preset's training (bundled ViT, 64 px, 8 frames, 5-way 1-shot with one query: 10
videos a step), run the way `run_training` runs it — the episodes built and loaded as the config says (with the
current code, `cache_videos` decodes every training video up front and builds the episodes in the training
process), the model built from the seed, `Trainer.fit` — for `--steps` steps from step 0, in a fresh process per
measurement, so the baseline and the current code pay the same start-up. Two figures a side:

  run       seconds from building the episodes to the end of `fit` (decoding, the preload, every step), and the steps
            per second they give: what a training budget buys.
  compute   the median time of one `Trainer.train_step` on episodes built beforehand: the model's arithmetic and the
            optimiser alone.

The two sides alternate (`--rounds`), and the ratios are of medians over the rounds. The baseline is the package of
commit `--baseline` (`git archive`, into a temporary folder, reading the same `data_samples/`).

Same numbers. Each side also writes its first step's loss and every trainable parameter's gradient; the script
compares them (relative difference of each gradient, largest over the parameters; a gradient below 1e-3 of the
largest is measured against that) and fails when they differ by more than float32 rounding. The per-step log of a
side's run is kept, and the losses of the two sides' first `--steps` steps are compared the same way: rewrites that
only reorder float operations drift apart slowly over a run (printed, not failed).

    python scripts/bench_step.py                                # 100 steps, 3 rounds, against 9334568
    python scripts/bench_step.py --steps 1000 --rounds 1        # the whole demo run (about 8 minutes on 2 cores)
    python scripts/bench_step.py --baseline HEAD~3 --json bench_step.json
"""
from __future__ import annotations

import argparse, json, os, statistics, subprocess, sys, tempfile, time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "9334568"     # the last commit before the training-speed work (preload, keys-first attention)


def measure(steps: int, compute_steps: int, out: Path) -> dict:
    "One side's figures, with whatever `d2st_nb` is first on the path (run in a child process)."
    import torch
    from d2st_nb.recipes import build_episodes, build_model, config_for
    from d2st_nb.train import Trainer
    cfg = config_for("demo", steps=steps, ckpt_every=0, collapse_restarts=0, progress=False, out_dir=str(out / "run"))
    t0 = time.perf_counter()
    src = build_episodes(cfg, cfg.train_split, train=True)
    if cfg.cache_videos and hasattr(src, "preload"):            # as run_training does (absent in older code)
        src.preload(min(4, os.cpu_count() or 1) if cfg.workers else 0)
    torch.manual_seed(cfg.seed)
    trainer = Trainer(build_model(cfg, num_base_classes=len(src.classes)), src, cfg)
    trainer.fit()
    run_s = time.perf_counter() - t0
    losses = [r["loss"] for r in trainer.history if "loss" in r]

    eps = [src[i] for i in range(compute_steps + 1)]                 # compute: episodes built beforehand
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, num_base_classes=len(src.classes))
    tr = Trainer(model, eps, replace(cfg, out_dir=str(out / "compute")))
    first = tr.train_step([eps[0]])
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}
    torch.save({"loss": first["loss"], "grads": grads}, out / "first_step.pt")
    times = []
    for ep in eps[1:]:
        t = time.perf_counter(); tr.train_step([ep]); times.append(time.perf_counter() - t)
    return {"run_seconds": run_s, "steps": steps, "run_steps_per_s": steps / run_s, "losses": losses,
            "compute_step_s": statistics.median(times[1:] if len(times) > 2 else times), "threads": torch.get_num_threads()}


def baseline_package(rev: str, into: Path) -> Path:
    "The `d2st_nb` package of commit `rev`, written under `into`; an error naming the revision when git cannot give it."
    r = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "d2st_nb"], capture_output=True)
    if r.returncode: raise SystemExit(f"bench_step: cannot read d2st_nb/ at {rev!r} from the git history of {ROOT}: "
                                      f"{r.stderr.decode().strip()}")
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=r.stdout, check=True)
    return into


def run_side(path: Path | None, steps: int, compute_steps: int, out: Path, threads: int) -> dict:
    "`measure` in a fresh Python whose `d2st_nb` is the one under `path` (None: this checkout's)."
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "D2ST_DATA_SAMPLES": str(ROOT / "data_samples"), "OMP_NUM_THREADS": str(threads)}
    code = (f"import json, sys; sys.path.insert(0, {str(path or ROOT)!r}); sys.path.insert(1, {str(ROOT / 'scripts')!r})\n"
            "import torch; torch.set_num_threads(int(sys.argv[4]))\n"
            "import bench_step, d2st_nb; from pathlib import Path\n"
            "assert Path(d2st_nb.__file__).resolve().is_relative_to(Path(sys.argv[5]).resolve()), d2st_nb.__file__\n"
            "r = bench_step.measure(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))\n"
            "Path(sys.argv[3], 'figures.json').write_text(json.dumps(r))\n")
    p = subprocess.run([sys.executable, "-c", code, str(steps), str(compute_steps), str(out), str(threads), str(path or ROOT)],
                       env=env, capture_output=True, text=True, cwd=out)
    if p.returncode: raise SystemExit(f"bench_step: the {'baseline' if path else 'current'} side failed:\n{p.stderr[-3000:]}")
    return json.loads((out / "figures.json").read_text())


def largest_rel_diff(a: dict, b: dict, floor: float = 1e-3) -> float:
    """The largest `|a - b| / max(|b|, floor · largest |b|)` (norms) over the gradients both hold; the names must match.
    The floor keeps a gradient that is zero in exact arithmetic (DSTA's key biases: a shift shared by all keys leaves the
    softmax as it is), whose float32 value is rounding noise in either code, from counting as a difference of 100 %."""
    if set(a) != set(b): raise SystemExit(f"bench_step: the two sides train different parameters: {sorted(set(a) ^ set(b))[:5]}")
    top = max(float(v.norm()) for v in b.values())
    return max(float((a[k] - b[k]).norm()) / max(float(b[k].norm()), floor * top, 1e-12) for k in a)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default=BASELINE, help="the commit whose d2st_nb is the baseline (default %(default)s)")
    ap.add_argument("--steps", type=int, default=100, help="training steps of each run, from step 0")
    ap.add_argument("--compute-steps", type=int, default=20, help="train_step calls timed on pre-built episodes")
    ap.add_argument("--rounds", type=int, default=3, help="baseline/current pairs, alternated")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest relative gradient difference allowed")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args(argv)
    import torch
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_package(a.baseline, Path(tmp) / "baseline")
        figs = {"baseline": [], "current": []}
        for r in range(a.rounds):
            for side, path in (("baseline", base), ("current", None)):
                figs[side].append(run_side(path, a.steps, a.compute_steps, Path(tmp) / f"{side}{r}", a.threads))
                print(f"round {r + 1}: {side:8s} run {figs[side][-1]['run_seconds']:6.1f} s "
                      f"({figs[side][-1]['run_steps_per_s']:.2f} steps/s), compute {1000 * figs[side][-1]['compute_step_s']:.0f} ms a step", flush=True)
        fb, fc = (torch.load(Path(tmp) / f"{s}0" / "first_step.pt") for s in ("baseline", "current"))
        grad_diff, loss_diff = largest_rel_diff(fc["grads"], fb["grads"]), abs(fc["loss"] - fb["loss"])
    med = lambda side, k: statistics.median(f[k] for f in figs[side])
    lb, lc = figs["baseline"][0]["losses"], figs["current"][0]["losses"]
    res = {"baseline": a.baseline, "steps": a.steps, "rounds": a.rounds, "threads": a.threads,
           "run_seconds": {s: round(med(s, "run_seconds"), 2) for s in figs},
           "run_steps_per_s": {s: round(med(s, "run_steps_per_s"), 3) for s in figs},
           "compute_ms_per_step": {s: round(1000 * med(s, "compute_step_s"), 1) for s in figs},
           "first_step": {"loss_abs_diff": loss_diff, "largest_grad_rel_diff": grad_diff},
           "run_losses": {"steps_identical": sum(x == y for x, y in zip(lb, lc)),
                          "largest_abs_diff": max((abs(x - y) for x, y in zip(lb, lc)), default=0.0)}}
    res["run_speedup"] = round(res["run_steps_per_s"]["current"] / res["run_steps_per_s"]["baseline"], 3)
    res["compute_speedup"] = round(res["compute_ms_per_step"]["baseline"] / res["compute_ms_per_step"]["current"], 3)
    print(f"\n{'':10s}{'run s':>9s}{'steps/s':>9s}{'compute ms/step':>17s}")
    for s in figs: print(f"{s:10s}{res['run_seconds'][s]:9.1f}{res['run_steps_per_s'][s]:9.2f}{res['compute_ms_per_step'][s]:17.1f}")
    print(f"speed-up: run {res['run_speedup']:.2f}×, compute {res['compute_speedup']:.2f}× "
          f"(medians of {a.rounds} alternated round(s), {a.steps} steps from step 0, {a.threads} threads, baseline {a.baseline})")
    print(f"first step: loss differs by {loss_diff:.2e}, gradients by at most {grad_diff:.2e} (relative); "
          f"the run's losses: {res['run_losses']['steps_identical']} of {len(lb)} steps identical, "
          f"largest difference {res['run_losses']['largest_abs_diff']:.2e}")
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
    if grad_diff > a.tolerance or loss_diff > a.tolerance * max(1.0, abs(fb["loss"])):
        raise SystemExit(f"bench_step: the first step's gradients differ by {grad_diff:.2e} (loss by {loss_diff:.2e}), "
                         f"more than --tolerance {a.tolerance}: not the same computation")
    return res


if __name__ == "__main__":
    main()
