"""Speed and memory of the D²ST-Adapter: the library's implementation against its plain form.

The plain form is the library's own reference, `d2st_nb.adapter.adapter_plain` with `d2st_nb.attention.dsta_plain`
(lessons 01–02: the equations in standard PyTorch ops, a loop over offset groups and heads, autograd's own backward);
it reads its weights from the library's module, so both compute the same function — the one the lessons test. For each shape — ViT-B/16 (T = 8, 14×14
patches + class token, C = 768, 80 frames = one 5-way 1-shot episode) and each ResNet-50 stage at 224 px — it
measures forward+backward time (median of --repeats) and peak memory, checks the outputs and input gradients
agree, and reports the adapter's cost relative to the frozen ViT-B/16 block it follows.

With `--reference PATH` (a checkout of the authors' repository, github.com/qizhongtan/D2ST-Adapter, that you provide;
nothing of it is copied here) it also loads the authors' own adapters from `PATH/models/base/adapter.py` at run time
(`ViT_D2ST_Adapter`, `ResNet_D2ST_Adapter`; stand-ins replace the modules that file imports but the adapters do not
use: `clip`, their `utils`), copies the library's weights into them, checks outputs and gradients agree and times them
beside the others. Every row also times a *floor*: the same shape's down and up projections alone (forward+backward;
the faster of 1×1 convolutions on the maps and a Linear on channels-last rows), which every implementation must do.
It also counts the floating-point operations of each (matrix products and convolutions; one forward+backward): the
library's count over the floor's is the least `library / floor` time ratio any implementation of the same
arithmetic could reach running it as efficiently as the projections run theirs.

    python scripts/bench_adapter.py                  # CPU, every shape
    python scripts/bench_adapter.py --stages vit_b16 --repeats 3 --json bench.json
    python scripts/bench_adapter.py --device cuda --dtype bfloat16
    python scripts/bench_adapter.py --reference ~/src/D2ST-Adapter --threads 2 --repeats 7
"""
import argparse, contextlib, importlib.util, json, logging, math, os, statistics, sys, time, types
from types import SimpleNamespace
import torch
import torch.nn.functional as F
from einops import rearrange

from d2st_nb.adapter import make_adapter, adapter_plain   # adapter_plain: lessons 01–02's plain forms, the reference
from d2st_nb.attention import PAPER_SETTINGS

# ---------------------------------------------------------------- the authors' adapter (loaded from a checkout)
@contextlib.contextmanager
def _stand_ins(names):
    "Put stand-in modules into `sys.modules` for the import of the authors' file, and take them out again after."
    class Registry:                                               # their utils.registry.Registry, as far as the file uses it
        def __init__(self, name): self.name, self.items = name, {}
        def register(self, obj=None):
            def add(o): self.items[o.__name__] = o; return o
            return add if obj is None else add(obj)
    mods = {"clip": types.ModuleType("clip"), "utils": types.ModuleType("utils"),
            "utils.logging": types.ModuleType("utils.logging"), "utils.registry": types.ModuleType("utils.registry")}
    mods["utils.logging"].get_logger = logging.getLogger
    mods["utils.registry"].Registry = Registry
    mods["utils"].logging, mods["utils"].registry = mods["utils.logging"], mods["utils.registry"]
    try: import torchvision  # noqa: F401  (their file imports it for the ResNet backbone; the adapters do not use it)
    except ImportError: mods["torchvision"] = types.ModuleType("torchvision")
    saved = {k: sys.modules.get(k) for k in mods}
    sys.modules.update(mods)
    try: yield
    finally:
        for k, v in saved.items():
            if v is None: sys.modules.pop(k, None)
            else: sys.modules[k] = v

