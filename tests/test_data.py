"""Lesson 04's checks that are tests rather than teaching: the benchmark lists that ship with the package, lists of
one's own through `splits_dir`, support and query never sharing a video, DataLoader workers drawing the same
episodes, and the readers of lesson 03a still importable from `d2st_nb.data`."""
import shutil

import numpy as np
import pytest
import torch
from torchvision.io import write_png

import d2st_nb.data, d2st_nb.video
from d2st_nb.data import (BENCHMARKS, benchmark_split, benchmark_split_file, make_episodes, make_split)
from d2st_nb.video import write_video


def grey_video(path, n, size=(32, 48), gop=12):
    "Frame k a flat grey of brightness 8k: a decoded frame tells its own index."
    return write_video(path, np.stack([np.full((*size, 3), 8 * (k % 32), np.uint8) for k in range(n)]), gop=gop)


def index_of(frames): return (frames.float().mean((1, 2, 3)) / 8).round().long().tolist()


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    "Lesson 04's small dataset: 6 classes of 4 MP4s of 12 … 24 frames with split files, and a 10-frame frame folder."
    tmp = tmp_path_factory.mktemp("data")
    fold = tmp / "frames_video"; fold.mkdir()
    for k in range(10): write_png(torch.full((3, 16, 16), 8 * k, dtype=torch.uint8), str(fold / f"{k:05d}.png"))
    ds = tmp / "ds"
    for c in range(6):
        for j in range(4): grey_video(ds / f"class{c}" / f"clip{j}.mp4", 12 + 4 * j, size=(32, 40))
    (ds / "splits").mkdir()
    (ds / "splits" / "train.txt").write_text("\n".join(f"class{c}" for c in range(5)) + "\n")
    (ds / "splits" / "test.txt").write_text("class5\n")
    return tmp


def test_data_keeps_the_readers_importable():
    for name in ("VIDEO_EXTS", "IMAGE_EXTS", "SEEK_GAP", "VIDEO_CODECS", "VideoReadError", "frame_count", "video_length",
                 "read_frames", "write_video"):
        assert getattr(d2st_nb.data, name) is getattr(d2st_nb.video, name) and name in d2st_nb.data.__all__, name
    from d2st_nb.data import _rgb_to_yuv420p                            # lesson 05's renderer imports it from here
    assert _rgb_to_yuv420p is d2st_nb.video._rgb_to_yuv420p


def test_benchmark_lists(tmp_path):
    "The benchmark lists ship with the package; with the videos absent, building the split names what is missing."
    for b in BENCHMARKS:
        assert len(benchmark_split_file(b, "train").read_text().splitlines()) > 1000, b
    fake = tmp_path / "hmdb"; (fake / "videos" / "brush_hair").mkdir(parents=True)
    with pytest.raises(Exception, match="not under"): benchmark_split(fake, "hmdb51", "test")
    hm = benchmark_split(fake, "hmdb51", "train", check_files=False)
    assert (len(hm), hm.classes[0]) == (31, "brush_hair")
    ss = benchmark_split(fake, "ssv2_small", "test", check_files=False)
    assert (len(ss), ss.classes[0], sum(len(v) for v in ss.videos)) == (24, "test0", 2400)
    with pytest.raises(Exception, match="unknown benchmark"): benchmark_split_file("ssv3")


def test_own_benchmark_lists(tmp):
    "An SSv2-style list of bare ids through `splits_dir`, its videos as `ROOT/<id>.webm` or frame folders `ROOT/<id>/`."
    mine, ss_root = tmp / "mylists" / "tiny_ssv2", tmp / "ssv2_root"
    for vid in (*range(100, 112), 113, 114, 115):
        write_video(ss_root / f"{vid}.webm", np.stack([np.full((32, 40, 3), 8 * k, np.uint8) for k in range(16)]))
    shutil.copytree(tmp / "frames_video", ss_root / "112")
    mine.mkdir(parents=True)
    (mine / "train_few_shot.txt").write_text("".join(f"train{(v - 100) // 4}//{v}\n" for v in range(100, 116)))
    tiny = make_split(ss_root, "train", benchmark="tiny_ssv2", splits_dir=tmp / "mylists")   # layout 'auto' → 'benchmark'
    assert tiny.classes == ["train0", "train1", "train2", "train3"]
    assert [p.name for p in tiny.videos[3]] == ["112", "113.webm", "114.webm", "115.webm"]  # a frame folder, then files
    e = make_episodes(ss_root, benchmark="tiny_ssv2", splits_dir=tmp / "mylists", way=3, shot=1, query=1, num_frames=4,
                      img_size=32)[0]
    assert e["support"].shape == (3, 4, 3, 32, 32)
    with pytest.raises(Exception, match="needs a benchmark name"): make_split(ss_root, "train", layout="benchmark")


def test_support_and_query_are_disjoint(tmp):
    "The clips of a class have different lengths, so their centre-sampled frame numbers identify them."
    plain = make_episodes(tmp / "ds", "train", way=3, shot=2, query=1, num_frames=4, img_size=32, train=False,
                          mean=(0, 0, 0), std=(1, 1, 1))
    def signature(video): return tuple(index_of((video.permute(0, 2, 3, 1) * 255).round()))
    assert len({signature(plain.load(p)) for p in plain.split.videos[0]}) == 4               # the four clips of a class differ
    for i in range(20):
        e = plain[i]
        for c in range(3):
            vids = [v for v, l in zip(e["support"], e["support_labels"]) if l == c] + \
                   [v for v, l in zip(e["query"], e["query_labels"]) if l == c]
            assert len({signature(v) for v in vids}) == 3                                      # K + Q different videos


def test_loader_workers_draw_the_same_episodes(tmp):
    from d2st_nb.evaluation import episode_loader
    eps = make_episodes(tmp / "ds", "train", way=3, shot=2, query=1, num_frames=4, img_size=32, seed=7)
    a = [e["support"] for e in episode_loader(eps, range(4), workers=0)]
    b = [e["support"] for e in episode_loader(eps, range(4), workers=2)]
    for x, y in zip(a, b): assert torch.equal(x, y)
