#!/usr/bin/env python
"""A second, independent synthetic world of motion videos, to check that a recipe is not a property of one world.

What it is. Every clip shows a background of a random colour gradient overlaid with soft-edged random blocks, and
three objects drawn with numpy: a *mover* and a *partner* (each a textured blob, bar, ring, dot cluster or plus/T
glyph with a dark outline, random colours, texture and size) and a small *distractor* that wanders along a random
smooth path drawn from the same distribution in every class. A class is a PATH of the mover crossed with its
DYNAMICS (how its progress along the path runs in time):

  paths     line_<dir> for the 8 compass directions, circle_cw / circle_ccw (one full turn), zigzag_<n|s|e|w>,
            approach / retreat (the mover comes to touch the static partner / leaves it), merge / split (mover and
            partner come together from opposite sides and end on top of each other / start so and fly apart)
  dynamics  const (constant speed), accel (starts slow), decel (ends slow), stopgo (move, stand still, move)

In the classes without a relation the partner just stands somewhere, so every clip holds three objects. Playing a
clip backwards turns its path into the reverse path (line_ne <-> line_sw, circle_cw <-> circle_ccw, approach <->
retreat, merge <-> split) and its dynamics into the reverse dynamics (accel <-> decel; const and stopgo are their
own reverse), so every class has a distinct time-reversed twin (`REVERSE_OF`). Only the forward member of a pair is
rendered: clip j of the twin IS clip j of the forward class played backwards (same random numbers), so a model
blind to frame order cannot tell twins apart. The test (novel) and validation classes are twin pairs that never
straddle two splits, and they are held-out COMBINATIONS: each of their paths and dynamics occurs in some training
class (checked in `classes()`). Sizes differ from the bundled world too: 96 x 80 (w x h), 24 frames, 12 fps.

Why it exists. The training recipe of this project was tuned on the bundled world (`d2st_nb.synthetic`). This
generator shares no code, look, motion vocabulary or size with it, so a recipe that still works here is not a
property of that one world. It is not bundled and nothing reads it by default; tune NOTHING on its test classes
(not even which run to report): pick settings on the bundled world or on this world's validation split, then run
this world's test split once.

Use. Write the data (under a minute on one core), then train with the project's trainer:

    python scripts/second_world.py --out DIR [--seed 0] [--train-clips 40] [--eval-clips 16] [--size 96 80] [--frames 24]
    python scripts/second_world.py --list          # the classes per split and the twin pairs
    d2st-train --preset demo --data-root DIR --out-dir runs/second_world

Layout: DIR/<class>/<class>_<j>.mp4, DIR/splits/{train,val,test}.txt (one class a line), DIR/world.json (settings).
The demo crops 64 x 64 out of the frame resized to 77 x 64, so the motion is kept clear of the left and right edges.

How many training clips. The default is 40 a class, what the demo recipe needs here. It was first written with 10
(`--train-clips 10`; the validation and test clips are the same either way): with 10 the demo recipe fits the base
clips and transfers nothing, with the first-stage image model and with the moments-trained one (M1). With 40 and an
image model pre-trained to say where all objects are — M1, or the bundled two-stage model (lesson 05a) — it
transfers; with the first-stage model alone 40 clips are not enough (README, *Pre-training the image model on
clutter*).
Every clip is a pure function of (seed, class, clip index); `render` and `write` can be imported by a test.
"""
from __future__ import annotations
import argparse, colorsys, hashlib, json, os, sys, time
from pathlib import Path
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"): os.environ.setdefault(_v, "1")
import numpy as np

SIZE, FRAMES, FPS = (96, 80), 24, 12                   # (width, height), frames per clip
COMPASS = {"n": (0, -1), "ne": (1, -1), "e": (1, 0), "se": (1, 1), "s": (0, 1), "sw": (-1, 1), "w": (-1, 0), "nw": (-1, -1)}
PATH_PAIRS = (("line_n", "line_s"), ("line_ne", "line_sw"), ("line_e", "line_w"), ("line_se", "line_nw"),
              ("circle_cw", "circle_ccw"), ("zigzag_n", "zigzag_s"), ("zigzag_e", "zigzag_w"),
              ("approach", "retreat"), ("merge", "split"))       # (forward, backward) paths
