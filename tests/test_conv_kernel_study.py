"""scripts/conv_kernel_study.py, without training: the kernel swapped into `st_conv` alone, and the class token that
reads the convolution's residual only when asked."""
from __future__ import annotations

import pytest
import torch

from script_module import load_script

study = load_script("conv_kernel_study")
TINY = dict(num_frames=4, img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2, temporal_embedding=False)


@pytest.fixture
def restore_factory():
    from d2st_nb import backbones as B
    make = B.make_adapter
    yield
    B.make_adapter = make


def models(kernel, reads):
    from d2st_nb.backbones import create_video_model
    study.use_kernel(kernel, reads)
    torch.manual_seed(0)
    conv = create_video_model("vit_tiny_patch16_224", adapter="st_conv", **TINY)
    torch.manual_seed(0)
    plain = create_video_model("vit_tiny_patch16_224", adapter="plain", **TINY)
    return conv, plain


def test_kernel_swapped_in_st_conv_only(restore_factory):
    conv, plain = models((3, 3, 3), False)
    for ad in conv.adapters:
        assert [tuple(c.kernel_size) for c in ad.mixer.convs] == [(3, 3, 3)]
        assert tuple(ad.mixer.convs[0].padding) == (1, 1, 1)
    assert type(plain.adapters[0].mixer).__name__ == "PlainMix"


@pytest.mark.parametrize("reads", [False, True])
def test_class_token_reads_the_map_only_when_asked(restore_factory, reads):
    conv, _ = models((3, 1, 1), reads)
    mix = conv.adapters[0].mixer
    x = torch.randn(2, 8, 4, 4, 4)                                         # b c t h w
    prefix = torch.randn(2, 4, 1, 8)                                       # b t p c
    torch.nn.init.normal_(mix.convs[0].weight)
    assert mix.prefix_reads is reads                                       # the library's option, set by the script
    out, pre = mix(x, prefix)
    mix.prefix_reads = False
    ref, _ = mix(x, prefix)
    torch.testing.assert_close(out, ref)                                   # the map: the same either way
    if reads:
        res = mix.convs[0](mix.norms[0](x))                                # the one pathway's residual
        torch.testing.assert_close(pre, prefix + res.mean((3, 4)).transpose(1, 2)[:, :, None])
    else:
        assert pre is prefix                                               # untouched, as in ST-Adapter


def test_even_kernel_refused(restore_factory):
    with pytest.raises(SystemExit, match="odd"):
        study.main(["--kernel", "3", "2", "2", "--out-dir", "unused"])


@pytest.mark.parametrize("pathways", ["both", "temporal", "both-summed"])
def test_dst_conv_class_token_reads(restore_factory, pathways):
    from d2st_nb.backbones import create_video_model
    study.use_dst_reader(pathways)
    mix = create_video_model("vit_tiny_patch16_224", adapter="dst_conv", **TINY).adapters[0].mixer
    assert [tuple(c.kernel_size) for c in mix.convs] == [(1, 3, 3), (3, 1, 1)] and mix.prefix_reads
    for c in mix.convs: torch.nn.init.normal_(c.weight)
    x, prefix = torch.randn(2, 8, 4, 4, 4), torch.randn(2, 4, 1, 8)       # b c t h w, b t p c
    out, pre = mix(x, prefix)
    spatial, temporal = (conv(ln(x)) for ln, conv in zip(mix.norms, mix.convs))
    res = spatial + temporal if pathways == "both-summed" else (spatial + temporal) / 2
    torch.testing.assert_close(out, mix.act(x + res))                      # the map: dst_conv as it is, or summed
    read = temporal / 2 if pathways == "temporal" else res
    torch.testing.assert_close(pre, prefix + read.mean((3, 4)).transpose(1, 2)[:, :, None])


@pytest.mark.parametrize("arm, weight", [("spatial-off", 0.5), ("temporal-whole", 1.0)])
def test_dst_conv_spatial_off(restore_factory, arm, weight):
    from d2st_nb import backbones as B
    from d2st_nb.backbones import create_video_model
    make = B.make_adapter
    study.use_dst_reader("both")
    torch.manual_seed(0)
    both = create_video_model("vit_tiny_patch16_224", adapter="dst_conv", **TINY).adapters[0].mixer
    B.make_adapter = make                                                  # one swap a process, as in a run
    study.use_dst_reader(arm)
    torch.manual_seed(0)
    mix = create_video_model("vit_tiny_patch16_224", adapter="dst_conv", **TINY).adapters[0].mixer
    torch.testing.assert_close(mix.convs[1].weight, both.convs[1].weight)   # the temporal pathway: the same start
    assert not list(mix.convs[0].parameters())                             # the spatial one: no weights left to learn
    torch.nn.init.normal_(mix.convs[1].weight)
    x, prefix = torch.randn(2, 8, 4, 4, 4), torch.randn(2, 4, 1, 8)       # b c t h w, b t p c
    out, pre = mix(x, prefix)
    temporal = mix.convs[1](mix.norms[1](x))
    torch.testing.assert_close(out, mix.act(x + temporal * weight))        # the spatial residual held at zero
    torch.testing.assert_close(pre, prefix + (temporal * weight).mean((3, 4)).transpose(1, 2)[:, :, None])
    with pytest.raises(ValueError, match="unknown arm"):
        study.use_dst_reader("temporal and spatial-off")


def test_dst_conv_keeps_its_kernels(restore_factory):
    with pytest.raises(SystemExit, match="--dst-conv keeps"):
        study.main(["--dst-conv", "both", "--kernel", "3", "3", "3", "--out-dir", "unused"])
