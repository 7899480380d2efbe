"""The collapse diagnosis (scripts/adapter_share.py): a new adapter writes nothing into the stream, a grown one does,
and the spread of the clip features is measured."""
from __future__ import annotations

import torch

from d2st_nb.image_model import load_image_model
from script_module import load_script

share = load_script("adapter_share")


def test_new_adapters_write_nothing_grown_ones_do():
    torch.manual_seed(0)
    model = load_image_model(num_frames=8).eval()
    videos = torch.randn(3, 8, 3, 64, 64)
    r = share.adapter_share(model, videos)
    assert r["shares"] == [0.0] * len(model.adapters)            # `up` starts at zero: the identity
    assert 0 < r["spread"] < 2
    with torch.no_grad(): model.adapters[1].up.weight.normal_(std=1.0)
    r = share.adapter_share(model, videos)
    assert r["shares"][0] == 0 and r["shares"][1] > 0.1
    assert not any(ad._forward_hooks for ad in model.adapters)   # its hooks are gone afterwards