DYNAMICS = ("const", "accel", "decel", "stopgo")
DYN_REVERSE = {"const": "const", "accel": "decel", "decel": "accel", "stopgo": "stopgo"}
PATH_REVERSE = {**{a: b for a, b in PATH_PAIRS}, **{b: a for a, b in PATH_PAIRS}}
FORWARD_PATHS = tuple(a for a, _ in PATH_PAIRS)
CLASSES = tuple(f"{p}_{d}" for pair in PATH_PAIRS for p in pair for d in DYNAMICS)          # 72 classes
REVERSE_OF = {f"{p}_{d}": f"{PATH_REVERSE[p]}_{DYN_REVERSE[d]}" for p in PATH_REVERSE for d in DYNAMICS}
# The forward member of each held-out twin pair; the rest (25 pairs, 50 classes) is for training.
TEST_PAIRS = ("line_ne_accel", "line_e_stopgo", "circle_cw_decel", "zigzag_n_const", "approach_accel", "merge_stopgo")
VAL_PAIRS = ("line_se_const", "line_n_decel", "circle_cw_stopgo", "zigzag_e_accel", "approach_const")

def parse(cls: str) -> tuple:
    "`(path, dynamics)` of a class name."
    path, dyn = cls.rsplit("_", 1)
    return path, dyn

def is_forward(cls: str) -> bool: return parse(cls)[0] in FORWARD_PATHS

def classes() -> dict:
    "Split -> class names; validation and test are closed under `REVERSE_OF` and are unseen combinations of seen primitives."
    test = [c for f in TEST_PAIRS for c in (f, REVERSE_OF[f])]
    val = [c for f in VAL_PAIRS for c in (f, REVERSE_OF[f])]
    train = [c for c in CLASSES if c not in test and c not in val]
    seen_paths, seen_dyns = {parse(c)[0] for c in train}, {parse(c)[1] for c in train}
    for c in test + val:
        assert parse(c)[0] in seen_paths and parse(c)[1] in seen_dyns, f"{c} uses a primitive no training class has"
    assert len(set(train) | set(val) | set(test)) == len(CLASSES) == len(train) + len(val) + len(test)
    return {"train": train, "val": val, "test": test}

def clip_seed(seed: int, cls: str, j: int) -> int:
    "Seed of clip `j` of `cls`: a twin uses its forward class's seed (its clip is that clip played backwards)."
    fwd = cls if is_forward(cls) else REVERSE_OF[cls]
    return int.from_bytes(hashlib.sha256(f"second_world/{seed}/{fwd}/{j}".encode()).digest()[:8], "little")

# ---- time: progress along the path in [0, 1] at clip times tau in [0, 1] ----
def progress(dyn: str, tau: np.ndarray) -> np.ndarray:
    if dyn == "const": return tau
    if dyn == "accel": return tau ** 2                     # backwards: 1 - (1 - tau)^2, i.e. decel
    if dyn == "decel": return 1 - (1 - tau) ** 2
    if dyn == "stopgo": return np.interp(tau, [0, .4, .6, 1], [0, .5, .5, 1])   # symmetric: its own reverse
    raise ValueError(dyn)

# ---- drawing: signed distances (negative inside, in pixels) turned into 1-px soft masks ----
def _colour(rng, s=(.55, 1), v=(.55, 1)) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(rng.uniform(), rng.uniform(*s), rng.uniform(*v)), np.float32)

def _box(px, py, hx, hy, rc=1.0):
    "Signed distance to a rounded rectangle of half-sizes (hx, hy) centred at the origin."
    qx, qy = np.abs(px) - hx + rc, np.abs(py) - hy + rc
    return np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - rc

def _make_object(rng, r: float, kind: str | None = None) -> dict:
    kind = kind or rng.choice(["blob", "bar", "ring", "dots", "glyph"])
    return dict(kind=kind, r=r, c1=_colour(rng), c2=_colour(rng), tex=rng.choice(["solid", "stripes", "checker"]),
                angle=rng.uniform(0, np.pi), period=rng.uniform(2.5, 4.5), harm=rng.uniform(0, .15, 2),
                phase=rng.uniform(0, 2 * np.pi, 2), dots=rng.uniform(0, 2 * np.pi) + np.arange(4) * np.pi / 2,
                tee=bool(rng.integers(2)))

