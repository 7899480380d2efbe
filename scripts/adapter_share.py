#!/usr/bin/env python
"""How much of the stream does each adapter write? A diagnosis of a run that collapsed.

A ViT adapter adds its output to the frozen block's: `x + adapter(x)`. Healthy adapters change the stream by a
fraction of its size; collapsed ones (`training_health`, lesson 07a: the loss at the level of uniform logits)
can swamp it, so every video comes out alike. For each checkpoint, on the videos of one test episode (support and
query), this prints every adapter's `|output - input| / |input|` (token norms, averaged) and how far the clips'
features lie from their mean, relative to their size (near 0: every video alike). Usage:

    python scripts/adapter_share.py RUN/last.pt [RUN2/last.pt ...] [--split test] [--episode 0]
"""
from __future__ import annotations
import argparse
import torch
from d2st_nb.recipes import build_episodes, model_from_checkpoint


@torch.no_grad()
def adapter_share(model, videos) -> dict:
    "Per adapter the mean token norm of `output - input` over that of `input`, and the spread of the clip features."
    shares = []
    hooks = [ad.register_forward_hook(lambda m, i, o: shares.append(float((o - i[0]).norm(dim=-1).mean() / i[0].norm(dim=-1).mean())))
             for ad in model.adapters]
    try: f = model(videos).mean(1)                                                # b c: each clip's mean frame feature
    finally:
        for h in hooks: h.remove()
    return {"shares": shares, "spread": float((f - f.mean(0)).norm(dim=-1).mean() / f.norm(dim=-1).mean())}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+"); ap.add_argument("--split", default="test")
    ap.add_argument("--episode", type=int, default=0)
    a = ap.parse_args(argv)
    for ck in a.checkpoints:
        model, cfg = model_from_checkpoint(ck)[:2]
        ep = build_episodes(cfg, a.split, query=cfg.eval_query, seed=cfg.eval_seed)[a.episode]
        r = adapter_share(model.eval(), torch.cat([ep["support"], ep["query"]]))
        print(f"{ck}: adapter output / input per block " + " ".join(f"{s:.2f}" for s in r["shares"])
              + f"; clip features' spread {r['spread']:.2f}")


if __name__ == "__main__":
    main()
