#!/usr/bin/env python
"""Why the fixed temporal convolutions see little order: one factor at a time (`st_conv`'s kernel, who reads the convolutions).

The ablation (lesson 10) finds `st_conv` and `dst_conv` level with the plain adapter, and — with the ViT's temporal
embedding held at zero — near a coin toss within the twin pairs. A reading: both are *separable* filters. `st_conv`
convolves each patch over time alone (kernel 3 × 1 × 1); `dst_conv` averages that with a spatial 1 × 3 × 3 pathway.
Where an object moves through a patch, that patch sees it arrive and then leave whichever way it moves, so a filter
over time at one place cannot say which way it went; which way is in *where* the change is at each moment — a filter
oblique in space-time (a full 3 × 3 × 3 kernel, like D²ST's positional convolution; or DSTA's sampling, which moves
points in space and time at once).

This script changes that one thing: `st_conv` with a full 3 × 3 × 3 depthwise kernel instead of 3 × 1 × 1 (the
library's variant is not changed; the kernel is swapped in this process only), the rest of the `demo` recipe as it
is, the temporal embedding held at zero, scored on the VALIDATION classes:

    python scripts/conv_kernel_study.py --kernel 3 1 1 --seed 0 --out-dir runs/conv_kernel/311   # st_conv as it is
    python scripts/conv_kernel_study.py --kernel 3 3 3 --seed 0 --out-dir runs/conv_kernel/333
    python scripts/conv_kernel_study.py --kernel 3 1 1 --class-token-reads --seed 0 --out-dir runs/conv_kernel/311_cls

and, as a variant of the ablation (its test episodes, the temporal embedding kept, seeds 0-2), to compare with its
`plain` runs:

    python scripts/conv_kernel_study.py --kernel 3 1 1 --class-token-reads --temporal-embedding --eval-split test \
        --seed S --out-dir runs/conv_kernel/reads_te_test_sS

and, for `dst_conv` — which with the library's reader sees no order without the embedding, where `st_conv` with it
does — one factor: its class token reading both pathways' residual (the library's reader) or the temporal one's
alone (the spatial share left out), no temporal embedding, validation classes:

    python scripts/conv_kernel_study.py --dst-conv both --seed 0 --out-dir runs/conv_kernel/dst_reads_both
    python scripts/conv_kernel_study.py --dst-conv temporal --seed 0 --out-dir runs/conv_kernel/dst_reads_temporal

and, since `dst_conv` with the reader learned no order in seeds 1 and 2 there, one factor more on seed 1: the spatial
pathway's residual held at zero (the temporal one keeps its ½ and its initial weights):

    python scripts/conv_kernel_study.py --dst-conv spatial-off --seed 1 --out-dir runs/conv_kernel/dst_spatial_off_s1

and the ½ that the mean gives each residual, one factor: the residuals summed instead, with the spatial pathway held
at zero (against spatial-off) or kept (against both), seeds 1 and 2, and the latter on the test classes too:

    python scripts/conv_kernel_study.py --dst-conv temporal-whole --seed S --out-dir runs/conv_kernel/dst_temporal_whole_sS
    python scripts/conv_kernel_study.py --dst-conv both-summed --seed S --out-dir runs/conv_kernel/dst_both_summed_sS
    python scripts/conv_kernel_study.py --dst-conv both-summed --eval-split test --seed S --out-dir runs/conv_kernel/dst_both_summed_test_sS

Each writes `OUT/results.json` (as `d2st-train` does, with the kernel added) and prints the table.
"""
from __future__ import annotations
import argparse, json, sys
from pathlib import Path


def swap_mixer(kind: str, build):
    """Build every `kind` adapter of this process with the mixer `build(hidden)` in place of the library's, built anew
    after the adapter (so a run here draws other initial weights than the library's own variant would)."""
    from d2st_nb import adapter as A, backbones as B
    make = B.make_adapter
    def make_swapped(k, dim, *args, **kwargs):
        ad = make(k, dim, *args, **kwargs)
        if k == kind:
            ad.mixer = build(ad.hidden)
            A.set_fused(ad, ad.fused)
        return ad
    B.make_adapter = make_swapped


def use_kernel(kernel: tuple, class_token_reads: bool = False):
    """Build every `st_conv` adapter of this process with one depthwise pathway of `kernel` (T, H, W), 'same' padding.
    `class_token_reads`: the class token also adds its frame's mean of the convolution's residual (lesson 02's
    `ConvMix(prefix_reads=True)`, as in D²ST, where it is a query of each attention); by default, as in ST-Adapter, it
    passes the mixer untouched."""
    from d2st_nb.adapter import ConvMix
    swap_mixer("st_conv", lambda hidden: ConvMix(hidden, (tuple(kernel),), prefix_reads=class_token_reads))


DST_ARMS = ("both", "temporal", "spatial-off", "temporal-whole", "both-summed")


