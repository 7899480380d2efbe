"""How much motion do the frozen image model's frame features hold, and can few-shot training find it?

Reads every clip of the base and novel splits once (8 centre frames), computes the frozen model's frame features
`v t c` (no adapter), then reports 5-way 1-shot and 5-shot Bi-MHM accuracy (%, `--episodes` episodes of 3
queries a class) on:

  raw         the frame features themselves (what the frozen baseline sees);
  difference  the change from each frame to the next, `f[t+1] − f[t]` (a hand-made motion feature: no training);
  residual    `f + conv(f)`, a residual temporal convolution over the frame features (kernel 3, zero-initialised,
              so it starts as `raw`, as an adapter starts as the frozen model), meta-trained with the few-shot loss
              on base-class episodes for `--steps` steps (`--lr`, `--logit-scale`);
  adapter     `f + up(GELU(x + conv(x)))`, `x = GELU(down(f))`: the same residual in an adapter's shape (bottleneck
              c/4, temporal convolution inside, `up` zero-initialised), meta-trained the same way;
  linear      `W f`, a learned linear map of the raw frame features (no temporal operation), meta-trained the same way;
  projected   `W (f[t+1] − f[t])`, a learned linear map of the differences (not residual: nothing of `raw` is
              kept), meta-trained the same way, on the same episodes.

The gap between `difference` and `raw` says whether the motion is in the features at all; `projected` says
whether the few-shot loss can find and sharpen it; `residual` whether it can while the frozen features stay in
the output, as they do in an adapted model. Usage (defaults: the bundled world and image model):

    python scripts/motion_probe.py [--root DIR] [--steps 1500] [--lr 3e-3] [--logit-scale 0.1] [--episodes 200]
                                   [--render N]   # N fresh clips per base class instead of the bundled 12
                                   [--start-spread S]  # render every clip afresh with this start spread (1: wide)
                                   [--split val]  # report on the validation classes (what recipes are chosen on)
                                   [--aux-weight W]  # the learners also fit an 80-class head on the frame mean
                                   [--learners adapter projected]
                                   [--image-root DIR]  # another image model (a folder with image_model.json)

`novel` in the table is the `--split` classes (default `test`, the novel ones; choose settings on `val`).
"""
from __future__ import annotations
import argparse, random, time
import torch, torch.nn as nn, torch.nn.functional as F
from d2st_nb.data import VideoTransform, make_split, read_frames, sample_indices, twin_pairs, video_length
from d2st_nb.fewshot import few_shot_logits
from d2st_nb.synthetic import data_samples_dir
from d2st_nb.image_model import load_image_model


def features(model, tf, root, split):
    "Per class: frozen frame features `v t c` of every clip (8 centre frames)."
    sp = make_split(root, split, "folders")
    out = []
    for vids in sp.videos:
        x = torch.stack([tf(read_frames(p, sample_indices(video_length(p), model.num_frames))) for p in vids])
        with torch.no_grad(): out.append(model(x))
    return out


def episode(data, shot, query, seed, with_classes=False):
    "Support, support labels, queries, query labels (and with `with_classes` the class indices) of a 5-way episode."
    r = random.Random(seed)
    cls = r.sample(range(len(data)), 5)
    s, q = [], []
    for c in cls:
        idx = r.sample(range(len(data[c])), shot + query)
        s += [data[c][i] for i in idx[:shot]]; q += [data[c][i] for i in idx[shot:]]
    out = torch.stack(s), torch.arange(5).repeat_interleave(shot), torch.stack(q), torch.arange(5).repeat_interleave(query)
    return (*out, cls) if with_classes else out


def shuffled(x, seed):
    "Clips `v t c` with the frames of each in its own random order (never the identity)."
    g, t = torch.Generator().manual_seed(seed), x.shape[1]
    perms = []
    for _ in range(len(x)):
        p = torch.randperm(t, generator=g)
        while torch.equal(p, torch.arange(t)): p = torch.randperm(t, generator=g)
        perms.append(p)
    return x[torch.arange(len(x))[:, None], torch.stack(perms)]