def _sdf(o: dict, dx, dy):
    r, a = o["r"], o["angle"]
    px, py = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)    # object frame (fixed rotation)
    rho = np.hypot(dx, dy)
    if o["kind"] == "blob":                                # a circle whose radius wobbles with the angle
        th = np.arctan2(py, px)
        return rho - r * (1 + o["harm"][0] * np.cos(2 * th + o["phase"][0]) + o["harm"][1] * np.cos(3 * th + o["phase"][1]))
    if o["kind"] == "bar": return _box(px, py, 1.3 * r, .5 * r)
    if o["kind"] == "ring": return np.abs(rho - .72 * r) - .3 * r
    if o["kind"] == "dots":                                # four dots on a circle of radius 0.55 r
        return np.min([np.hypot(dx - .55 * r * np.cos(t), dy - .55 * r * np.sin(t)) - .45 * r for t in o["dots"]], 0)
    oy = -.7 * r if o["tee"] else 0.0                      # a plus sign, or a T (cross bar moved up)
    return np.minimum(_box(px, py - oy, 1.1 * r, .3 * r), _box(px, py, .3 * r, 1.1 * r))

def _draw(img, o: dict, cx: float, cy: float, xx, yy):
    "Draw object `o` centred at (cx, cy) into `img` (h w 3 float, in place): a dark outline, then the textured fill."
    R = int(1.6 * o["r"]) + 3                              # only the pixels near the object can change
    h, w = xx.shape
    win = (slice(max(int(cy) - R, 0), min(int(cy) + R + 1, h)), slice(max(int(cx) - R, 0), min(int(cx) + R + 1, w)))
    img, dx, dy = img[win], xx[win] - cx, yy[win] - cy     # img[win] is a view: drawing into it draws into the frame
    d = _sdf(o, dx, dy)
    img *= 1 - .75 * np.clip(1.7 - d, 0, 1)[..., None]     # outline: the shape grown by ~1.2 px, darkened
    fill = np.clip(.5 - d, 0, 1)[..., None]
    u = dx * np.cos(o["angle"]) + dy * np.sin(o["angle"])  # texture coordinates move with the object
    v = -dx * np.sin(o["angle"]) + dy * np.cos(o["angle"])
    k = 2 * np.pi / o["period"]
    t = {"solid": 0 * u, "stripes": np.sin(k * u), "checker": 2 * np.sin(k * u) * np.sin(k * v)}[o["tex"]]
    t = np.clip(.5 + t, 0, 1)[..., None]
    img[:] = img * (1 - fill) + (o["c1"] * (1 - t) + o["c2"] * t) * fill

def _background(rng, xx, yy) -> np.ndarray:
    "A linear gradient between two muted colours, overlaid with 3-7 half-transparent soft-edged blocks."
    h, w = xx.shape
    a = rng.uniform(0, 2 * np.pi)
    g = (xx * np.cos(a) + yy * np.sin(a)); g = (g - g.min()) / (g.max() - g.min())
    c0, c1 = _colour(rng, (.1, .5), (.3, .9)), _colour(rng, (.1, .5), (.3, .9))
    img = c0 * (1 - g[..., None]) + c1 * g[..., None]
    for _ in range(rng.integers(3, 8)):
        x0, y0 = rng.uniform(-.1 * w, w), rng.uniform(-.1 * h, h)
        x1, y1 = x0 + rng.uniform(.1, .5) * w, y0 + rng.uniform(.1, .5) * h
        m = (np.clip(xx - x0 + .5, 0, 1) * np.clip(x1 - xx + .5, 0, 1) * np.clip(yy - y0 + .5, 0, 1) * np.clip(y1 - yy + .5, 0, 1))
        img = img + .5 * m[..., None] * (np.clip(img.mean((0, 1)) + rng.uniform(-.25, .25, 3), 0, 1) - img)
    return img.astype(np.float32)

# ---- geometry: centres of the mover (and partner) in a box that keeps every object in the frame ----
def _unit(v): v = np.asarray(v, np.float64); return v / np.linalg.norm(v)

