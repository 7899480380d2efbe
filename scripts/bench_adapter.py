"""Speed and memory of the D²ST-Adapter: the library's implementation against a literal one.

The literal implementation below follows SPEC §3–4 line by line (a loop over offset groups, explicit softmax
attention, the class token as its own attention call, layout copies where the text implies them) and reads its
weights from the library's module, so both compute the same function. For each shape — ViT-B/16 (T = 8, 14×14
patches + class token, C = 768, 80 frames = one 5-way 1-shot episode) and each ResNet-50 stage at 224 px — it
measures forward+backward time (median of --repeats) and peak memory, checks the outputs and input gradients
agree, and reports the adapter's cost relative to the frozen ViT-B/16 block it follows.

    python scripts/bench_adapter.py                  # CPU, every shape
    python scripts/bench_adapter.py --device cuda --json bench.json
"""
import argparse, json, statistics, sys, time
import torch
import torch.nn.functional as F
from einops import rearrange

from d2st_nb.adapter import make_adapter
from d2st_nb.attention import PAPER_SETTINGS

# ---------------------------------------------------------------- the literal implementation (the baseline)
def literal_dsta(attn, x, cls=None):
    """SPEC §4, literally. x: (B, C', T, H, W); cls: (B, T, C') class tokens or None."""
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
    """SPEC §3 with literal DSTA. ViT form x: (B·T, 1+H·W, C); map form x: (B·T, C, H, W)."""
    mix = ad.mixer
    def ln(norm, z): return norm(z.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3).contiguous()
    def pathways(z, cls):
        z = z + mix.pos_embed(z)
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
def peak_memory(fn, device):
    "Peak memory (bytes) allocated while `fn` runs: CUDA's counter on a GPU, the profiler's CPU memory events otherwise."
    if device.type == "cuda":
        torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated(); fn(); torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof: fn()
    cur = peak = 0
    for e in sorted((e for e in prof.events() if e.cpu_memory_usage), key=lambda e: e.time_range.start):
        cur += e.cpu_memory_usage; peak = max(peak, cur)
    return peak

def timed(fn, repeats, device):
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        if device.type == "cuda": torch.cuda.synchronize()
        t0 = time.perf_counter(); fn()
        if device.type == "cuda": torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def fwd_bwd(f, x):
    def run():
        xx = x.detach().requires_grad_(True)
        y = f(xx)
        y.float().pow(2).mean().backward()
        return y, xx.grad
    return run

def rel_err(a, b): return ((a.float() - b.float()).norm() / b.float().norm().clamp_min(1e-30)).item()

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto"); ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--videos", type=int, default=10, help="videos per batch (10 = one 5-way 1-shot episode)")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--shapes", nargs="+", default=["vit_b16", "resnet50.layer1", "resnet50.layer2", "resnet50.layer3", "resnet50.layer4"])
    ap.add_argument("--compile", action="store_true", help="also time torch.compile of the library adapter")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    dev = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else ("cpu" if a.device == "auto" else a.device))
    torch.manual_seed(0)
    T, B = a.frames, a.videos
    dims = {"vit_b16": (768, 14), "resnet50.layer1": (256, 56), "resnet50.layer2": (512, 28), "resnet50.layer3": (1024, 14), "resnet50.layer4": (2048, 7)}
    rows = []
    print(f"device {dev}, torch {torch.__version__}, {torch.get_num_threads()} CPU threads; batch {B} videos × {T} frames; "
          f"median of {a.repeats}; memory: {'cuda max_memory_allocated' if dev.type == 'cuda' else 'profiler CPU allocations (peak of the running sum)'}")
    for name in a.shapes:
        C, S = dims[name]
        form = "tokens" if name == "vit_b16" else "maps"
        ad = make_adapter("d2st", C, T, form, settings=name, map_size=(T, S, S)).to(dev)
        with torch.no_grad():
            for p in ad.parameters(): p.add_(0.02 * torch.randn_like(p))          # away from the identity init
        x = torch.randn(B * T, 1 + S * S, C, device=dev) if form == "tokens" else torch.randn(B * T, C, S, S, device=dev)
        lib, lit = fwd_bwd(ad, x), fwd_bwd(lambda z: literal_adapter(ad, z, T), x)
        (y1, g1), (y2, g2) = lib(), lit()
        err_y, err_g = rel_err(y1, y2), rel_err(g1, g2)
        ad.zero_grad()
        t_lib, t_lit = timed(lib, a.repeats, dev), timed(lit, a.repeats, dev)
        m_lib, m_lit = peak_memory(lib, dev), peak_memory(lit, dev)
        row = dict(shape=name, params=sum(p.numel() for p in ad.parameters()), literal_ms=1e3 * t_lit, library_ms=1e3 * t_lib,
                   speedup=t_lit / t_lib, literal_mb=m_lit / 2**20, library_mb=m_lib / 2**20, rel_err_out=err_y, rel_err_grad=err_g)
        if a.compile:
            comp = torch.compile(ad)
            row["compiled_ms"] = 1e3 * timed(fwd_bwd(comp, x), a.repeats, dev)
        if name == "vit_b16":
            import timm
            blk = timm.models.vision_transformer.Block(768, 12, qkv_bias=True).to(dev).requires_grad_(False)
            row["vit_block_ms"] = 1e3 * timed(fwd_bwd(blk, x), a.repeats, dev)
            row["adapter_vs_block"] = t_lib / (row["vit_block_ms"] / 1e3)
        rows.append(row)
        print(f"{name:16s} params {row['params']:>9,}  literal {row['literal_ms']:8.1f} ms  library {row['library_ms']:8.1f} ms  "
              f"speed-up {row['speedup']:4.2f}×  memory {row['literal_mb']:7.1f} → {row['library_mb']:7.1f} MB  "
              f"rel.err out {err_y:.1e} grad {err_g:.1e}" + (f"  compiled {row['compiled_ms']:.1f} ms" if 'compiled_ms' in row else ""), flush=True)
    print("\ntargets (ratios from this run):")
    for r in rows:
        ok = r["speedup"] >= 1.5 and r["rel_err_out"] < 1e-5 and r["library_mb"] <= r["literal_mb"] * 1.001
        print(f"  {r['shape']:16s} ≥1.5× faster: {r['speedup']:.2f}×  outputs within 1e-5: {r['rel_err_out']:.1e}  "
              f"memory not higher: {r['library_mb']:.1f} vs {r['literal_mb']:.1f} MB  → {'PASS' if ok else 'MISS'}")
    vit = next((r for r in rows if "adapter_vs_block" in r), None)
    if vit: print(f"  ViT-B/16 adapter fwd+bwd {vit['library_ms']:.1f} ms vs the frozen block it follows {vit['vit_block_ms']:.1f} ms: "
                  f"{100 * vit['adapter_vs_block']:.0f}% (aim ≤ 10%)")
    if a.json:
        with open(a.json, "w") as f: json.dump({"device": str(dev), "torch": torch.__version__, "rows": rows}, f, indent=1)
    return 0

if __name__ == "__main__":
    sys.exit(main())
