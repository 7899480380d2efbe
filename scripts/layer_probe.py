#!/usr/bin/env python
"""Where does the motion go? The frame-difference probe at every depth of the frozen image model, beside pixels.

`motion_probe.py` reads only the image model's final class token: on a world the model never saw, its frame-to-frame
differences can be at chance although the clips plainly move. This script asks where that motion is lost. For the
clips of one split (8 centre frames each) it reads the frozen model at every depth — the patch embedding (with its
position code) and the output of each block — in two ways:

  cls      the class token;
  grid     the patch tokens averaged over a 4 x 4 grid of cells (16 x C numbers: a coarse map of the frame);
           (both from `features_by_depth`, lesson 05a)

and scores each with the same hand-made motion feature as `motion_probe.py`, the change from each frame to the
next (`f[t+1] - f[t]`, no training), as 5-way 1-shot and 5-shot Bi-MHM accuracy (%, `--episodes` episodes of 3
queries a class) and 2-way accuracy within the time-reversed twin pairs. Two references need no image model:

  pixels8     the frame itself, averaged to 8 x 8 x 3 (what a layer linear in the pixels could keep);
  centroid    where the frame changes: the centre (x, y) of |frame[t+1] - frame[t]| (a hand-made motion detector;
              its differences say which way the changing part of the frame moves).

(The class token of the patch embedding is left out: it is the same in every frame. Block 4 is read before the
model's final norm, so its class token is close to, not the same as, `motion_probe.py`'s features.)

A depth whose scores fall to chance has lost the motion; an adapter after it can only get it back from the layers
before. Usage (defaults: the bundled world and image model, validation classes):

    python scripts/layer_probe.py [--root DIR] [--split val] [--image-root DIR] [--episodes 200] [--json OUT]
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path
import torch, torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).resolve().parent))
from motion_probe import accuracy, twin_accuracy                # the probe's episodes and scores, unchanged
from d2st_nb.data import VideoTransform, make_split, read_frames, sample_indices, twin_pairs, video_length
from d2st_nb.image_model import features_by_depth, load_image_model
from d2st_nb.synthetic import data_samples_dir, reverse_class


def centroid(x):
    "Clips `v t 3 h w` → `v (t-1) 2`: the centre (x, y) in [-1, 1] of the absolute change between consecutive frames."
    d = (x[:, 1:] - x[:, :-1]).abs().sum(2)                                   # v (t-1) h w
    m = d / d.sum((-1, -2), keepdim=True).clamp_min(1e-6)
    ys, xs = torch.linspace(-1, 1, d.shape[-2]), torch.linspace(-1, 1, d.shape[-1])
    return torch.stack([(m.sum(-2) * xs).sum(-1), (m.sum(-1) * ys).sum(-1)], -1)


@torch.no_grad()
def readouts(model, tf, root, split, num_frames: int = 8) -> tuple:
    "Per readout name, per class, the features `v t d` of every clip of `split` (see the module's docstring)."
    sp, out = make_split(root, split, "folders"), {}
    for vids in sp.videos:
        x = torch.stack([tf(read_frames(p, sample_indices(video_length(p), num_frames))) for p in vids])   # v t 3 h w
        v = len(x)
        for name, f in features_by_depth(model.backbone, x.flatten(0, 1)).items():     # lesson 05a: (v t) d a depth
            out.setdefault(name, []).append(f.reshape(v, num_frames, -1))
        out.setdefault("pixels8", []).append(F.adaptive_avg_pool2d(x.flatten(0, 1), 8).flatten(1).reshape(v, num_frames, -1))
        out.setdefault("centroid", []).append(centroid(x))
    return out, sp


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", help="dataset root (default: the bundled videos)")
    ap.add_argument("--split", default="val", choices=("train", "val", "test"), help="the classes to probe (choose on val)")
    ap.add_argument("--image-root", help="folder of the image model (image_model.json and its weights; default the bundled one)")
    ap.add_argument("--episodes", type=int, default=200); ap.add_argument("--json", help="also write the table here")
    a = ap.parse_args(argv)
    model = load_image_model(adapter="none", root=a.image_root).eval()
    tf = VideoTransform(size=model.data_config["input_size"][-1], mean=model.data_config["mean"], std=model.data_config["std"])
    root = Path(a.root) if a.root else data_samples_dir() / "videos"
    t0 = time.time()
    feats, sp = readouts(model, tf, root, a.split, model.num_frames)
    twins = twin_pairs(sp) or [(c, reverse_class(c)) for c in sp.classes if a.root is None]
    diff = lambda f: f[:, 1:] - f[:, :-1]
    rows = {}
    print(f"{'readout (frame differences)':34s} {'1-shot':>7s} {'5-shot':>7s} {'twin pairs':>11s}")
    for name, data in feats.items():
        r = {"1-shot": round(accuracy(diff, data, 1, a.episodes), 1), "5-shot": round(accuracy(diff, data, 5, a.episodes), 1),
             "twin pairs": round(twin_accuracy(diff, data, sp.classes, a.episodes // 8, twins), 1)}
        rows[name] = r
        print(f"{name:34s} {r['1-shot']:7.1f} {r['5-shot']:7.1f} {r['twin pairs']:11.1f}", flush=True)
    print(f"({time.time() - t0:.0f} s; chance 20 % 5-way, 50 % twin pairs)")
    if a.json:
        Path(a.json).write_text(json.dumps({"root": str(a.root or "bundled videos"), "split": a.split,
                                            "image_model": a.image_root or "bundled", "episodes": a.episodes,
                                            "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