@torch.no_grad()
def accuracy(fn, data, shot, episodes, shuffle=False):
    "5-way accuracy (%) over `episodes` episodes of 3 queries a class; `shuffle`: query frames shuffled."
    accs = []
    for i in range(episodes):
        s, sl, q, ql = episode(data, shot, 3, 10**6 + i)
        if shuffle: q = shuffled(q, i)
        accs.append((few_shot_logits(fn(q), fn(s), sl, 5).argmax(1) == ql).float().mean().item())
    return 100 * sum(accs) / len(accs)


@torch.no_grad()
def twin_accuracy(fn, data, names, episodes, twins=None):
    """2-way 1-shot accuracy (%) between each class and its time-reversed twin, `episodes` episodes of 3 queries per pair.
    `twins`: the pairs of class names (a dataset's `splits/twins.txt`, `data.twin_pairs`); default the bundled world's."""
    if twins is None:
        from d2st_nb.synthetic import reverse_class
        twins = [(c, reverse_class(c)) for c in names]
    pairs = sorted({tuple(sorted((names.index(a), names.index(b)))) for a, b in twins if a in names and b in names})
    if not pairs: return float("nan")
    accs = []
    for a, b in pairs:
        for i in range(episodes):
            r = random.Random(10**6 + i)
            ia, ib = r.sample(range(len(data[a])), 4), r.sample(range(len(data[b])), 4)
            s = torch.stack([data[a][ia[0]], data[b][ib[0]]])
            q = torch.stack([data[a][j] for j in ia[1:]] + [data[b][j] for j in ib[1:]])
            ql = torch.arange(2).repeat_interleave(3)
            accs.append((few_shot_logits(fn(q), fn(s), torch.arange(2), 2).argmax(1) == ql).float().mean().item())
    return 100 * sum(accs) / len(accs)


