"""Peak memory (and time) of one training episode of ViT-B/16 with D²ST-Adapters, with and without gradient
checkpointing of the frozen blocks.

One episode = forward of support + query videos, the few-shot loss (+ auxiliary loss), backward, as
`d2st_nb.train.episode_forward` does in training. On CUDA: `torch.cuda.max_memory_allocated` and the time per
episode (forward + backward + optimiser step) with mixed precision, and the time per 1,000 episodes. On the
CPU: the bytes of activations saved for backward (exact, from autograd's saved-tensor hooks) — the part of the
memory that grows with the episode; weights and optimiser state are added from their sizes.

    python scripts/bench_memory.py                       # CPU, 5-way 1-shot (1 query per class), quick
    python scripts/bench_memory.py --device cuda --shots 1 5 --json mem.json
"""
import argparse, json, sys, time
import torch

from d2st_nb.backbones import create_video_model, saved_activation_bytes
from d2st_nb.train import episode_forward, amp_dtype, autocast

def episode(way, shot, query, frames, size, n_base, device):
    g = torch.Generator().manual_seed(0)
    lab = torch.arange(way)
    return {"support": torch.randn(way * shot, frames, 3, size, size, generator=g).to(device), "support_labels": lab.repeat_interleave(shot).to(device),
            "query": torch.randn(way * query, frames, 3, size, size, generator=g).to(device), "query_labels": lab.repeat_interleave(query).to(device),
            "support_class_ids": lab.repeat_interleave(shot).to(device), "query_class_ids": lab.repeat_interleave(query).to(device)}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto"); ap.add_argument("--backbone", default="vit_base_patch16_clip_quickgelu_224")
    ap.add_argument("--shots", type=int, nargs="+", default=[1]); ap.add_argument("--way", type=int, default=5)
    ap.add_argument("--query", type=int, default=1); ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--img-size", type=int, default=224); ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--amp", default="auto"); ap.add_argument("--json")
    a = ap.parse_args(argv)
    dev = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else ("cpu" if a.device == "auto" else a.device))
    rows = []
    for ckpt in (False, True):
        model = create_video_model(a.backbone, num_frames=a.frames, img_size=a.img_size, num_base_classes=64, grad_checkpointing=ckpt).to(dev)
        trainable = [p for p in model.parameters() if p.requires_grad]
        weights = sum(p.numel() * p.element_size() for p in model.parameters())
        opt_state = 2 * sum(p.numel() * 4 for p in trainable) + sum(p.numel() * 4 for p in trainable)  # Adam moments + grads
        opt = torch.optim.Adam(trainable, lr=1e-6)
        dt = amp_dtype(dev, a.amp)
        for shot in a.shots:
            ep = episode(a.way, shot, a.query, a.frames, a.img_size, 64, dev)
            def step():
                opt.zero_grad(set_to_none=True)
                with autocast(dev, dt): loss, _ = episode_forward(model, ep)
                loss.backward(); opt.step()
            row = dict(setting=f"{a.way}-way {shot}-shot, {a.query} query/class", videos=a.way * (shot + a.query),
                       grad_checkpointing=ckpt, weights_mb=weights / 2**20, trainable_state_mb=opt_state / 2**20)
            if dev.type == "cuda":
                step(); torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
                ts = []
                for _ in range(a.repeats):
                    torch.cuda.synchronize(); t0 = time.perf_counter(); step(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t0)
                row.update(peak_mb=torch.cuda.max_memory_allocated() / 2**20, s_per_episode=sorted(ts)[len(ts) // 2],
                           amp=str(dt))
                row["min_per_1000_episodes"] = row["s_per_episode"] * 1000 / 60
            else:
                def fwd():
                    with autocast(dev, dt): return episode_forward(model, ep)[0]
                saved, _ = saved_activation_bytes(fwd)
                t0 = time.perf_counter(); step(); row["s_per_episode"] = time.perf_counter() - t0
                row.update(saved_activations_mb=saved / 2**20, estimated_peak_mb=(saved + weights + opt_state) / 2**20)
            rows.append(row)
            print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
        del model, opt
        if dev.type == "cuda": torch.cuda.empty_cache()
    print(f"\n{'setting':32s} {'grad ckpt':>9s} {'memory (MB)':>12s} {'s/episode':>10s}")
    for r in rows:
        mem = r.get("peak_mb", r.get("estimated_peak_mb"))
        print(f"{r['setting']:32s} {str(r['grad_checkpointing']):>9s} {mem:12.0f} {r['s_per_episode']:10.2f}")
    print("memory: " + ("CUDA peak allocated" if dev.type == "cuda" else "activations saved for backward + weights + gradients/Adam state (fp32), CPU"))
    if a.json:
        with open(a.json, "w") as f: json.dump({"device": str(dev), "rows": rows}, f, indent=1)
    return 0

if __name__ == "__main__":
    sys.exit(main())