def _reach(u, bw, bh) -> float:
    "Longest segment along unit vector u that fits in a bw x bh box."
    return min(bw / abs(u[0]) if abs(u[0]) > 1e-9 else np.inf, bh / abs(u[1]) if abs(u[1]) > 1e-9 else np.inf)

def _mover_path(path: str, s: np.ndarray, rng, bw, bh, touch: float) -> tuple:
    """Centres (t, 2) of the mover and of the partner (None: it stands anywhere), in a frame with arbitrary origin,
    for the forward paths (backward paths are only ever made by reversing clips)."""
    kind, _, arg = path.partition("_")
    if kind == "line":
        u = _unit(COMPASS[arg])
        return s[:, None] * rng.uniform(.6, .9) * _reach(u, bw, bh) * u, None
    if kind == "circle":                                   # y points down, so a growing angle turns clockwise on screen
        R, th0 = rng.uniform(.3, .45) * min(bw, bh), rng.uniform(0, 2 * np.pi)
        th = th0 + (1 if arg == "cw" else -1) * 2 * np.pi * s
        return R * np.stack([np.cos(th), np.sin(th)], 1), None
    if kind == "zigzag":                                   # along u, swinging sideways twice (a triangle wave)
        u = _unit(COMPASS[arg]); side = np.array([-u[1], u[0]])
        L = rng.uniform(.6, .85) * _reach(u, bw, bh)
        amp = rng.choice([-1, 1]) * rng.uniform(.2, .3) * _reach(side, bw, bh)
        tri = 2 / np.pi * np.arcsin(np.sin(2 * np.pi * 2 * s))
        return s[:, None] * L * u + (tri * amp)[:, None] * side, None
    a = rng.uniform(0, 2 * np.pi)
    u = np.array([np.cos(a), np.sin(a)])
    D = rng.uniform(.7, 1) * _reach(u, bw, bh)
    if kind == "approach":                                 # partner at the origin; the mover stops `touch` away
        A = (D - (D - touch) * s)[:, None] * u
        return A, np.zeros_like(A)
    if kind == "merge":                                    # both come in from opposite sides and meet at the origin
        A = (D / 2 * (1 - s))[:, None] * u
        return A, -A
    raise ValueError(path)

def render(cls: str, clip_seed: int, size=SIZE, frames: int = FRAMES) -> np.ndarray:
    "Clip `clip_seed` of class `cls` as uint8 `t h w 3` (`size` = (width, height)); a backward class: its twin reversed."
    if cls not in REVERSE_OF: raise ValueError(f"unknown class {cls!r}")
    if not is_forward(cls): return np.ascontiguousarray(render(REVERSE_OF[cls], clip_seed, size, frames)[::-1])
    (W, H), rng = size, np.random.default_rng(clip_seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32) + .5     # pixel centres
    bg = _background(rng, xx, yy)
    path, dyn = parse(cls)
    r = rng.uniform(.065, .095, 2) * H                    # radii of the mover and the partner
    if path == "merge": r[1] = r[0]                       # the two cover each other exactly at the end
    mover, partner = _make_object(rng, r[0]), _make_object(rng, r[1])
    if path == "merge": partner = {**mover, **{k: partner[k] for k in ("c1", "c2", "tex")}}   # same shape, other colours
    # The box for centres: a radius (+2 px) from the top and bottom, and 12% of the width more from the sides
    # (the demo's 64-wide crop of the frame resized to 77 x 64 drops ~8% on each side).
    x0 = y0 = r.max() + 2
    x0 += .12 * W
    bw, bh, corner = W - 2 * x0, H - 2 * y0, np.array([x0, y0])
    s = progress(dyn, np.linspace(0, 1, frames))
    A, B = _mover_path(path, s, rng, bw, bh, touch=r.sum() + 1)
    pts = A if B is None else np.concatenate([A, B])      # the whole motion, put at a random spot inside the box
    lo, hi = pts.min(0), pts.max(0)
    shift = corner - lo + rng.uniform(0, 1, 2) * np.maximum([bw - (hi - lo)[0], bh - (hi - lo)[1]], 0)
    A = A + shift
    B = B + shift if B is not None else np.repeat((corner + rng.uniform(0, 1, 2) * [bw, bh])[None], frames, 0)  # a bystander
    # The distractor: a small object wandering on two random sinusoids (a time-reversible random path).
    dist = _make_object(rng, rng.uniform(.025, .035) * H)
    f, ph, amp = rng.uniform(.3, 1.2, (2, 2)), rng.uniform(0, 2 * np.pi, (2, 2)), rng.uniform(2, 6, (2, 2))
    t = np.arange(frames)[:, None] / frames
    C = corner + rng.uniform(0, 1, 2) * [bw, bh] + sum(amp[k] * np.cos(2 * np.pi * f[k] * t + ph[k]) for k in range(2))
    C = np.clip(C, corner, corner + [bw, bh])
    out = np.empty((frames, H, W, 3), np.uint8)
    for i in range(frames):
        img = bg.copy()
        for o, p in ((partner, B[i]), (mover, A[i]), (dist, C[i])): _draw(img, o, p[0], p[1], xx, yy)
        out[i] = np.round(np.clip(img, 0, 1) * 255)
    return out