def load_reference(path):
    "The authors' `models/base/adapter.py` under the checkout `path`, imported as a module (their classes, unchanged)."
    f = os.path.join(os.path.expanduser(path), "models", "base", "adapter.py")
    if not os.path.isfile(f): raise FileNotFoundError(f"no {f}: --reference must be a checkout of github.com/qizhongtan/D2ST-Adapter")
    spec = importlib.util.spec_from_file_location("d2st_reference_adapter", f)
    mod = importlib.util.module_from_spec(spec)
    with _stand_ins(("clip", "utils")): spec.loader.exec_module(mod)
    return mod

def reference_adapter(mod, name, ad, T):
    """The authors' adapter for stage `name`, built with their own classes and holding the library adapter `ad`'s weights.
    ViT: `ViT_D2ST_Adapter` (input `(1 + h w, b t, c)`); ResNet-50 stages: `ResNet_D2ST_Adapter` (input `(b t, c, h, w)`)."""
    C, hidden = ad.dim, ad.hidden
    if name == "vit_b16":
        cfg = SimpleNamespace(ADAPTER=SimpleNamespace(WIDTH=C, ADAPTER_SCALE=hidden / C), DATA=SimpleNamespace(NUM_INPUT_FRAMES=T))
        ref = mod.ViT_D2ST_Adapter(cfg)
    else:                                                   # their class picks a stage's settings from dim vs WIDTH = 2048
        cfg = SimpleNamespace(ADAPTER=SimpleNamespace(WIDTH=2048, ADAPTER_SCALE=hidden / C), DATA=SimpleNamespace(NUM_INPUT_FRAMES=T))
        ref = mod.ResNet_D2ST_Adapter(cfg, C)
    ref = ref.to(ad.down.weight.device, ad.down.weight.dtype)
    ours = ad.state_dict()
    with torch.no_grad():
        for k, p in ref.state_dict().items():
            mine = k if k.split(".")[0] in ("down", "up") else "mixer." + k
            if name == "vit_b16" and k.split(".")[0] in ("s_ln", "t_ln"): mine = mine.replace("_ln.", "_ln.norm.")
            p.copy_(ours[mine].reshape(p.shape))           # 1×1(×1) convolutions hold a Linear's weight
    return ref

def reference_param_grads(ref, name, ad):
    "The authors' adapter's parameter gradients, in the order of `ad.parameters()`, shaped like the library's."
    grads = {k: p.grad for k, p in ref.named_parameters()}
    out = []
    for k, p in ad.named_parameters():
        theirs = k.replace("mixer.", "", 1)
        if name == "vit_b16": theirs = theirs.replace("_ln.norm.", "_ln.")
        out.append(grads[theirs].reshape(p.shape))
    return out

def floor_fns(name, ad, x, gy):
    """The projections every implementation must do: down then up (no activation, no mixer), forward+backward with
    input and weight gradients, on copies of `ad`'s weights. Token form: Linear on the rows. Map form: 1×1 convolutions
    on the maps as they are, and a Linear on channels-last rows (the input already in that layout)."""
    wd, bd, wu, bu = (p.detach().clone().requires_grad_(True) for p in (ad.down.weight, ad.down.bias, ad.up.weight, ad.up.bias))
    params = [wd, bd, wu, bu]
    lin = lambda z: F.linear(F.linear(z, wd, bd), wu, bu)
    if ad.form == "tokens": return {"floor_linear": fwd_bwd(lin, x, gy, params)}
    rows = lambda t: t.permute(0, 2, 3, 1).reshape(-1, t.shape[1]).contiguous()
    conv = lambda z: F.conv2d(F.conv2d(z, wd[:, :, None, None], bd), wu[:, :, None, None], bu)
    return {"floor_conv": fwd_bwd(conv, x, gy, params), "floor_linear": fwd_bwd(lin, rows(x), rows(gy), params)}

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
    "Seconds of each function per repeat, timed in alternation (so a busy machine slows them alike); one warm-up each."
    for f in fns.values(): f()
    ts = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            sync(device); t0 = time.perf_counter(); f(); sync(device)
            ts[k].append(time.perf_counter() - t0)
    return ts

