"""Peak memory (and time) of one training episode of a ViT-B/16 video model with D²ST-Adapters, with and without
gradient checkpointing of the frozen blocks.

One episode = the forward of its support + query videos, the few-shot loss (+ the auxiliary loss), the backward
and an Adam step, exactly as `d2st_nb.evaluation.episode_forward` computes it in training (one episode per optimiser
step here; the authors' recipe averages 2 episodes per step). Inputs are random (memory and time do not depend
on the pixels); the model is `create_video_model(backbone, pretrained=False, num_base_classes=64)`.

- CUDA: peak memory = `torch.cuda.max_memory_allocated` over the timed steps (weights, optimiser state and
  activations all included); time per episode (median of --repeats) with AMP (bf16 by default), and per 1,000.
- CPU: peak memory = the peak of the running sum of the profiler's per-op allocations during one step, plus the
  bytes held before it (weights, optimiser state, inputs); also the bytes autograd saves for backward
  (`d2st_nb.backbones.saved_activation_bytes`, run inside the profiled step). A 5-way 1-shot ViT-B/16 episode (10 videos ×
  8 frames) takes minutes on a 2-core CPU: --quick measures 4 frames at 112 px instead.

    python scripts/bench_memory.py                                  # CPU: 5-way 1-shot, with/without checkpointing
    python scripts/bench_memory.py --quick                          # CPU, small: 4 frames, 112 px
    python scripts/bench_memory.py --device cuda --shots 1 5 --repeats 20 --json mem.json   # a GPU, AMP bf16

Imports only torch, timm (through d2st_nb.backbones), einops and d2st_nb's backbones/fewshot/evaluation modules.
"""
import argparse, json, statistics, sys, time
import torch

from d2st_nb.backbones import create_video_model, saved_activation_bytes
from d2st_nb.evaluation import episode_forward, amp_dtype, autocast

def random_episode(way: int, shot: int, query: int, frames: int, size: int, n_base: int, device, seed: int = 0) -> dict:
    "A random episode in the trainer's format: support/query videos `(n, t, 3, size, size)`, labels and base-class ids."
    g = torch.Generator().manual_seed(seed)
    lab = torch.arange(way)
    ids = torch.randperm(n_base, generator=g)[:way]
    return {"support": torch.randn(way * shot, frames, 3, size, size, generator=g).to(device),
            "support_labels": lab.repeat_interleave(shot).to(device),
            "query": torch.randn(way * query, frames, 3, size, size, generator=g).to(device),
            "query_labels": lab.repeat_interleave(query).to(device),
            "support_class_ids": ids.repeat_interleave(shot).to(device), "query_class_ids": ids.repeat_interleave(query).to(device)}

def tensor_bytes(ts) -> int: return sum(t.numel() * t.element_size() for t in ts)

def cpu_peak_step(step) -> tuple:
    "Run `step()` under the profiler → (peak bytes allocated above the start, bytes autograd saved for backward)."
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        saved, _ = saved_activation_bytes(step)
    cur = peak = 0
    for e in sorted((e for e in prof.events() if e.self_cpu_memory_usage), key=lambda e: e.time_range.start):
        cur += e.self_cpu_memory_usage; peak = max(peak, cur)
    return peak, saved