def write(out, seed: int = 0, train_clips: int = 40, eval_clips: int = 16, size=SIZE, frames: int = FRAMES, fps: int = FPS) -> dict:
    "Write the dataset under `out` (see the module docstring); returns a summary dict."
    W, H = size
    if W % 2 or H % 2 or min(W, H) < 32 or frames < 2: raise ValueError(f"need even width and height >= 32 and >= 2 frames, got {size}, {frames}")
    import torch
    torch.set_num_threads(1)
    from d2st_nb.data import write_video                  # the project's deterministic PyAV writer (the only import from it)
    out, t0, n, splits = Path(out), time.perf_counter(), 0, classes()
    for split, names in splits.items():
        k = train_clips if split == "train" else eval_clips
        for c in names:
            for old in (out / c).glob(f"{c}_*.mp4"): old.unlink()      # no stale clips from an earlier, longer run
            for j in range(k):
                write_video(out / c / f"{c}_{j}.mp4", render(c, clip_seed(seed, c, j), size, frames), fps=fps)
                n += 1
    (out / "splits").mkdir(parents=True, exist_ok=True)
    for split, names in splits.items(): (out / "splits" / f"{split}.txt").write_text("\n".join(names) + "\n")
    pairs = sorted({tuple(sorted((c, r))) for c, r in REVERSE_OF.items()})     # the time-reversed twins (d2st_nb.data.twin_pairs)
    (out / "splits" / "twins.txt").write_text("".join(f"{a} {b}\n" for a, b in pairs))
    (out / "world.json").write_text(json.dumps(dict(generator="scripts/second_world.py", seed=seed, size=list(size), frames=frames,
                                                    fps=fps, train_clips=train_clips, eval_clips=eval_clips,
                                                    reverse_of=REVERSE_OF), indent=1))
    mb = sum(p.stat().st_size for p in out.rglob("*.mp4")) / 2 ** 20
    return dict(out=str(out), classes={k: len(v) for k, v in splits.items()}, clips=n, seconds=time.perf_counter() - t0, mb=mb)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="output folder (required unless --list)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-clips", type=int, default=40, help="clips per training class (10 in the first runs; 40 is what the demo recipe needs)")
    ap.add_argument("--eval-clips", type=int, default=16, help="clips per validation and test class")
    ap.add_argument("--size", type=int, nargs=2, default=list(SIZE), metavar=("W", "H"))
    ap.add_argument("--frames", type=int, default=FRAMES)
    ap.add_argument("--list", action="store_true", help="print the classes per split and the twin pairs, and exit")
    a = ap.parse_args(argv)
    if a.list:
        for split, names in classes().items():
            print(f"{split} ({len(names)}): {' '.join(names)}")
            print("  twins: " + ", ".join(f"{c} <-> {REVERSE_OF[c]}" for c in names if is_forward(c)))
        return 0
    if not a.out: ap.error("--out is required")
    r = write(a.out, a.seed, a.train_clips, a.eval_clips, tuple(a.size), a.frames)
    print(f"second_world: {r['classes']['train']}/{r['classes']['val']}/{r['classes']['test']} train/val/test classes, "
          f"{r['clips']} clips of {a.frames} frames at {a.size[0]}x{a.size[1]}, {r['seconds']:.1f} s, {r['mb']:.1f} MB -> {r['out']}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
