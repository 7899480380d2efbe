"""The engine's config (`train.TrainConfig`) holds only what the engine reads; a run's config (`recipes.RunConfig`)
extends it with the model, data and episodes. What was one flat `TrainConfig` before the split — JSON config files,
the "config" dict saved in every checkpoint — still loads, field for field, and the commands keep their flags."""
import json
from dataclasses import asdict, fields

import pytest
import torch

from d2st_nb.evaluation import ToyEpisodes
from d2st_nb.train import CKPT_FORMAT, TrainConfig, Trainer, save_checkpoint
from d2st_nb import recipes as R

# Every field of the config before the split, with its default, in its old order: what an old checkpoint saved.
OLD_DEFAULTS = {
    "backbone": "vit_base_patch16_clip_quickgelu_224", "adapter": "d2st", "pretrained": False, "image_checkpoint": None,
    "model_kwargs": {}, "num_frames": 8, "img_size": 224, "metric": "bimhm", "grad_checkpointing": False,
    "data_root": None, "layout": "folders", "benchmark": None, "train_split": "train", "eval_split": "test",
    "val_split": None, "resize": None, "skip_bad": False, "cache_videos": False, "num_base_classes": None,
    "way": 5, "shot": 1, "query": 1, "eval_shots": (1, 5), "eval_query": 5, "eval_episodes": 1000, "val_episodes": 100,
    "eval_seed": 0, "compare_with": None, "eval_shuffled": False, "twin_episodes": 0, "twin_rate": 0.0,
    "steps": 10000, "tasks_per_step": 2, "optimizer": "adam", "lr": 0.001, "weight_decay": 0.0, "warmup_steps": 100,
    "warmup_start": 0.0, "schedule": "step", "decay_steps": (), "gamma": 0.1, "decay_factors": (), "clip_grad": 10.0,
    "aux_weight": 0.5, "logit_scale": 1.0, "amp": "auto", "max_bad_steps": 20, "device": "auto", "workers": 2,
    "out_dir": "runs/d2st", "ckpt_every": 100, "val_every": 0, "seed": 0, "progress": True}

# Fields added since the split, with their defaults (an old file without them gets these).
NEW_DEFAULTS = {"logit_scale_start": None, "logit_scale_steps": 0, "collapse_restarts": 1}
ALL_DEFAULTS = {**OLD_DEFAULTS, **NEW_DEFAULTS}

# The fields the engine (Trainer, make_optimizer, lr_factor, logit_scale_at, checkpoints) reads.
ENGINE = {"logit_scale_start", "logit_scale_steps", "steps", "tasks_per_step", "optimizer", "lr", "weight_decay", "warmup_steps", "warmup_start", "schedule",
          "decay_steps", "gamma", "decay_factors", "clip_grad", "aux_weight", "logit_scale", "amp", "max_bad_steps",
          "device", "workers", "out_dir", "ckpt_every", "val_every", "val_episodes", "progress"}


def old_flat(**changes) -> dict:
    "A config dict as the old flat `TrainConfig` saved it (tuples as JSON lists, as a JSON file or `--print-config` has them)."
    d = {**OLD_DEFAULTS, **changes}
    return json.loads(json.dumps(d))


def test_same_fields_and_defaults():
    "The split moves fields, it changes none: a run's config has every old field with its old default."
    assert asdict(R.RunConfig()) == ALL_DEFAULTS
    assert {f.name for f in fields(TrainConfig)} == ENGINE
    assert asdict(TrainConfig()) == {k: v for k, v in ALL_DEFAULTS.items() if k in ENGINE}
    assert issubclass(R.RunConfig, TrainConfig)


def test_old_flat_dict_loads():
    d = old_flat(backbone="bundled", way=3, eval_shots=[1], decay_steps=[50, 80], lr=0.005, seed=7, out_dir="runs/x")
    cfg = R.RunConfig.from_dict(d)
    assert asdict(cfg) == {**ALL_DEFAULTS, "backbone": "bundled", "way": 3, "eval_shots": (1,), "decay_steps": (50, 80),
                           "lr": 0.005, "seed": 7, "out_dir": "runs/x"}
    assert R.config_for(None, None, **d) == cfg


def test_old_json_config_file(tmp_path):
    f = tmp_path / "old.json"
    f.write_text(json.dumps(old_flat(way=3, steps=12, eval_shots=[1, 5])))
    cfg = R.config_for("demo", str(f))
    assert (cfg.way, cfg.steps, cfg.eval_shots, cfg.backbone) == (3, 12, (1, 5), "vit_base_patch16_clip_quickgelu_224")


def test_engine_config_refuses_run_fields():
    with pytest.raises(ValueError, match="unknown config keys"): TrainConfig.from_dict({"way": 3})


def test_checkpoint_with_old_flat_config(tmp_path):
    "A checkpoint whose saved config is the old flat dict (and a retired key) gives back the same config and model."
    old = old_flat(backbone="bundled", num_frames=4, way=3, steps=2, lr=0.002, retired_option=1)
    cfg = R.RunConfig.from_dict({k: v for k, v in old.items() if k != "retired_option"})
    torch.manual_seed(0)
    model = R.build_model(cfg)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad: p.add_(0.01 * torch.randn_like(p))
    path = save_checkpoint(tmp_path / "last.pt", model, step=2)
    state = torch.load(path, weights_only=False)
    assert state["format"] == CKPT_FORMAT
    state["config"] = old
    torch.save(state, path)
    assert R.checkpoint_config(state) == {k: v for k, v in old.items() if k != "retired_option"}
    loaded, got = R.model_from_checkpoint(path)
    assert got == cfg
    for (k, v), (k2, v2) in zip(model.trainable_state_dict().items(), loaded.trainable_state_dict().items()):
        assert k == k2 and torch.equal(v, v2)


def test_trainer_saves_a_flat_config(tmp_path):
    "The trainer saves a run config flat, every field, as before: old and new checkpoints read the same way."
    from d2st_nb.backbones import create_video_model
    m = create_video_model("vit_tiny_patch16_224", num_frames=4, img_size=32, patch_size=8, depth=2, embed_dim=64,
                           num_heads=2, adapter="d2st")
    cfg = R.RunConfig(device="cpu", workers=0, progress=False, out_dir=str(tmp_path), metric="bimhm")
    Trainer(m, ToyEpisodes(), cfg).save()
    state = torch.load(tmp_path / "last.pt", weights_only=False)
    assert state["config"] == asdict(cfg) and set(state["config"]) == set(ALL_DEFAULTS)


def test_flags_one_per_field(capsys):
    "The commands' parser has one flag per run field, as before the split; --print-config prints every field."
    ap = R.config_parser("d2st-train", "")
    dests = {a.dest for a in ap._actions}
    assert set(OLD_DEFAULTS) <= dests
    assert R.train_cli(["--preset", "demo", "--way", "3", "--eval-shots", "1", "--lr", "0.01", "--print-config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == set(ALL_DEFAULTS) and (printed["way"], printed["eval_shots"], printed["lr"]) == (3, [1], 0.01)
