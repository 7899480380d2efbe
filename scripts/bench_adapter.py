"""Speed and memory of the D²ST-Adapter: the library's implementation against a literal one.

The literal implementation below follows the paper's adapter and DSTA line by line (a loop over offset groups, explicit softmax
attention, the class token as its own attention call, layout copies where the text implies them) and reads its
weights from the library's module, so both compute the same function. For each shape — ViT-B/16 (T = 8, 14×14
patches + class token, C = 768, 80 frames = one 5-way 1-shot episode) and each ResNet-50 stage at 224 px — it
measures forward+backward time (median of --repeats) and peak memory, checks the outputs and input gradients
agree, and reports the adapter's cost relative to the frozen ViT-B/16 block it follows.

    python scripts/bench_adapter.py                  # CPU, every shape
    python scripts/bench_adapter.py --stages vit_b16 --repeats 3 --json bench.json
    python scripts/bench_adapter.py --device cuda --dtype bfloat16
"""
import argparse, json, statistics, sys, time
import torch
import torch.nn.functional as F
from einops import rearrange

from d2st_nb.adapter import make_adapter
from d2st_nb.attention import PAPER_SETTINGS

# ---------------------------------------------------------------- the literal implementation (the baseline)
def literal_dsta(attn, x, cls=None):
    """DSTA as the paper describes it, literally. x: (B, C', T, H, W); cls: (B, T, C') class tokens or None."""
    B, C, T, H, W = x.shape
    G = attn.groups
    d = C // G
    xt = x.permute(0, 2, 3, 4, 1).contiguous()                                   # B T H W C
    q = attn.proj_q(xt)                                                           # every query token
    q_vol = q.permute(0, 4, 1, 2, 3).contiguous()                                 # B C T H W
    sampled_groups = []
    for g in range(G):                                                            # "for each group the offset network"
        qg = q_vol[:, g * d:(g + 1) * d]
        raw = attn.conv_offset(qg)                                                # B 3 Tp Hp Wp
        Tp, Hp, Wp = raw.shape[2:]
        ref = torch.stack(torch.meshgrid(*[(torch.arange(D, dtype=x.dtype, device=x.device) + 0.5) / D * 2 - 1
                                           for D in (Tp, Hp, Wp)], indexing="ij"), -1)   # Tp Hp Wp 3
        rng = torch.tensor([min(1.0, 2.0 / D) for D in (Tp, Hp, Wp)], dtype=x.dtype, device=x.device)
        pos = ref + torch.tanh(raw.permute(0, 2, 3, 4, 1)) * rng                  # B Tp Hp Wp 3 (t, h, w)
        grid = pos[..., [2, 1, 0]].contiguous()                                   # grid_sample wants (x, y, z)
        xg = x[:, g * d:(g + 1) * d].contiguous()
        s = F.grid_sample(xg, grid, mode="bilinear", padding_mode="zeros", align_corners=True)  # B d Tp Hp Wp
        sampled_groups.append(s.flatten(2).transpose(1, 2).contiguous())          # B n d
    sampled = torch.cat(sampled_groups, dim=-1)                                   # B n C
    k, v = attn.proj_k(sampled), attn.proj_v(sampled)
    def heads(z): return z.reshape(z.shape[0], z.shape[1], G, d).permute(0, 2, 1, 3).contiguous()
    def attend(qq):                                                               # qq: B m C
        a = torch.matmul(heads(qq), heads(k).transpose(-1, -2)) * d ** -0.5
        a = torch.softmax(a, dim=-1)
        o = torch.matmul(a, heads(v)).permute(0, 2, 1, 3).contiguous().reshape(qq.shape[0], qq.shape[1], C)
        return attn.proj_out(o)
    out = attend(q.reshape(B, T * H * W, C)).reshape(B, T, H, W, C).permute(0, 4, 1, 2, 3).contiguous()
    cls_out = attend(attn.proj_q(cls)) if cls is not None else None               # the class token: an extra query
    return out, cls_out

