"""The independent motion world (scripts/second_world.py): twins are exact reversals, splits hold unseen
combinations of seen primitives, clips are deterministic and the written dataset passes `d2st-data check`."""
from __future__ import annotations

import numpy as np

from script_module import load_script

sw = load_script("second_world")


def test_splits_are_closed_under_reversal_and_disjoint():
    sp = sw.classes()
    assert sorted(sum(sp.values(), [])) == sorted(sw.CLASSES)
    for split in ("val", "test"):
        for c in sp[split]:
            assert sw.REVERSE_OF[c] in sp[split] and sw.REVERSE_OF[c] != c
    assert len(sp["train"]) >= 40 and len(sp["test"]) >= 10


def test_twin_is_the_clip_backwards_and_deterministic():
    for c in ("line_ne_accel", "approach_accel", "merge_stopgo"):
        s = sw.clip_seed(0, c, 1)
        a, b = sw.render(c, s), sw.render(sw.REVERSE_OF[c], sw.clip_seed(0, sw.REVERSE_OF[c], 1))
        assert a.shape == (sw.FRAMES, sw.SIZE[1], sw.SIZE[0], 3) and a.dtype == np.uint8
        assert np.array_equal(b, a[::-1])
        assert np.array_equal(sw.render(c, s), a)
        assert not np.array_equal(a[0], a[-1])


def test_written_dataset_passes_the_checker(tmp_path):
    from d2st_nb.data import check_dataset
    keep = sw.classes

    def few():  # a tiny version: 5 classes per split
        sp = keep()
        return {k: v[:6] for k, v in sp.items()}
    sw.classes = few
    try: rep = sw.write(tmp_path, train_clips=2, eval_clips=2, size=(48, 40), frames=12)
    finally: sw.classes = keep
    assert rep["clips"] == 6 * 2 * 3
    res = check_dataset(tmp_path, way=5, shot=1, query=1, print_fn=lambda *a: None)
    assert res["ok"], res