def median_ratio(a, b):
    "Median over repeats of `a[i] / b[i]` (pairs timed next to each other)."
    return statistics.median(x / y for x, y in zip(a, b))

def fwd_bwd(f, x, grad_out, params=()):
    "One forward + backward of `f` at `x` (a fresh leaf) with a fixed output gradient; returns (out, input grad, param grads)."
    def run():
        for p in params: p.grad = None
        xx = x.detach().requires_grad_(True)
        y = f(xx)
        y.backward(grad_out)
        return y.detach(), xx.grad, [p.grad for p in params]
    return run

def _conv_backward_flop(grad_out_shape, x_shape, w_shape, _bias, _stride, _padding, _dilation, transposed,
                        _output_padding, _groups, output_mask, out_shape=None, **kwargs) -> int:
    "A convolution's backward: 2 × its forward's multiply-adds per gradient asked for (input, weight); groups respected."
    macs = math.prod(x_shape if transposed else grad_out_shape) * math.prod(w_shape[1:])
    return 2 * macs * (int(output_mask[0]) + int(output_mask[1]))

def count_flops(fn) -> int:
    """Floating-point operations of matrix products and convolutions while `fn` runs (`torch.utils.flop_counter`).
    Its own formula for a convolution's backward ignores `groups` in the weight gradient — as many times too many as
    there are groups (192× for the ViT-B/16 adapter's depthwise convolutions) — so that one is replaced by
    `_conv_backward_flop`."""
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False, custom_mapping={torch.ops.aten.convolution_backward: _conv_backward_flop}) as fc:
        fn()
    return fc.get_total_flops()

def rel_err(a, b): return ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()

DIMS = {"vit_b16": (768, 14), "resnet50.layer1": (256, 56), "resnet50.layer2": (512, 28),
        "resnet50.layer3": (1024, 14), "resnet50.layer4": (2048, 7)}