def use_dst_reader(arm: str = "both"):
    """Build every `dst_conv` adapter of this process with its class token reading the residual. `arm`: `'both'`, of
    both pathways (the library's `prefix_reads=True`); `'temporal'`, of the temporal (3 × 1 × 1) pathway alone — the
    spatial pathway's share left out, the temporal one at the ½ it has in the mean; `'spatial-off'`, the library's
    reader with the spatial (1 × 3 × 3) pathway's residual held at zero (its convolution replaced by zeros after the
    mixer is built, so the temporal one starts from the same weights), for the map and the class token alike;
    `'temporal-whole'`, as `'spatial-off'` but the residuals summed instead of averaged, so the temporal one enters
    the map and the class token whole, as `st_conv`'s does, instead of at ½ (one factor against `'spatial-off'`);
    `'both-summed'`, both pathways kept and their residuals summed instead of averaged (one factor against `'both'`)."""
    if arm not in DST_ARMS: raise ValueError(f"use_dst_reader: unknown arm {arm!r}; choose from {DST_ARMS}")
    import torch
    from torch import nn
    from einops import rearrange
    from d2st_nb.adapter import ConvMix

    class TemporalReader(ConvMix):
        def forward(self, x, prefix=None):                                 # x: b c t h w, prefix: b t p c
            outs = [conv(ln(x)) for ln, conv in zip(self.norms, self.convs)]
            if prefix is not None:
                prefix = prefix + rearrange(outs[-1].mean((3, 4)) / len(outs), "b c t -> b t 1 c")
            return self.act(x + torch.stack(outs).mean(0)), prefix

    class SumMix(ConvMix):                                                  # the residuals summed, not averaged
        def forward(self, x, prefix=None):
            res = torch.stack([conv(ln(x)) for ln, conv in zip(self.norms, self.convs)]).sum(0)
            if prefix is not None: prefix = prefix + rearrange(res.mean((3, 4)), "b c t -> b t 1 c")
            return self.act(x + res), prefix

    class Zeros(nn.Module):
        def forward(self, x): return torch.zeros_like(x)

    def build(hidden):
        kind = {"temporal": TemporalReader, "temporal-whole": SumMix, "both-summed": SumMix}.get(arm, ConvMix)
        m = kind(hidden, ((1, 3, 3), (3, 1, 1)), prefix_reads=True)
        if arm in ("spatial-off", "temporal-whole"): m.convs[0] = Zeros()
        return m

    swap_mixer("dst_conv", build)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", type=int, nargs=3, default=(3, 1, 1), help="st_conv's kernel (T H W), odd sizes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, help="default: the demo preset's")
    ap.add_argument("--class-token-reads", action="store_true", help="the class token adds its frame's mean of the conv residual")
    ap.add_argument("--temporal-embedding", action="store_true", help="keep the ViT's temporal embedding (default: held at zero)")
    ap.add_argument("--eval-split", default="val", help="the classes scored (default val; the ablation's episodes: test)")
    ap.add_argument("--dst-conv", choices=DST_ARMS, help="study dst_conv instead (its kernels as they are), its class "
                    "token reading the residual; the arms are those of use_dst_reader")
    ap.add_argument("--out-dir", required=True)
    a = ap.parse_args(argv)
    if any(k % 2 == 0 for k in a.kernel): raise SystemExit(f"conv_kernel_study: kernel sizes must be odd, got {a.kernel}")
    if a.dst_conv and (tuple(a.kernel) != (3, 1, 1) or a.class_token_reads):
        raise SystemExit("conv_kernel_study: --dst-conv keeps dst_conv's kernels and always reads; drop --kernel and --class-token-reads")
    if a.dst_conv: use_dst_reader(a.dst_conv)
    else: use_kernel(tuple(a.kernel), a.class_token_reads)
    from d2st_nb.recipes import config_for, results_table, run_training
    over = dict(adapter="dst_conv" if a.dst_conv else "st_conv", seed=a.seed, eval_split=a.eval_split, out_dir=a.out_dir, progress=False,
                model_kwargs={"temporal_embedding": bool(a.temporal_embedding)})
    if a.steps: over["steps"] = a.steps
    cfg = config_for("demo", **over)
    res = run_training(cfg)
    res["kernel"], res["class_token_reads"] = (None, {"dst_conv": a.dst_conv}) if a.dst_conv else (list(a.kernel), a.class_token_reads)
    res["command"] = " ".join(["python scripts/conv_kernel_study.py", *(sys.argv[1:] if argv is None else argv)])
    (Path(a.out_dir) / "results.json").write_text(json.dumps(res, indent=1, default=str))
    what = (f"dst_conv, class token reads {a.dst_conv} pathway(s)" if a.dst_conv else
            f"st_conv, kernel {tuple(a.kernel)}{', class token reads the map' if a.class_token_reads else ''}")
    print(f"{what}, seed {a.seed}, "
          f"{'with' if a.temporal_embedding else 'without'} the temporal embedding, {a.eval_split!r} classes:")
    print(results_table(res["models"]))


if __name__ == "__main__":
    main()
