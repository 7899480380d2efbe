"""Bad videos are found before anything trains: `d2st-train` on a copy of a few bundled classes with bad files planted
(truncated, empty, random bytes, text, header-only, shorter than --num-frames), with and without --skip-bad, and a class
that is too small once its bad files are left out."""
import os, shutil, subprocess, sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples" / "videos"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="no bundled videos")
TINY = ["--preset", "demo", "--steps", "2", "--num-frames", "4", "--eval-shots", "1", "--eval-episodes", "2",
        "--eval-query", "1", "--compare-with", "", "--no-eval-shuffled", "--twin-episodes", "0", "--workers", "0",
        "--device", "cpu", "--no-progress"]


def small_copy(dst: Path) -> Path:
    "Five base and five novel classes of the bundled world, with their split lists."
    splits = {s: (SAMPLES / "splits" / f"{s}.txt").read_text().split()[:5] for s in ("train", "test")}
    (dst / "splits").mkdir(parents=True)
    for s, classes in splits.items():
        (dst / "splits" / f"{s}.txt").write_text("\n".join(classes) + "\n")
        for c in classes: shutil.copytree(SAMPLES / c, dst / c)
    return dst


def plant(root: Path) -> list:
    "The five bad files of the issue: three in the first base class, two in the first novel class."
    base = (root / "splits" / "train.txt").read_text().split()[0]
    novel = (root / "splits" / "test.txt").read_text().split()[0]
    good = sorted((root / base).glob("*.mp4"))[0].read_bytes()
    files = {root / base / "truncated.mp4": good[: len(good) // 2], root / base / "empty.mp4": b"",
             root / base / "noise.mp4": np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes(),
             root / novel / "text.mp4": b"this is not a video\n", root / novel / "header.mp4": good[:600]}
    for p, b in files.items(): p.write_bytes(b)
    return sorted(files)


def train(root, out, *extra, cache):
    env = {**os.environ, "D2ST_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "d2st_nb.recipes", *TINY, "--data-root", str(root), "--out-dir", str(out), *extra],
                          capture_output=True, text=True, env=env, timeout=600)


def test_bad_files_named_before_training(tmp_path):
    root = small_copy(tmp_path / "data"); bad = plant(root)
    r = train(root, tmp_path / "strict", cache=tmp_path / "cache")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "5 of the" in r.stderr and "--skip-bad" in r.stderr, r.stderr
    for p in bad: assert p.name in r.stderr, (p.name, r.stderr)             # every bad file, in one message
    assert not (tmp_path / "strict" / "last.pt").exists()                      # nothing trained

    r = train(root, tmp_path / "lenient", "--skip-bad", cache=tmp_path / "cache")
    assert r.returncode == 0, r.stdout + r.stderr
    warned = [l for l in r.stderr.splitlines() if "leaving out a bad video" in l]
    assert len(warned) == 5 and all(any(p.name in l for l in warned) for p in bad), r.stderr
    assert "left out 5 bad video(s)" in r.stderr and "skipping a bad video" not in r.stderr, r.stderr
    assert (tmp_path / "lenient" / "results.json").is_file()
    assert (tmp_path / "cache" / "preflight.json").is_file()                   # the second run decoded nothing new
    assert "(0 decoded now" in r.stderr, r.stderr


def test_class_too_small_after_skipping(tmp_path):
    root = small_copy(tmp_path / "data")
    novel = (root / "splits" / "test.txt").read_text().split()[0]
    for p in sorted((root / novel).glob("*.mp4"))[1:]: p.unlink()              # one good video left
    (root / novel / "text.mp4").write_text("not a video")
    r = train(root, tmp_path / "run", "--skip-bad", cache=tmp_path / "cache")
    assert r.returncode == 1, r.stdout + r.stderr
    assert novel in r.stderr and "after leaving out the bad videos" in r.stderr, r.stderr
    assert not (tmp_path / "run" / "last.pt").exists()


def test_eval_checks_first(tmp_path):
    "`d2st-eval` checks the split it evaluates: the two bad novel-class files, named before any model is built."
    root = small_copy(tmp_path / "data"); plant(root)
    env = {**os.environ, "D2ST_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-c", "from d2st_nb.recipes import eval_cli; raise SystemExit(eval_cli())",
                        "--preset", "demo", "--adapter", "none", "--eval-shots", "1", "--eval-episodes", "1", "--twin-episodes", "0",
                        "--workers", "0", "--device", "cpu", "--no-progress", "--data-root", str(root)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 1 and "2 of the" in r.stderr and "text.mp4" in r.stderr and "header.mp4" in r.stderr, r.stderr
    assert "noise.mp4" not in r.stderr                                          # a base-class file: not this command's


def test_short_video(tmp_path):
    "A video with fewer frames than --num-frames is a bad file too: its clip would repeat frames (play slower than its class)."
    from d2st_nb.video import write_video
    root = small_copy(tmp_path / "data")
    base = (root / "splits" / "train.txt").read_text().split()[0]
    write_video(root / base / "short.mp4", np.stack([np.full((64, 64, 3), 40 * k, np.uint8) for k in range(3)]))
    r = train(root, tmp_path / "strict", cache=tmp_path / "cache")
    assert r.returncode == 1 and "1 of the" in r.stderr, r.stdout + r.stderr
    assert "short.mp4" in r.stderr and "3 frames, fewer than the 4" in r.stderr, r.stderr
    assert not (tmp_path / "strict" / "last.pt").exists()
    r = train(root, tmp_path / "lenient", "--skip-bad", cache=tmp_path / "cache")
    assert r.returncode == 0 and "left out 1 bad video(s)" in r.stderr, r.stdout + r.stderr
    r = train(root, tmp_path / "three", "--num-frames", "3", cache=tmp_path / "cache")   # a 3-frame clip: it is long enough
    assert r.returncode == 0, r.stdout + r.stderr
