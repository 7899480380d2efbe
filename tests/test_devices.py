"""Where the model and the data go when a run is configured for a GPU — tested on a machine without one.

Every path that trains or evaluates (training with its evaluations, `d2st-eval`, the ablation's frozen row) runs
with `device="cuda"` while
- `nn.Module.to(device)` records the device on the module (and leaves its weights on the CPU),
- `to_device` records the device and marks the tensors it moves (a tensor subclass that survives slicing and
  concatenation),
- the model's forward asserts that the model was moved to cuda and that its input went through `to_device`.
A path that forgets to move the model (the ablation's frozen row once did: a device-mismatch crash on any GPU)
or feeds it data that was never moved fails here, without a GPU.
"""
from __future__ import annotations

from contextlib import ExitStack
from unittest import mock

import pytest
import torch
import torch.nn as nn

import d2st_nb.evaluation as E   # evaluate and to_device (lesson 07)
import d2st_nb.train as T        # the Trainer, which moves its episodes with its own import of to_device (lesson 07a)
import d2st_nb.recipes as R      # the recipes and the command line (lesson 08)
from d2st_nb.backbones import VideoModel

TINY = ["--preset", "demo", "--way", "3", "--query", "1", "--num-frames", "4", "--eval-shots", "1", "--eval-episodes",
        "1", "--eval-query", "1", "--twin-episodes", "0", "--workers", "0", "--no-progress", "--device", "cuda"]


class Moved(torch.Tensor):
    "A tensor that went through `to_device`."


class PretendCuda:
    "A context in which `.to('cuda')` and `to_device(…, 'cuda')` are recorded instead of performed."
    def __init__(self):
        self.moves, self.forwards = [], 0

    def __enter__(self):
        orig_to, orig_forward, rec = nn.Module.to, VideoModel.forward, self

        def module_to(m, *a, **k):
            dev = k.get("device", a[0] if a else None)
            if isinstance(dev, (str, torch.device)):
                for sub in m.modules(): sub._placed = torch.device(dev).type
                return m
            return orig_to(m, *a, **k)

        def to_device(x, device):
            rec.moves.append(torch.device(device).type)
            if torch.is_tensor(x): return x.as_subclass(Moved)
            return {k: v.as_subclass(Moved) if torch.is_tensor(v) else v for k, v in x.items()}

        def forward(m, videos):
            assert getattr(m, "_placed", "cpu") == "cuda", "the model was not moved to the configured device"
            assert isinstance(videos, Moved), "the videos reached the model without being moved to the device"
            rec.forwards += 1
            return orig_forward(m, videos.as_subclass(torch.Tensor))

        self.stack = ExitStack()
        for p in [mock.patch.object(nn.Module, "to", module_to), mock.patch.object(VideoModel, "forward", forward),
                  mock.patch.object(E, "to_device", to_device), mock.patch.object(T, "to_device", to_device),
                  mock.patch("torch.cuda.get_device_capability", return_value=(8, 0)),
                  mock.patch("torch.cuda.is_bf16_supported", return_value=True)]:
            self.stack.enter_context(p)
        return self

    def __exit__(self, *exc):
        self.stack.close()

    def check(self):
        assert self.forwards > 0 and self.moves and set(self.moves) == {"cuda"}, (self.forwards, set(self.moves))


@pytest.mark.filterwarnings("ignore")
def test_training_and_its_evaluations_run_on_the_configured_device(tmp_path):
    cfg = R.config_for("demo", way=3, query=1, num_frames=4, eval_shots=(1,), eval_episodes=1, eval_query=1, workers=0,
                       progress=False, device="cuda", steps=2, out_dir=str(tmp_path), compare_with="none", eval_shuffled=True)
    with PretendCuda() as rec, mock.patch.object(T, "reuse_freed_memory") as tuned:
        res = R.run_training(cfg)
    rec.check()
    assert len(res["models"]) == 3          # trained, trained with shuffled frames, frozen: each forward was checked
    assert tuned.call_count == 0            # the allocator's thresholds are the CPU's business (lesson 07a), not a GPU run's


@pytest.mark.filterwarnings("ignore")
def test_d2st_eval_runs_on_the_configured_device(tmp_path):
    with PretendCuda() as rec:
        assert R.eval_cli([*TINY, "--adapter", "none", "--debug"]) == 0
    rec.check()


@pytest.mark.filterwarnings("ignore")
def test_ablation_frozen_row_runs_on_the_configured_device(tmp_path):
    from d2st_nb.ablation import run_ablation
    base = R.config_for("demo", way=3, query=1, num_frames=4, eval_shots=(1,), eval_episodes=1, eval_query=1, workers=0,
                        progress=False, device="cuda", steps=1)
    with PretendCuda() as rec:
        out = run_ablation(base, variants=("none",), seeds=(0,), out_dir=str(tmp_path), verbose=False)
    rec.check()
    assert out["none"]["trainable"] == 0


def test_pretend_cuda_catches_an_unmoved_model():
    "The check itself: a model that was never moved fails."
    m = R.build_model(R.config_for("demo", num_frames=4), adapter="none")
    x = torch.zeros(1, 4, 3, 64, 64)
    with PretendCuda():
        with pytest.raises(AssertionError, match="not moved"):
            m(E.to_device(x, "cuda"))
        m.to("cuda")
        with pytest.raises(AssertionError, match="without being moved"):
            m(x)