def rendered_features(model, tf, clips: int, seed: int = 7, split: str = "train", start_spread=None):
    """Per class of `split` of the bundled world: frozen frame features of `clips` clips rendered afresh (clip seed
    `seed`; `start_spread` as in `render_clip`, default the bundled one)."""
    from d2st_nb.synthetic import SPLITS, FRAMES, START_SPREAD, clip_seed, render_clip
    idx = sample_indices(FRAMES, model.num_frames)
    sp = START_SPREAD if start_spread is None else start_spread
    out = []
    for cls in SPLITS[split]:
        x = torch.stack([tf(render_clip(cls, clip_seed(cls, j, seed), start_spread=sp)[idx]) for j in range(clips)])
        with torch.no_grad(): out.append(model(x))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", help="dataset root (default: the bundled videos)"); ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--lr", type=float, default=3e-3); ap.add_argument("--logit-scale", type=float, default=0.1)
    ap.add_argument("--episodes", type=int, default=200); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--render", type=int, metavar="N",
                    help="train on N clips per base class rendered afresh (bundled world only) instead of the base videos")
    ap.add_argument("--start-spread", type=float, metavar="S",
                    help="render every clip of the bundled world afresh with start spread S (1: starts anywhere in frame)")
    ap.add_argument("--split", default="test", choices=("val", "test"), help="the classes the table reports as 'novel'")
    ap.add_argument("--aux-weight", type=float, default=0.0,
                    help="weight of an auxiliary base-class head on each learner's frame mean (the demo's aux loss)")
    ap.add_argument("--learners", nargs="*", default=["residual", "adapter", "linear", "projected"],
                    choices=["residual", "adapter", "linear", "projected"])
    ap.add_argument("--image-root", help="folder of the image model to probe (image_model.json and its weights; default the bundled one)")
    a = ap.parse_args(argv)
    if (a.render or a.start_spread is not None) and a.root:
        ap.error("--render and --start-spread render the bundled world: they cannot be combined with --root")
    torch.manual_seed(a.seed)
    model = load_image_model(adapter="none", root=a.image_root).eval()
    tf = VideoTransform(size=model.data_config["input_size"][-1], mean=model.data_config["mean"], std=model.data_config["std"])
    root = a.root or data_samples_dir() / "videos"
    t0 = time.time()
    if a.start_spread is not None:
        base = rendered_features(model, tf, a.render or 12, seed=0, start_spread=a.start_spread)
        novel = rendered_features(model, tf, 16, seed=0, split=a.split, start_spread=a.start_spread)
    else:
        base = rendered_features(model, tf, a.render) if a.render else features(model, tf, root, "train")
        novel = features(model, tf, root, a.split)
    print(f"frozen features of {sum(map(len, base))} base and {sum(map(len, novel))} {a.split} clips in {time.time() - t0:.0f} s")
    u = F.normalize(torch.cat(base), dim=-1)                                # v t c, unit length
    print(f"unit-length base frame features: {(u - u.mean((0, 1))).norm(dim=-1).mean():.2f} from the mean of all frames, "
          f"{(u - u.mean(1, keepdim=True)).norm(dim=-1).mean():.2f} from their clip's mean, frame-to-frame steps "
          f"{(u[:, 1:] - u[:, :-1]).norm(dim=-1).mean():.2f}")
    c = base[0].shape[-1]
    conv, proj = nn.Conv1d(c, c, 3, padding=1), nn.Linear(c, c)
    nn.init.zeros_(conv.weight); nn.init.zeros_(conv.bias)
    difference = lambda f: f[:, 1:] - f[:, :-1]                             # v (t-1) c
    residual = lambda f: f + conv(f.transpose(1, 2)).transpose(1, 2)        # v t c
    projected = lambda f: proj(difference(f))                               # v (t-1) c
    linear = nn.Linear(c, c)                                                # v t c → v t c
    down, tconv, up = nn.Linear(c, c // 4), nn.Conv1d(c // 4, c // 4, 3, padding=1), nn.Linear(c // 4, c)
    nn.init.zeros_(up.weight); nn.init.zeros_(up.bias)
    def adapter(f):                                                         # v t c
        x = F.gelu(down(f))
        return f + up(F.gelu(x + tconv(x.transpose(1, 2)).transpose(1, 2)))
    learners = {"residual": (residual, list(conv.parameters())),
                "adapter": (adapter, [*down.parameters(), *tconv.parameters(), *up.parameters()]),
                "linear": (linear, list(linear.parameters())), "projected": (projected, list(proj.parameters()))}
    for name in a.learners:
        fn, params = learners[name]
        torch.manual_seed(a.seed)
        head = nn.Linear(c, len(base))                                      # the auxiliary base-class head (aux_weight > 0)
        opt = torch.optim.Adam(params + (list(head.parameters()) if a.aux_weight else []), a.lr)
        for step in range(a.steps):
            s, sl, q, ql, cls = episode(base, 1, 2, step, with_classes=True)
            hs, hq = fn(s), fn(q)
            loss = F.cross_entropy(a.logit_scale * few_shot_logits(hq, hs, sl, 5), ql)
            if a.aux_weight:
                ids = torch.tensor(cls + [k for k in cls for _ in range(2)])
                loss = loss + a.aux_weight * F.cross_entropy(head(torch.cat([hs, hq]).mean(1)), ids)
            opt.zero_grad(); loss.backward(); opt.step()
    feats = {"raw": lambda f: f, "difference": difference,
             **{f"{name} ({a.steps} steps)": learners[name][0] for name in a.learners}}
    from d2st_nb.synthetic import SPLITS
    names = list(SPLITS[a.split]) if a.root is None else make_split(root, a.split, "folders").classes
    twins = None if a.root is None else twin_pairs(make_split(root, a.split, "folders"))
    print(f"{'features':24s} {'base 1-shot':>12s} {a.split + ' 1-shot':>13s} {a.split + ' 5-shot':>13s} "
          f"{'shuffled 1-shot':>16s} {'twin pairs':>11s}")
    for name, fn in feats.items():
        print(f"{name:24s} {accuracy(fn, base, 1, a.episodes):12.1f} {accuracy(fn, novel, 1, a.episodes):13.1f} "
              f"{accuracy(fn, novel, 5, a.episodes):13.1f} {accuracy(fn, novel, 1, a.episodes, shuffle=True):16.1f} "
              f"{twin_accuracy(fn, novel, names, a.episodes // 4, twins):11.1f}")
    print(f"({time.time() - t0:.0f} s in all; chance 20 %)")


if __name__ == "__main__":
    main()
