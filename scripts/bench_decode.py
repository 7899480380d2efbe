"""Decode throughput: a full decode of each video vs `read_frames` fetching the T frames one episode needs.

    python scripts/bench_decode.py                      # makes its own test videos in a temp dir
    python scripts/bench_decode.py path/to/video.webm   # a video file, or a folder of videos (searched recursively)
    python scripts/bench_decode.py DIR --frames 8 --repeats 5 --max-videos 20

For each video it prints
  full      frames/s decoding every frame (what reading a whole video costs),
  straight  T frames read by decoding from the start up to the last one needed (`read_frames(..., seek=False)`),
  seek      T frames read with seeking over the gaps (`read_frames`, the default),
and the speed-up seek / straight, for centre (evaluation) and random (training) frame indices. Frames/s for
straight and seek count the T frames delivered, so they are comparable to each other, not to `full`.
"""
import argparse, statistics, sys, tempfile, time
from pathlib import Path

import numpy as np
import torch

from d2st_nb.data import VIDEO_EXTS, frame_count, read_frames, sample_indices, write_video


def make_videos(out: Path, n: int, size: tuple, gops: tuple) -> list:
    "Textured, moving test videos: H.264 MP4 and VP8 WebM, one per key-frame interval."
    h, w = size
    rng = np.random.default_rng(0)
    tex = rng.integers(0, 256, (h + n, w + n, 3), dtype=np.uint8)
    tex = ((tex.astype(np.float32) + np.roll(tex, 1, 0) + np.roll(tex, 1, 1)) / 3).astype(np.uint8)   # some spatial detail
    frames = np.stack([tex[k : k + h, k : k + w] for k in range(n)])                               # a panning camera
    paths = []
    for gop in gops:
        for ext in (".mp4", ".webm"):
            paths.append(write_video(out / f"pan_{w}x{h}_{n}f_gop{gop}{ext}", frames, fps=30, gop=gop, crf=23))
    return paths


CLOCK = time.perf_counter


def timed(fn, repeats: int) -> float:
    "Median seconds of `repeats` calls."
    ts = []
    for _ in range(repeats):
        t0 = CLOCK(); fn(); ts.append(CLOCK() - t0)
    return statistics.median(ts)


def bench(path: Path, t: int, repeats: int, seed: int = 0) -> dict:
    n, how = frame_count(path)
    full = timed(lambda: read_frames(path, range(n), seek=False), max(1, repeats // 2))
    g = torch.Generator().manual_seed(seed)
    rows = {"path": path, "n": n, "how": how, "full_fps": n / full}
    for mode in ("centre", "random"):
        idx = [sample_indices(n, t, train=(mode == "random"), generator=g) for _ in range(repeats)]
        it = iter(idx * 2)
        straight = timed(lambda: read_frames(path, next(it), seek=False), repeats)
        it = iter(idx * 2)
        seek = timed(lambda: read_frames(path, next(it)), repeats)
        rows[mode] = (t / straight, t / seek, straight / seek)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", help="a video file or a folder of videos (default: make test videos)")
    ap.add_argument("--frames", type=int, default=8, help="T, frames sampled per video")
    ap.add_argument("--repeats", type=int, default=5, help="timed reads per video and mode (median reported)")
    ap.add_argument("--max-videos", type=int, default=10, help="at most this many videos of a folder")
    ap.add_argument("--length", type=int, default=300, help="frames of each generated video (10 s at 30 fps)")
    ap.add_argument("--size", type=int, nargs=2, default=(240, 320), metavar=("H", "W"), help="generated video size")
    ap.add_argument("--gops", type=int, nargs="+", default=(30, 250), help="key-frame intervals of the generated videos")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall time, or this process's CPU time (steadier on a busy machine)")
    a = ap.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if a.clock == "cpu" else time.perf_counter
    torch.set_num_threads(1)
    if a.path:
        p = Path(a.path)
        if not p.exists(): sys.exit(f"not found: {p}")
        paths = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.suffix.lower() in VIDEO_EXTS)[: a.max_videos]
        if not paths: sys.exit(f"no videos ({' '.join(VIDEO_EXTS)}) under {p}")
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory()
        print(f"writing test videos ({a.length} frames, {a.size[1]}x{a.size[0]}, key frame every {a.gops} frames) ...")
        paths = make_videos(Path(tmp.name), a.length, tuple(a.size), tuple(a.gops))
    print(f"T = {a.frames} frames per video, median of {a.repeats} reads ({a.clock} clock); frames/s of straight and seek count the T frames delivered\n")
    head = f"{'video':42} {'frames':>12} {'full f/s':>9} | {'centre: straight':>16} {'seek':>7} {'ratio':>6} | {'random: straight':>16} {'seek':>7} {'ratio':>6}"
    print(head); print("-" * len(head))
    ratios = []
    for p in paths:
        r = bench(p, a.frames, a.repeats)
        c, rd = r["centre"], r["random"]
        ratios += [c[2], rd[2]]
        print(f"{p.name[-42:]:42} {r['n']:>5} {r['how']:>6} {r['full_fps']:9.0f} | {c[0]:16.0f} {c[1]:7.0f} {c[2]:5.2f}x | {rd[0]:16.0f} {rd[1]:7.0f} {rd[2]:5.2f}x")
    print(f"\nseek / straight speed-up, geometric mean over videos and modes: {float(np.exp(np.mean(np.log(ratios)))):.2f}x")
    if tmp: tmp.cleanup()


if __name__ == "__main__":
    main()
