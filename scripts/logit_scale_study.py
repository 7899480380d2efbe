"""Does the logit scale change what few-shot training learns? A cheap study on the bundled world, several seeds.

For a *fixed* model the scale cannot change an accuracy (the arg-max of `s · logits` is that of `logits` for any
`s > 0`); it changes the loss, hence the gradients, hence the model that training ends with. This script measures
that on something cheap: the frozen bundled image model's frame features (8 centre frames per clip, computed
once) and, on top of them, the adapter-shaped residual learner of `scripts/motion_probe.py` (`f + up(GELU(x +
conv(x)))`, `x = GELU(down(f))`, bottleneck c/4, a temporal convolution inside, `up` zero-initialised so that it
starts as the frozen features), meta-trained with the Bi-MHM few-shot loss `CE(scale · logits)` on 5-way 1-shot
base-class episodes (2 queries a class, Adam), plus `0.5 ×` an auxiliary base-class cross-entropy on each clip's
frame mean as in the `demo` preset (`--aux-weight`) — once per scale and seed, the seed setting the learner's
initialisation and its training episodes. Every run is tested on the same 5-way 1-shot episodes of the novel
classes (3 queries a class) and on 2-way episodes within each novel twin pair, and the spread of its training
logits (the standard deviation of a query's 5 logits, lesson 08) over its last 100 steps is recorded.

The scales tried: 1 (the paper's raw −D), 1/T = 1/8 (lesson 06's rule for T = 8 frames), 0.1 (the `demo`
preset), and others around them. It is a proxy, not the adapters inside the backbone (lesson 08's spread
experiment trains those): the features are frozen and only a residual on top of them learns.

    python scripts/logit_scale_study.py                       # writes nbs/results/logit_scale.json (~5 min, 2 cores)
    python scripts/logit_scale_study.py --seeds 0 1 --steps 300 --out /tmp/quick.json
"""
from __future__ import annotations
import argparse, json, math, random, statistics, sys, time
from pathlib import Path
import torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from motion_probe import accuracy, episode, features, twin_accuracy  # noqa: E402
from d2st_nb.data import VideoTransform  # noqa: E402
from d2st_nb.fewshot import few_shot_logits  # noqa: E402
from d2st_nb.synthetic import SPLITS, data_samples_dir  # noqa: E402
from d2st_nb.image_model import load_image_model  # noqa: E402

SCALES = (2.0, 1.0, 0.5, 0.25, 0.125, 0.1, 0.05, 0.025)


def learner(c: int, seed: int):
    "The adapter-shaped residual of `motion_probe.py` (identity at the start), and its parameters."
    torch.manual_seed(seed)
    down, tconv, up = nn.Linear(c, c // 4), nn.Conv1d(c // 4, c // 4, 3, padding=1), nn.Linear(c // 4, c)
    nn.init.zeros_(up.weight); nn.init.zeros_(up.bias)
    def fn(f):                                                              # v t c → v t c
        x = F.gelu(down(f))
        return f + up(F.gelu(x + tconv(x.transpose(1, 2)).transpose(1, 2)))
    return fn, [*down.parameters(), *tconv.parameters(), *up.parameters()]


def train(base, scale: float, seed: int, steps: int, lr: float, aux_weight: float):
    """Meta-train one learner at `scale` (with `aux_weight` × an auxiliary base-class head on each clip's frame mean, as
    the `demo` preset has); the learner and the spread of its training logits over the last 100 steps."""
    c = base[0].shape[-1]
    fn, params = learner(c, seed)
    head = nn.Linear(c, len(base))
    opt = torch.optim.Adam(params + (list(head.parameters()) if aux_weight else []), lr)
    spreads = []
    for step in range(steps):
        s, sl, q, ql, cls = episode(base, 1, 2, seed * 1_000_003 + step, with_classes=True)
        hs, hq = fn(s), fn(q)
        logits = few_shot_logits(hq, hs, sl, 5)
        loss = F.cross_entropy(scale * logits, ql)
        if aux_weight:
            ids = torch.tensor(cls + [k for k in cls for _ in range(2)])
            loss = loss + aux_weight * F.cross_entropy(head(torch.cat([hs, hq]).mean(1)), ids)
        opt.zero_grad(); loss.backward(); opt.step()
        if step >= steps - 100: spreads.append(logits.detach().std(1).mean().item())
    return fn, sum(spreads) / len(spreads)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", type=float, nargs="*", default=list(SCALES))
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    ap.add_argument("--steps", type=int, default=1500); ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--aux-weight", type=float, default=0.5, help="weight of the auxiliary base-class loss (demo: 0.5)")
    ap.add_argument("--episodes", type=int, default=200, help="test episodes per run (the same for every run)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "nbs" / "results" / "logit_scale.json"))
    a = ap.parse_args(argv)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    t0 = time.time()
    model = load_image_model(adapter="none").eval()
    tf = VideoTransform(size=model.data_config["input_size"][-1], mean=model.data_config["mean"], std=model.data_config["std"])
    root = data_samples_dir() / "videos"
    base, novel = features(model, tf, root, "train"), features(model, tf, root, "test")
    names = list(SPLITS["test"])
    print(f"frozen features of {sum(map(len, base))} base and {sum(map(len, novel))} novel clips in {time.time() - t0:.0f} s", flush=True)
    ident = lambda f: f
    frozen = {"novel 1-shot": accuracy(ident, novel, 1, a.episodes), "twin pairs": twin_accuracy(ident, novel, names, a.episodes // 4)}
    runs = []
    for scale in a.scales:
        for seed in a.seeds:
            fn, spread = train(base, scale, seed, a.steps, a.lr, a.aux_weight)
            r = {"scale": scale, "seed": seed, "train_spread": round(spread, 4),
                 "novel 1-shot": accuracy(fn, novel, 1, a.episodes), "twin pairs": twin_accuracy(fn, novel, names, a.episodes // 4)}
            runs.append(r)
            print(f"scale {scale:<6g} seed {seed}: novel 1-shot {r['novel 1-shot']:5.1f} %  twin pairs {r['twin pairs']:5.1f} %  "
                  f"training spread {spread:.3f}   ({time.time() - t0:.0f} s)", flush=True)
    out = {"what": "frozen bundled frame features + an adapter-shaped residual learner, meta-trained at each logit scale "
                   "(scripts/logit_scale_study.py)",
           "command": "python scripts/logit_scale_study.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "num_frames": model.num_frames, "way": 5, "steps": a.steps, "lr": a.lr, "aux_weight": a.aux_weight, "episodes": a.episodes,
           "twin_episodes_per_pair": a.episodes // 4, "chance": {"novel 1-shot": 20.0, "twin pairs": 50.0},
           "frozen": frozen, "runs": runs, "seconds": round(time.time() - t0)}
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"{'scale':>7s} {'novel 1-shot':>16s} {'twin pairs':>16s}   (mean ± sd over seeds; frozen features: "
          f"{frozen['novel 1-shot']:.1f} / {frozen['twin pairs']:.1f}, chance 20 / 50)")
    for scale in a.scales:
        rs = [r for r in runs if r["scale"] == scale]
        ms = {k: (statistics.mean(r[k] for r in rs), statistics.pstdev(r[k] for r in rs)) for k in ("novel 1-shot", "twin pairs")}
        print(f"{scale:7g} " + " ".join(f"{m:9.1f} ± {s:4.1f}" for m, s in ms.values()))
    print(f"results: {a.out} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
