#!/usr/bin/env python
"""Collect `d2st-train` runs into one results file: each run's config values that differ between the runs, its
training curve (mean base-episode accuracy and loss per block of steps, from `log.jsonl`) and, when it finished,
its evaluation (`results.json`, per-episode lists dropped). A run stopped early keeps its curve and says how far it
got. Used for the files in nbs/results/ that lessons draw from:

    python scripts/summarize_runs.py RUN_DIR [RUN_DIR ...] --out nbs/results/FILE.json --about "what these runs are"
        [--command "the command behind each run, {dir} for its folder"] [--block 50]
"""
from __future__ import annotations
import argparse, json
from pathlib import Path


def curve(log: Path, block: int) -> list:
    "Mean training accuracy (%) and loss per `block` steps, from a run's log.jsonl."
    rows = [json.loads(l) for l in log.read_text().splitlines() if l.strip()]
    rows = [r for r in rows if "acc" in r and "loss" in r]
    out = []
    for a in range(0, len(rows), block):
        b = rows[a:a + block]
        out.append({"steps": [b[0]["step"], b[-1]["step"]], "acc": round(sum(r["acc"] for r in b) / len(b), 2),
                    "loss": round(sum(r["loss"] for r in b) / len(b), 4)})
    return out


def summarize(run: Path, block: int) -> dict:
    res = run / "results.json"
    out = {"dir": run.name}
    if res.is_file():
        r = json.loads(res.read_text())
        out["config"] = r["config"]; out["train_seconds"] = r.get("train_seconds")
        out["models"] = {m: {"trainable": v.get("trainable"),
                             "eval": {k: {"acc": round(e["acc"], 2), "ci95": round(e["ci95"], 2)} for k, e in v["eval"].items()}}
                         for m, v in r["models"].items()}
    else:
        import torch                                                   # an unfinished run: its config from the checkpoint
        ck = run / "last.pt"
        out["config"] = torch.load(ck, map_location="cpu", weights_only=False)["config"] if ck.is_file() else {}
        out["stopped"] = "stopped by hand before the end (see the curve)"
    if (run / "log.jsonl").is_file():
        out["curve"] = curve(run / "log.jsonl", block)
        out["steps_done"] = out["curve"][-1]["steps"][1] + 1 if out["curve"] else 0
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+"); ap.add_argument("--out", required=True); ap.add_argument("--about", default="")
    ap.add_argument("--command", default=""); ap.add_argument("--block", type=int, default=50)
    a = ap.parse_args(argv)
    runs = [summarize(Path(r), a.block) for r in a.runs]
    cfgs = [r["config"] for r in runs if r.get("config")]
    keys = sorted({k for c in cfgs for k in c if len({json.dumps(x.get(k)) for x in cfgs}) > 1} - {"out_dir"})
    for r in runs:
        r["differs"] = {k: r.get("config", {}).get(k) for k in keys}
        if a.command: r["command"] = a.command.format(dir=r["dir"], **r["differs"])
    common = {k: v for k, v in (cfgs[0] if cfgs else {}).items() if k not in keys and k != "out_dir"}
    for r in runs: r.pop("config", None)
    Path(a.out).write_text(json.dumps({"about": a.about, "common_config": common, "runs": runs}, indent=1) + "\n")
    for r in runs:
        last = r["curve"][-1] if r.get("curve") else {}
        ev = next(iter(r.get("models", {}).values()), {}).get("eval", {})
        print(r["dir"], r["differs"], f"steps {r.get('steps_done')}", f"last train acc {last.get('acc')}",
              {k: v["acc"] for k, v in ev.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
