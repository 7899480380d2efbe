"""Lesson 03's checkpoint loaders on what goes wrong: missing, unexpected and misshapen keys of an authors'
checkpoint are named, a missing file is one clear error, and a video model's own trainable state dict and a plain
timm image model's weights load back (the way the bundled image model is used)."""
from pathlib import Path

import pytest
import timm
import torch

import d2st_nb
from d2st_nb.backbones import create_video_model, load_checkpoint, load_official_checkpoint, reference_state_dict

REF = Path(d2st_nb.__file__).parent / "reference"   # the layouts of the authors' released checkpoints (no weights)


def test_official_checkpoint_names_missing_unexpected_and_misshapen_keys():
    res50 = create_video_model("resnet50", num_base_classes=64)
    sd = reference_state_dict(REF / "official_resnet50_keys.tsv")
    sd.pop("Adapter_3.up.weight"); sd["extra.weight"] = torch.zeros(1)
    rep = load_official_checkpoint(res50, sd, verbose=False)
    assert (rep.missing, rep.unexpected) == (["adapters.2.up.weight"], ["extra.weight"])
    sd["Adapter_3.up.weight"] = torch.zeros(5, 5)
    with pytest.raises(Exception, match="shape mismatch for adapters.2.up.weight"): load_official_checkpoint(res50, sd)
    with pytest.raises(Exception, match="checkpoint not found"): load_checkpoint(res50, "no/such/file.pt")


def test_own_state_dict_and_image_weights_round_trip(tmp_path):
    from safetensors.torch import save_file
    a = create_video_model("resnet18", num_frames=4, img_size=64)
    b = create_video_model("resnet18", num_frames=4, img_size=64)
    with torch.no_grad(): a.adapters[2].up.weight.normal_()
    torch.save({"model_state": a.trainable_state_dict()}, tmp_path / "adapters.pt")
    rep = load_checkpoint(b, tmp_path / "adapters.pt")
    assert (rep.missing, rep.unexpected) == ([], [])
    assert torch.equal(b.adapters[2].up.weight, a.adapters[2].up.weight)
    img = timm.create_model("resnet18", num_classes=0)
    save_file(img.state_dict(), str(tmp_path / "image.safetensors"))
    c = create_video_model("resnet18", num_frames=4, img_size=64, checkpoint_path=str(tmp_path / "image.safetensors"))
    assert torch.equal(c.backbone.conv1.weight, img.conv1.weight)