def literal_adapter(ad, x, T):
    """The paper's adapter with literal DSTA. ViT form x: (B·T, 1+H·W, C); map form x: (B·T, C, H, W)."""
    mix = ad.mixer
    def ln(norm, z): return norm(z.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3).contiguous()
    def pathways(z, cls):
        pe = mix.pos_embed                                                         # nn.Conv3d's own forward/backward
        z = z + F.conv3d(z, pe.weight, pe.bias, padding=1, groups=z.shape[1])
        outs, couts = [], []
        for name in mix.pathways:
            norm, attn = getattr(mix, f"{name[0]}_ln").norm, getattr(mix, f"{name[0]}_attn")
            o, co = literal_dsta(attn, ln(norm, z), None if cls is None else norm(cls))
            outs.append(z + o)
            if cls is not None: couts.append(cls + co)
        return F.gelu(sum(outs) / len(outs)), (F.gelu(sum(couts) / len(couts)) if cls is not None else None)
    if ad.form == "tokens":
        BT, N, C = x.shape
        H = W = int(round((N - 1) ** 0.5))
        z = F.gelu(ad.down(x))
        cls = z[:, 0].reshape(BT // T, T, -1)
        vol = z[:, 1:].reshape(BT // T, T, H, W, -1).permute(0, 4, 1, 2, 3).contiguous()
        vol, cls = pathways(vol, cls)
        z = torch.cat([cls.reshape(BT, 1, -1), vol.permute(0, 2, 3, 4, 1).reshape(BT, H * W, -1)], dim=1)
        return x + F.gelu(ad.up(z))
    BT, C, H, W = x.shape
    z = ad.down(x.reshape(BT // T, T, C, H, W).permute(0, 1, 3, 4, 2))           # B T H W C'
    vol, _ = pathways(z.permute(0, 4, 1, 2, 3).contiguous(), None)
    up = ad.up(vol.permute(0, 2, 3, 4, 1))                                        # B T H W C
    return x + up.permute(0, 1, 4, 2, 3).reshape(BT, C, H, W)

# ---------------------------------------------------------------- measuring
COPY_OPS = ("aten::copy_", "aten::clone", "aten::contiguous", "aten::cat", "aten::fill_", "aten::zero_")

def profile_run(fn, device):
    """Run `fn` once under the profiler → (peak bytes allocated while it ran, share of self CPU time in copy/fill ops).
    CUDA: `torch.cuda.max_memory_allocated` above what was allocated before. CPU: the peak of the running sum of the
    profiler's per-op allocations and frees (`self_cpu_memory_usage`, in start order)."""
    from torch.profiler import profile, ProfilerActivity
    if device.type == "cuda":
        torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=device.type != "cuda") as prof: fn()
    evs = prof.events()
    total = sum(e.self_cpu_time_total for e in evs) or 1
    copies = sum(e.self_cpu_time_total for e in evs if e.name in COPY_OPS) / total
    if device.type == "cuda":
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base, copies
    cur = peak = 0
    for e in sorted((e for e in evs if e.self_cpu_memory_usage), key=lambda e: e.time_range.start):
        cur += e.self_cpu_memory_usage; peak = max(peak, cur)
    return peak, copies

def sync(device):
    if device.type == "cuda": torch.cuda.synchronize()

def interleaved_times(fns: dict, repeats: int, device) -> dict:
    "Median seconds of each function, timed in alternation (so a busy machine slows them alike); one warm-up each."
    for f in fns.values(): f()
    ts = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            sync(device); t0 = time.perf_counter(); f(); sync(device)
            ts[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in ts.items()}

def fwd_bwd(f, x, grad_out, params=()):
    "One forward + backward of `f` at `x` (a fresh leaf) with a fixed output gradient; returns (out, input grad, param grads)."
    def run():
        for p in params: p.grad = None
        xx = x.detach().requires_grad_(True)
        y = f(xx)
        y.backward(grad_out)
        return y.detach(), xx.grad, [p.grad for p in params]
    return run

def rel_err(a, b): return ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()

DIMS = {"vit_b16": (768, 14), "resnet50.layer1": (256, 56), "resnet50.layer2": (512, 28),
        "resnet50.layer3": (1024, 14), "resnet50.layer4": (2048, 7)}

def bench_stage(name, T, B, dtype, dev, repeats, compile_=False):
    C, S = DIMS[name]
    form = "tokens" if name == "vit_b16" else "maps"
    ad = make_adapter("d2st", C, T, form, settings=name, map_size=(T, S, S)).to(dev, dtype)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():                                                          # away from the identity init
        for p in ad.parameters(): p.add_(0.02 * torch.randn(p.shape, generator=g).to(dev, dtype))
    shape = (B * T, 1 + S * S, C) if form == "tokens" else (B * T, C, S, S)
    x = torch.randn(shape, generator=g).to(dev, dtype)
    gy = torch.randn(shape, generator=g).to(dev, dtype)
    params = [p for p in ad.parameters()]
    fns = {"literal": fwd_bwd(lambda z: literal_adapter(ad, z, T), x, gy, params), "library": fwd_bwd(ad, x, gy, params)}
    (y2, g2, p2), (y1, g1, p1) = fns["literal"](), fns["library"]()
    row = dict(stage=name, input_shape=list(shape), params=sum(p.numel() for p in params),
               rel_err_out=rel_err(y1, y2), rel_err_grad=rel_err(g1, g2),
               # all parameter gradients as one vector (proj_k's bias has a zero gradient: softmax ignores a shift)
               rel_err_param_grads=rel_err(torch.cat([q.flatten() for q in p1]), torch.cat([q.flatten() for q in p2])))
    del y1, y2, g1, g2, p1, p2
    if compile_:                                                                   # optional: needs a working inductor backend
        try:
            comp = fwd_bwd(torch.compile(ad), x, gy, params)
            comp()
            fns["compiled"] = comp
        except Exception as e:
            row["compile_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            print(f"  torch.compile failed on {name}: {row['compile_error']}", flush=True)
    if name == "vit_b16":                                                          # the frozen block the adapter follows
        import timm
        blk = timm.models.vision_transformer.Block(C, 12, qkv_bias=True).to(dev, dtype).requires_grad_(False)
        fns["vit_block"] = fwd_bwd(blk, x, gy)
    ts = interleaved_times(fns, repeats, dev)
    for k, t in ts.items(): row[f"{k}_ms"] = 1e3 * t
    for k in ("literal", "library"):
        m, cp = profile_run(fns[k], dev)
        row[f"{k}_peak_mb"], row[f"{k}_copy_share"] = m / 2**20, cp
    row["speedup"] = ts["literal"] / ts["library"]
    if "vit_block" in ts: row["adapter_vs_block"] = ts["library"] / ts["vit_block"]
    return row

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda, mps")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per implementation (median reported)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64", "bfloat16", "float16"])
    ap.add_argument("--videos", type=int, default=10, help="videos per batch (10 = one 5-way 1-shot episode)")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--stages", nargs="+", default=list(DIMS), choices=list(DIMS), metavar="STAGE",
                    help=f"shapes to measure, from {list(DIMS)}")
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile of the library adapter (off by default)")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    a = ap.parse_args(argv)
    dev = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device)
    if a.threads: torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    tol = 1e-5 if dtype in (torch.float32, torch.float64) else 2e-2
    mem_how = ("torch.cuda.max_memory_allocated" if dev.type == "cuda" else
               "torch.profiler(profile_memory=True): peak of the running sum of per-op CPU allocations")
    print(f"device {dev}, {a.dtype}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads; "
          f"{a.videos} videos × {a.frames} frames; forward+backward (fixed output gradient), median of {a.repeats}, "
          f"implementations timed in alternation.\npeak memory: {mem_how}, during one forward+backward.\n", flush=True)
    torch.manual_seed(0)
    rows = []
    for name in a.stages:
        r = bench_stage(name, a.frames, a.videos, dtype, dev, a.repeats, a.compile)
        rows.append(r)
        print(f"  {name}: literal {r['literal_ms']:.1f} ms, library {r['library_ms']:.1f} ms"
              + (f", compiled {r['compiled_ms']:.1f} ms" if "compiled_ms" in r else "")
              + (f", frozen ViT block {r['vit_block_ms']:.1f} ms" if "vit_block_ms" in r else ""), flush=True)
    hdr = (f"\n{'stage':16s} {'params':>9s} {'literal ms':>10s} {'library ms':>10s} {'speed-up':>8s} {'literal MB':>10s} "
           f"{'library MB':>10s} {'copies lit/lib':>14s} {'err out':>8s} {'err dx':>8s} {'err dW':>8s}  result")
    print(hdr); print("-" * (len(hdr) - 1))
    for r in rows:
        checks = {"speed ≥1.5×": r["speedup"] >= 1.5, "equal": max(r["rel_err_out"], r["rel_err_grad"]) <= tol,
                  "memory ≤": r["library_peak_mb"] <= r["literal_peak_mb"] * 1.01 + 1}
        r["targets"] = checks
        res = "PASS" if all(checks.values()) else "MISS (" + ", ".join(k for k, v in checks.items() if not v) + ")"
        print(f"{r['stage']:16s} {r['params']:>9,} {r['literal_ms']:10.1f} {r['library_ms']:10.1f} {r['speedup']:7.2f}× "
              f"{r['literal_peak_mb']:10.1f} {r['library_peak_mb']:10.1f} {100 * r['literal_copy_share']:6.0f}%/{100 * r['library_copy_share']:3.0f}% "
              f"{r['rel_err_out']:8.1e} {r['rel_err_grad']:8.1e} {r['rel_err_param_grads']:8.1e}  {res}")
    print(f"targets: library ≥ 1.5× faster than the literal form of the paper, output and input grad within {tol:g} relative, "
          f"peak memory not higher. 'copies' = share of profiled CPU time in copy/cat/fill ops.")
    vit = next((r for r in rows if "adapter_vs_block" in r), None)
    if vit:
        ok = vit["adapter_vs_block"] <= 0.10
        print(f"ViT-B/16 adapter fwd+bwd {vit['library_ms']:.1f} ms vs the frozen timm Block it follows (fwd+bwd w.r.t. input) "
              f"{vit['vit_block_ms']:.1f} ms: {100 * vit['adapter_vs_block']:.1f}% (aim ≤ 10%: {'PASS' if ok else 'MISS'})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": str(dev), "dtype": a.dtype, "torch": torch.__version__, "threads": torch.get_num_threads(),
                       "videos": a.videos, "frames": a.frames, "repeats": a.repeats, "memory_method": mem_how, "rows": rows}, f, indent=1)
    return 0

if __name__ == "__main__":
    sys.exit(main())
