"""scripts/bench_adapter.py, not timed: the `--reference` path (loading the authors' adapter file with stand-ins for
the modules it imports, copying weights, comparing outputs) and the floor column, on one video.

The authors' code is never part of this repository: the test writes a stand-in `models/base/adapter.py` that imports
what theirs imports (`clip`, `utils.logging`, `utils.registry`) and exposes `ViT_D2ST_Adapter` with their parameter
names and their `(1 + h w, b t, c)` layout, computing with the library. Set D2ST_REFERENCE to a checkout of
github.com/qizhongtan/D2ST-Adapter to also run their real file."""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_adapter", ROOT / "scripts" / "bench_adapter.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

STAND_IN = textwrap.dedent('''
    import math
    import torch
    import clip
    import utils.logging as logging
    from torch import nn
    from utils.registry import Registry
    from d2st_nb.adapter import make_adapter

    HEAD_REGISTRY = Registry("Head")
    logger = logging.get_logger(__name__)

    @HEAD_REGISTRY.register()
    class ViT_D2ST_Adapter(nn.Module):
        "The authors' parameter names and layout (1 + h w, b t, c); the library computes."
        def __init__(self, cfg):
            super().__init__()
            C, T = cfg.ADAPTER.WIDTH, cfg.DATA.NUM_INPUT_FRAMES
            lib = make_adapter("d2st", C, T, "tokens", settings="vit_b16", ratio=cfg.ADAPTER.ADAPTER_SCALE)
            self.down, self.up, self.pos_embed = lib.down, lib.up, lib.mixer.pos_embed
            self.s_ln, self.t_ln = lib.mixer.s_ln.norm, lib.mixer.t_ln.norm
            self.s_attn, self.t_attn = lib.mixer.s_attn, lib.mixer.t_attn
            object.__setattr__(self, "lib", lib)           # shares the modules above, not registered twice
        def forward(self, x):
            return self.lib(x.transpose(0, 1)).transpose(0, 1)
''')


@pytest.fixture
def checkout(tmp_path):
    f = tmp_path / "models" / "base" / "adapter.py"
    f.parent.mkdir(parents=True)
    f.write_text(STAND_IN)
    return tmp_path


def test_reference_loads_with_stand_ins_and_leaves_sys_modules_alone(checkout):
    before = {k: sys.modules.get(k) for k in ("clip", "utils", "utils.logging", "utils.registry")}
    mod = bench.load_reference(str(checkout))
    assert hasattr(mod, "ViT_D2ST_Adapter") and "ViT_D2ST_Adapter" in mod.HEAD_REGISTRY.items
    assert {k: sys.modules.get(k) for k in before} == before
    with pytest.raises(FileNotFoundError, match="qizhongtan"):
        bench.load_reference(str(checkout / "nowhere"))


def test_bench_with_reference_agrees_and_reports_floor(checkout, tmp_path, capsys):
    out = tmp_path / "bench.json"
    bench.main(["--device", "cpu", "--stages", "vit_b16", "--videos", "1", "--repeats", "1", "--threads", "2",
                "--reference", str(checkout), "--json", str(out), "--markdown"])
    row = json.loads(out.read_text())["rows"][0]
    for k in ("rel_err_out", "rel_err_grad", "authors_rel_err_out", "authors_rel_err_grad", "authors_rel_err_param_grads"):
        assert row[k] < 1e-5, (k, row[k])
    for k in ("library_ms", "authors_ms", "plain_ms", "floor_ms", "speedup_authors", "library_over_floor", "adapter_vs_block"):
        assert row[k] > 0, k
    assert row["floor_how"] == "linear" and row["targets"]["equal"]
    # floating-point operations: the library does the floor's projections and more; the frozen block far more
    assert row["library_gflop"] > row["floor_linear_gflop"] > 0 and row["flop_bound"] > 1
    assert 0 < row["adapter_vs_block_flops"] < 1
    assert "| ViT-B/16" in capsys.readouterr().out


def test_floor_of_maps_times_conv_and_linear():
    import torch
    ad = bench.make_adapter("d2st", 64, 2, "maps", settings="resnet50.layer4", map_size=(2, 4, 4))
    x, gy = torch.randn(4, 64, 4, 4), torch.randn(4, 64, 4, 4)
    fns = bench.floor_fns("resnet50.layer4", ad, x, gy)
    (yc, gc, _), (yl, gl, _) = fns["floor_conv"](), fns["floor_linear"]()
    rows = lambda t: t.permute(0, 2, 3, 1).reshape(-1, 64)
    assert bench.rel_err(rows(yc), yl) < 1e-5 and bench.rel_err(rows(gc), gl) < 1e-5   # the same projections


def test_flop_count_of_matrix_products_and_depthwise_convolutions():
    import torch
    import torch.nn.functional as F
    x = torch.randn(6, 5, requires_grad=True)
    w = torch.randn(3, 5, requires_grad=True)
    f = lambda: F.linear(x, w).sum().backward()
    assert bench.count_flops(f) == 3 * 2 * 6 * 5 * 3                    # forward, input and weight gradients
    # depthwise conv3d (groups = channels): 2 flops per multiply-add, a kernel of 27 taps per output element
    v = torch.randn(2, 4, 3, 5, 5, requires_grad=True)
    k = torch.randn(4, 1, 3, 3, 3, requires_grad=True)
    g = lambda: F.conv3d(v, k, padding=1, groups=4).sum().backward()
    assert bench.count_flops(g) == 3 * 2 * (2 * 4 * 3 * 5 * 5) * 27     # torch's formula: 6×, its weight gradient 4× (groups)
    only_w = lambda: F.conv3d(v, k, padding=1, groups=4).sum().backward(inputs=[k])
    assert bench.count_flops(only_w) == 2 * 2 * (2 * 4 * 3 * 5 * 5) * 27


@pytest.mark.skipif(not os.environ.get("D2ST_REFERENCE"), reason="set D2ST_REFERENCE to a checkout of the authors' repository")
def test_bench_against_the_authors_code(tmp_path):
    out = tmp_path / "bench.json"
    bench.main(["--device", "cpu", "--stages", "vit_b16", "resnet50.layer4", "--videos", "1", "--repeats", "1",
                "--reference", os.environ["D2ST_REFERENCE"], "--json", str(out)])
    for row in json.loads(out.read_text())["rows"]:
        assert max(row["authors_rel_err_out"], row["authors_rel_err_grad"], row["authors_rel_err_param_grads"]) < 1e-5, row["stage"]