def measure(model, ep, dev, dt, repeats: int) -> dict:
    "Peak memory and time of a training step (forward, few-shot + aux loss, backward, Adam step) on episode `ep`."
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(trainable, lr=1e-7)
    def step():
        opt.zero_grad(set_to_none=True)
        with autocast(dev, dt): loss, _ = episode_forward(model, ep)
        loss.backward(); opt.step()
        return loss
    for p in trainable: p.grad = torch.zeros_like(p)
    opt.step(); opt.zero_grad(set_to_none=True)                # Adam's state exists from here on, as in training
    row = {}
    if dev.type == "cuda":
        step(); torch.cuda.synchronize()                       # warm-up: kernels chosen, caches filled
        torch.cuda.reset_peak_memory_stats()
        ts = []
        for _ in range(max(1, repeats)):
            torch.cuda.synchronize(); t0 = time.perf_counter(); step(); torch.cuda.synchronize()
            ts.append(time.perf_counter() - t0)
        row.update(peak_mb=torch.cuda.max_memory_allocated() / 2**20, s_per_episode=statistics.median(ts))
    else:
        held = (tensor_bytes(model.parameters()) + tensor_bytes(ep[k] for k in ("support", "query"))
                + tensor_bytes(s for st in opt.state.values() for s in st.values() if torch.is_tensor(s)))
        t0 = time.perf_counter(); peak, saved = cpu_peak_step(step); t_prof = time.perf_counter() - t0
        row.update(peak_mb=(held + peak) / 2**20, step_alloc_peak_mb=peak / 2**20, held_mb=held / 2**20,
                   saved_for_backward_mb=saved / 2**20)
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
        row["s_per_episode"] = statistics.median(ts) if ts else t_prof
        row["time_from"] = f"median of {len(ts)} steps" if ts else "the profiled step"
    if "s_per_episode" in row: row["min_per_1000_episodes"] = row["s_per_episode"] * 1000 / 60
    del opt
    return row

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda")
    ap.add_argument("--backbone", default="vit_base_patch16_clip_quickgelu_224",
                    help="timm model name (the CLIP ViT-B/16 of the paper; vit_base_patch16_224 is the plain config)")
    ap.add_argument("--way", type=int, default=5)
    ap.add_argument("--shots", type=int, nargs="+", help="shots to measure (default: 1 and 5 on CUDA, 1 on CPU)")
    ap.add_argument("--query", type=int, default=1, help="query videos per class (training uses 1)")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--img-size", type=int, default=224)
    ap.add_argument("--checkpointing", default="both", choices=["both", "on", "off"], help="gradient checkpointing of the frozen blocks")
    ap.add_argument("--amp", default="auto", choices=["auto", "bf16", "fp16", "none"], help="autocast (auto: bf16 on CUDA, none on CPU)")
    ap.add_argument("--repeats", type=int, help="timed steps (default 10 on CUDA, 0 on CPU: the time of the profiled step is reported)")
    ap.add_argument("--quick", action="store_true", help="small CPU run: 4 frames at 112 px, 1-shot")
    ap.add_argument("--threads", type=int, help="torch CPU threads")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    a = ap.parse_args(argv)
    dev = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device)
    if a.threads: torch.set_num_threads(a.threads)
    if a.quick: a.frames, a.img_size, a.shots = 4, 112, a.shots or [1]
    shots = a.shots or ([1, 5] if dev.type == "cuda" else [1])
    repeats = a.repeats if a.repeats is not None else (10 if dev.type == "cuda" else 0)
    dt = amp_dtype(dev, a.amp)
    ckpts = {"both": (False, True), "on": (True,), "off": (False,)}[a.checkpointing]
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    mem_how = ("torch.cuda.max_memory_allocated (everything allocated, peak)" if dev.type == "cuda" else
               "weights + Adam state + inputs held, plus the peak of the profiler's running sum of allocations during one step")
    print(f"{a.backbone}, {name}, torch {torch.__version__}, autocast {dt}; {a.way}-way, {a.query} query/class, "
          f"{a.frames} frames, {a.img_size} px; one episode per Adam step.\nmemory: {mem_how}\n", flush=True)
    rows = []
    for ckpt in ckpts:
        model = create_video_model(a.backbone, num_frames=a.frames, pretrained=False, num_base_classes=64,
                                   img_size=a.img_size, grad_checkpointing=ckpt).to(dev)
        model.train()
        for shot in shots:
            ep = random_episode(a.way, shot, a.query, a.frames, a.img_size, 64, dev)
            row = dict(setting=f"{a.way}-way {shot}-shot", videos=a.way * (shot + a.query), frames=a.frames,
                       img_size=a.img_size, grad_checkpointing=ckpt, amp=str(dt))
            try:
                row.update(measure(model, ep, dev, dt, repeats))
            except torch.cuda.OutOfMemoryError as e:
                row["error"] = f"out of memory: {str(e).splitlines()[0]}"
            if dev.type == "cuda": torch.cuda.empty_cache()
            rows.append(row)
            print("  " + json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
            del ep
        del model
    print(f"\n{'setting':16s} {'videos':>6s} {'grad ckpt':>9s} {'peak MiB':>9s} {'saved MiB':>9s} {'s/episode':>10s} {'min/1000 ep':>11s}")
    for r in rows:
        if "error" in r:
            print(f"{r['setting']:16s} {r['videos']:6d} {str(r['grad_checkpointing']):>9s}  {r['error']}"); continue
        f = lambda k, w, p: f"{r[k]:{w}.{p}f}" if k in r else " " * (w - 1) + "–"
        print(f"{r['setting']:16s} {r['videos']:6d} {str(r['grad_checkpointing']):>9s} {f('peak_mb', 9, 0)} "
              f"{f('saved_for_backward_mb', 9, 0)} {f('s_per_episode', 10, 2)} {f('min_per_1000_episodes', 11, 1)}")
    if dev.type != "cuda" and not repeats:
        print("CPU time per episode: the profiled step (pass --repeats N to time N unprofiled steps)")
    print("MiB = 2**20 bytes (the JSON's *_mb fields too); saved MiB: bytes autograd saved for backward, each saved tensor counted (shared storage counted per use)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": str(dev), "device_name": name, "backbone": a.backbone, "torch": torch.__version__,
                       "autocast": str(dt), "memory_method": mem_how, "rows": rows}, f, indent=1)
    return 0

if __name__ == "__main__":
    sys.exit(main())
