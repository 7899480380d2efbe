#!/usr/bin/env python
"""Attention on a CPU, forward and backward: PyTorch's fused kernel against plain ops, over sequence lengths and head
layouts — the measurement behind `SHORT_SEQUENCE` (lesson 11b, `d2st_nb.frozen_blocks`).

Each case takes `q k v` `(b, heads, n, d)` out of one `qkv` tensor, as timm's `Attention` does, and times forward +
backward of `F.scaled_dot_product_attention` (the fused kernel) and of `softmax(q kᵀ / √d) v` in plain ops (timm's
form when `fused_attn` is off), alternating the two `--rounds` times and keeping each one's best median. Both
compute the same function (checked). Prints a table and the lengths where the plain ops were faster in every layout.

    python scripts/bench_attention.py                               # 3 layouts × 6 lengths, about 2 minutes on 2 cores
    python scripts/bench_attention.py --lengths 65 197 --json attention.json
"""
from __future__ import annotations

import argparse, json, statistics, time
from pathlib import Path

import torch
import torch.nn.functional as F

LAYOUTS = ("80x4x32", "16x12x64", "80x6x64")   # frames × heads × head width: the demo's ViT; ViT-B/16 on 2 videos; a wider small ViT
LENGTHS = (17, 50, 65, 101, 145, 197)


def plain_attention(q, k, v):
    return ((q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)).softmax(-1) @ v


def median_ms(f, reps: int) -> float:
    f()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return 1000 * statistics.median(out)


def case(b: int, heads: int, n: int, d: int, rounds: int, reps: int) -> dict:
    "Best median ms of each form (forward + backward) for one shape, and the check that both agree."
    gen = torch.Generator().manual_seed(0)
    qkv, g = torch.randn(b, n, 3, heads, d, generator=gen), torch.ones(b, heads, n, d)
    forms = {"fused": F.scaled_dot_product_attention, "plain": plain_attention}
    q, k, v = qkv[:2].permute(2, 0, 3, 1, 4).unbind(0)
    if not torch.allclose(forms["fused"](q, k, v), forms["plain"](q, k, v), atol=1e-5):
        raise SystemExit(f"bench_attention: the two forms disagree at {(b, heads, n, d)}")
    def run(f):
        x = qkv.detach().requires_grad_()
        f(*x.permute(2, 0, 3, 1, 4).unbind(0)).backward(g)
    times = {name: [] for name in forms}
    for _ in range(rounds):
        for name, f in forms.items(): times[name].append(median_ms(lambda: run(f), reps))
    best = {name: min(t) for name, t in times.items()}
    return {"fused_ms": round(best["fused"], 3), "plain_ms": round(best["plain"], 3),
            "plain_speedup": round(best["fused"] / best["plain"], 3)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layouts", nargs="+", default=list(LAYOUTS), help="frames x heads x head width, e.g. 80x4x32")
    ap.add_argument("--lengths", nargs="+", type=int, default=list(LENGTHS), help="tokens a frame")
    ap.add_argument("--rounds", type=int, default=3); ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    res = {"threads": a.threads, "rounds": a.rounds, "reps": a.reps, "cases": {}}
    for lay in a.layouts:
        b, heads, d = (int(x) for x in lay.split("x"))
        for n in a.lengths:
            r = res["cases"][f"{lay} n={n}"] = case(b, heads, n, d, a.rounds, a.reps)
            print(f"{lay:>9s}  {n:4d} tokens: fused {r['fused_ms']:8.2f} ms, plain {r['plain_ms']:8.2f} ms, "
                  f"{r['plain_speedup']:.2f}× for the plain ops", flush=True)
    res["plain_faster_in_every_layout"] = [n for n in a.lengths
                                           if all(res["cases"][f"{lay} n={n}"]["plain_speedup"] > 1 for lay in a.layouts)]
    print("the plain ops faster in every layout at:", res["plain_faster_in_every_layout"] or "no length", "tokens")
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
