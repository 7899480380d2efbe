#!/usr/bin/env python
"""The reversal test (lesson 08's `evaluate_reversal`) on trained checkpoints and on the frozen model.

Each class of the test split against its own clips played backwards, 2-way 1-shot: an order-blind model scores what
it scores with nothing reversed (about 50 %); what a model gains over that is frame order alone. Usage:

    python scripts/reversal_test.py --out nbs/results/reversal_test.json \\
        d2st=runs/demo/last.pt d2st=runs/demo_seed1/last.pt plain=runs/ablation_long/plain/seed0/last.pt ...

Each `name=checkpoint` is evaluated with the config saved in it (its test split, `twin_episodes` episodes a class,
`eval_query` queries a side, `eval_seed`); the frozen image model of the first checkpoint's config is added as
`none`, and each model also on the same episodes with nothing reversed (`backwards=False`, the control) and,
for a ViT, with its learned temporal embedding (one vector per frame position, added before the first block) set
to zero: what the model knows of order without it.
"""
from __future__ import annotations
import argparse, json, sys, time
from dataclasses import replace
from pathlib import Path
import torch
from d2st_nb.recipes import build_model, evaluate_reversal, model_from_checkpoint


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", metavar="NAME=CHECKPOINT")
    ap.add_argument("--out", required=True, help="the results JSON to write")
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    out, first = {"command": "python scripts/reversal_test.py " + " ".join(argv or sys.argv[1:]), "models": {}}, None
    for spec in a.runs:
        name, _, ckpt = spec.partition("=")
        if not ckpt: ap.error(f"{spec!r}: give NAME=CHECKPOINT")
        t0 = time.time()
        model, cfg = model_from_checkpoint(ckpt)
        cfg = replace(cfg, workers=a.workers, device="cpu")
        first = first or cfg
        r, same = evaluate_reversal(model, cfg), evaluate_reversal(model, cfg, backwards=False)
        row = {"checkpoint": ckpt, "seed": cfg.seed, "reversal": r, "nothing_reversed": same}
        if hasattr(model, "temporal_embedding"):
            with torch.no_grad(): model.temporal_embedding.zero_()
            row["reversal_without_temporal_embedding"] = evaluate_reversal(model, cfg)
        out["models"].setdefault(name, []).append(row)
        print(f"{name:14s} seed {cfg.seed}: reversal {r['acc']:5.1f} ± {r['ci95']:.1f} %, nothing reversed {same['acc']:5.1f} %"
              + (f", without the temporal embedding {row['reversal_without_temporal_embedding']['acc']:5.1f} %"
                 if "reversal_without_temporal_embedding" in row else "") + f" ({time.time() - t0:.0f} s)", flush=True)
    frozen = build_model(first, adapter="none")
    r, same = evaluate_reversal(frozen, first), evaluate_reversal(frozen, first, backwards=False)
    out["models"]["none"] = [{"checkpoint": None, "seed": None, "reversal": r, "nothing_reversed": same}]
    print(f"{'none':14s}       : reversal {r['acc']:5.1f} ± {r['ci95']:.1f} %, nothing reversed {same['acc']:5.1f} %")
    Path(a.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