def bench_stage(name, T, B, dtype, dev, repeats, compile_=False, reference=None, autocast=None):
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
    def amp(f):                                                                    # e.g. bf16 autocast: figures kept apart
        if autocast is None: return f
        def run():
            with torch.autocast(dev.type, dtype=autocast): return f()
        return run
    fns = {"plain": amp(fwd_bwd(lambda z: adapter_plain(ad, z), x, gy, params)), "library": amp(fwd_bwd(ad, x, gy, params))}
    (y2, g2, p2), (y1, g1, p1) = fns["plain"](), fns["library"]()
    row = dict(stage=name, input_shape=list(shape), params=sum(p.numel() for p in params),
               rel_err_out=rel_err(y1, y2), rel_err_grad=rel_err(g1, g2),
               # all parameter gradients as one vector (proj_k's bias has a zero gradient: softmax ignores a shift)
               rel_err_param_grads=rel_err(torch.cat([q.flatten() for q in p1]), torch.cat([q.flatten() for q in p2])))
    if reference is not None:                                                      # the authors' adapter, same weights
        ref = reference_adapter(reference, name, ad, T)
        rparams = list(ref.parameters())
        if form == "tokens":                                                       # theirs reads (1 + h w, b t, c)
            xr, gyr = x.transpose(0, 1).contiguous(), gy.transpose(0, 1).contiguous()
            fns["authors"] = amp(fwd_bwd(ref, xr, gyr, rparams))
            y3, g3, _ = fns["authors"]()
            y3, g3 = y3.transpose(0, 1), g3.transpose(0, 1)
        else:
            fns["authors"] = amp(fwd_bwd(ref, x, gy, rparams))
            y3, g3, _ = fns["authors"]()
        p3 = reference_param_grads(ref, name, ad)
        row.update(authors_rel_err_out=rel_err(y1, y3), authors_rel_err_grad=rel_err(g1, g3),
                   authors_rel_err_param_grads=rel_err(torch.cat([q.flatten() for q in p1]), torch.cat([q.flatten() for q in p3])))
        del y3, g3, p3
    del y1, y2, g1, g2, p1, p2
    fns.update({k: amp(f) for k, f in floor_fns(name, ad, x, gy).items()})
    if compile_:                                                                   # optional: needs a working inductor backend
        try:
            comp = amp(fwd_bwd(torch.compile(ad), x, gy, params))
            comp()
            fns["compiled"] = comp
        except Exception as e:
            row["compile_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            print(f"  torch.compile failed on {name}: {row['compile_error']}", flush=True)
    if name == "vit_b16":                                                          # the frozen block the adapter follows
        import timm
        blk = timm.models.vision_transformer.Block(C, 12, qkv_bias=True).to(dev, dtype).requires_grad_(False)
        fns["vit_block"] = amp(fwd_bwd(blk, x, gy))
    flops = {k: count_flops(fns[k]) for k in ("library", "authors", "vit_block", *(k for k in fns if k.startswith("floor")))
             if k in fns}
    row.update({f"{k}_gflop": v / 1e9 for k, v in flops.items()})
    ts = interleaved_times(fns, repeats, dev)
    for k, t in ts.items(): row[f"{k}_ms"] = 1e3 * statistics.median(t)
    row["floor_ms"] = min(row[k] for k in ("floor_conv_ms", "floor_linear_ms") if k in row)
    floor_key = min((k for k in ("floor_conv", "floor_linear") if k in ts), key=lambda k: row[f"{k}_ms"])
    row["floor_how"] = floor_key.split("_")[1]
    for k in ("plain", "library") + (("authors",) if "authors" in fns else ()):
        m, cp = profile_run(fns[k], dev)
        row[f"{k}_peak_mb"], row[f"{k}_copy_share"] = m / 2**20, cp
    row["speedup"] = median_ratio(ts["plain"], ts["library"])
    if "authors" in ts: row["speedup_authors"] = median_ratio(ts["authors"], ts["library"])
    row["library_over_floor"] = median_ratio(ts["library"], ts[floor_key])
    row["flop_bound"] = flops["library"] / flops[floor_key]                     # library / floor at equal efficiency
    if "vit_block" in ts:
        row["adapter_vs_block"] = median_ratio(ts["library"], ts["vit_block"])
        row["adapter_vs_block_flops"] = flops["library"] / flops["vit_block"]
    return row

LABELS = {"vit_b16": "ViT-B/16 (8×14×14 + cls, C=768)", "resnet50.layer1": "ResNet-50 layer1 (56×56, C=256)",
          "resnet50.layer2": "ResNet-50 layer2 (28×28, C=512)", "resnet50.layer3": "ResNet-50 layer3 (14×14, C=1024)",
          "resnet50.layer4": "ResNet-50 layer4 (7×7, C=2048)"}

def markdown_table(rows, vit=None) -> str:
    "The rows as a Markdown table: times, ratios (median over alternated repeats), floor, peak memory, largest error."
    ref = all("authors_ms" in r for r in rows)
    head = ["shape", "library ms"] + (["authors ms", "authors / library"] if ref else []) + \
           ["plain ms", "plain / library", "floor ms", "library / floor", "FLOPs / floor's", "library MB"] + (["authors MB"] if ref else []) + \
           ["max rel. error"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        err = max(r[k] for k in ("rel_err_out", "rel_err_grad", "authors_rel_err_out", "authors_rel_err_grad") if k in r)
        cells = [LABELS.get(r["stage"], r["stage"]), f"{r['library_ms']:.1f}"]
        if ref: cells += [f"{r['authors_ms']:.1f}", f"{r['speedup_authors']:.2f}×"]
        cells += [f"{r['plain_ms']:.1f}", f"{r['speedup']:.2f}×", f"{r['floor_ms']:.1f} ({r['floor_how']})",
                  f"{r['library_over_floor']:.2f}×", f"{r['flop_bound']:.2f}×", f"{r['library_peak_mb']:.0f}"]
        if ref: cells += [f"{r['authors_peak_mb']:.0f}"]
        cells += [f"{err:.1e}"]
        out.append("| " + " | ".join(cells) + " |")
    if vit: out.append(f"\nViT-B/16 adapter / frozen timm block (fwd+bwd, median of the alternated repeats' ratios): "
                       f"{vit['library_ms']:.1f} / {vit['vit_block_ms']:.1f} ms = {100 * vit['adapter_vs_block']:.1f} % "
                       f"(floating-point operations: {100 * vit['adapter_vs_block_flops']:.1f} %)")
    return "\n".join(out)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto", help="auto (cuda if available, else cpu), cpu, cuda, mps")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per implementation (median reported)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64", "bfloat16", "float16"])
    ap.add_argument("--autocast", choices=["bfloat16", "float16"],
                    help="run every implementation under torch.autocast of this dtype (weights and inputs stay --dtype)")
    ap.add_argument("--videos", type=int, default=10, help="videos per batch (10 = one 5-way 1-shot episode)")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--stages", nargs="+", default=list(DIMS), choices=list(DIMS), metavar="STAGE",
                    help=f"shapes to measure, from {list(DIMS)}")
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile of the library adapter (off by default)")
    ap.add_argument("--reference", metavar="PATH",
                    help="a checkout of github.com/qizhongtan/D2ST-Adapter: also time the authors' adapter (same weights)")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    ap.add_argument("--markdown", action="store_true", help="also print the table as Markdown (the README's form)")
    a = ap.parse_args(argv)
    dev = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device)
    if a.threads: torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    autocast = getattr(torch, a.autocast) if a.autocast else None
    if dev.type == "cuda" and autocast is None:      # float32 means float32: no TF32 in cuDNN convolutions or matmuls
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    tol = 1e-5 if dtype in (torch.float32, torch.float64) else 2e-2
    reference = load_reference(a.reference) if a.reference else None
    mem_how = ("torch.cuda.max_memory_allocated" if dev.type == "cuda" else
               "torch.profiler(profile_memory=True): peak of the running sum of per-op CPU allocations")
    card = f" ({torch.cuda.get_device_name(dev)})" if dev.type == "cuda" else ""
    print(f"device {dev}{card}, {a.dtype}{f', autocast {a.autocast}' if autocast else ''}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads; {a.videos} videos × {a.frames} frames; forward+backward (fixed output "
          f"gradient), median of {a.repeats}, implementations timed in alternation"
          f"{'; authors: ' + a.reference if reference else ''}{'; TF32 off' if dev.type == 'cuda' and autocast is None else ''}.\npeak memory: {mem_how}, during one forward+backward.\n", flush=True)
    torch.manual_seed(0)
    rows = []
    for name in a.stages:
        r = bench_stage(name, a.frames, a.videos, dtype, dev, a.repeats, a.compile, reference, autocast)
        rows.append(r)
        print(f"  {name}: plain {r['plain_ms']:.1f} ms, library {r['library_ms']:.1f} ms"
              + (f", authors {r['authors_ms']:.1f} ms" if "authors_ms" in r else "")
              + f", floor {r['floor_ms']:.1f} ms ({r['floor_how']})"
              + (f", compiled {r['compiled_ms']:.1f} ms" if "compiled_ms" in r else "")
              + (f", frozen ViT block {r['vit_block_ms']:.1f} ms" if "vit_block_ms" in r else ""), flush=True)
    mixed = autocast is not None
    tol = 2e-2 if mixed else tol
    hdr = (f"\n{'stage':16s} {'params':>9s} {'library ms':>10s} "
           + (f"{'authors ms':>10s} {'ratio':>6s} " if reference else "")
           + f"{'plain ms':>10s} {'ratio':>6s} {'floor ms':>8s} {'lib/floor':>9s} {'FLOPs':>6s} {'library MB':>10s} "
           + (f"{'authors MB':>10s} " if reference else "") + f"{'plain MB':>10s} {'err out':>8s} {'err dx':>8s} {'err dW':>8s}  result")
    print(hdr); print("-" * (len(hdr) - 1))
    for r in rows:
        errs = [r["rel_err_out"], r["rel_err_grad"]] + ([r["authors_rel_err_out"], r["authors_rel_err_grad"]] if reference else [])
        if reference:
            fast = r["speedup_authors"] >= 1.5 or (r["stage"] != "vit_b16" and r["library_over_floor"] <= 1.2)
            checks = {"speed ≥1.5× authors" + ("" if r["stage"] == "vit_b16" else " or ≤1.2× floor"): fast,
                      "equal": max(errs) <= tol, "memory ≤ authors": r["library_peak_mb"] <= r["authors_peak_mb"] * 1.01 + 1}
        else:
            checks = {"speed ≥1.5×": r["speedup"] >= 1.5, "equal": max(errs) <= tol,
                      "memory ≤": r["library_peak_mb"] <= r["plain_peak_mb"] * 1.01 + 1}
        r["targets"] = checks
        res = "PASS" if all(checks.values()) else "MISS (" + ", ".join(k for k, v in checks.items() if not v) + ")"
        err = lambda k: max(r[k], r.get("authors_" + k, 0))
        print(f"{r['stage']:16s} {r['params']:>9,} {r['library_ms']:10.1f} "
              + (f"{r['authors_ms']:10.1f} {r['speedup_authors']:5.2f}× " if reference else "")
              + f"{r['plain_ms']:10.1f} {r['speedup']:5.2f}× {r['floor_ms']:8.1f} {r['library_over_floor']:8.2f}× {r['flop_bound']:5.2f}× "
              + f"{r['library_peak_mb']:10.1f} " + (f"{r['authors_peak_mb']:10.1f} " if reference else "")
              + f"{r['plain_peak_mb']:10.1f} {err('rel_err_out'):8.1e} {err('rel_err_grad'):8.1e} {err('rel_err_param_grads'):8.1e}  {res}")
    print("ratio = the other's time / the library's (median over alternated repeats); floor = down+up projections alone "
          "(fwd+bwd, the faster of 1×1 conv on maps and Linear on channels-last rows); FLOPs = the library's floating-point "
          "operations (matrix products, convolutions) over the floor's: the least lib/floor at equal efficiency; errors: the largest relative error of "
          f"the library against {'the authors and ' if reference else ''}the plain form (out, input grad, parameter grads).")
    if reference:
        print(f"targets: ≥ 1.5× the authors' adapter at ViT-B/16; at every ResNet-50 stage ≥ 1.5× or within 1.2× of the floor; "
              f"outputs and input gradients within {tol:g} relative; peak memory not above the authors'.")
    else:
        print(f"targets: library ≥ 1.5× faster than the plain form, output and input grad within {tol:g} relative, "
              f"peak memory not higher.")
    vit = next((r for r in rows if "adapter_vs_block" in r), None)
    if vit:
        ok = vit["adapter_vs_block"] <= 0.10
        print(f"ViT-B/16 adapter fwd+bwd {vit['library_ms']:.1f} ms vs the frozen timm Block it follows (fwd+bwd w.r.t. input) "
              f"{vit['vit_block_ms']:.1f} ms: {100 * vit['adapter_vs_block']:.1f}% (aim ≤ 10%: {'PASS' if ok else 'MISS'}); "
              f"in floating-point operations {100 * vit['adapter_vs_block_flops']:.1f}%")
    if a.markdown: print("\n" + markdown_table(rows, vit))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"device": str(dev) + card, "dtype": a.dtype, "autocast": a.autocast, "torch": torch.__version__,
                       "threads": torch.get_num_threads(), "videos": a.videos, "frames": a.frames, "repeats": a.repeats,
                       "reference": bool(reference), "memory_method": mem_how, "rows": rows}, f, indent=1)
    return 0

if __name__ == "__main__":
    sys.exit(main())
