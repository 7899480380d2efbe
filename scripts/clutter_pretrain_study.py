"""A study, not the library: pre-train the bundled-size image model on cluttered stills, to see whether an image
model that has seen more than one kind of background sees motion on a world it never saw.

Each still: one of four backgrounds (the bundled world's texture; a two-colour gradient with soft blocks; coloured
value noise at a random scale; stripes or a checkerboard), 0-3 distractor sprites of any shape, colour and size
(half with a dark outline), then the labelled object on top (half outlined). Targets: the object's shape x colour
and geometry, as the bundled model's, plus a soft 8 x 8 heat map of every object's centre, plus (MOMENTS_WEIGHT > 0)
the moments of all objects' centres: the sums of x and of y over every object drawn, and their count. Which sprite
is "the object" can be ambiguous in a still; the moments are not, and their change between two frames is the net
displacement of whatever moved. Usage:

    python scripts/clutter_pretrain_study.py show                                  # /tmp/clutter_stills.png
    python scripts/clutter_pretrain_study.py OUT N_IMAGES EPOCHS HEAT_WEIGHT [LR [INIT_DIR|- [MOMENTS_WEIGHT]]]
    python scripts/motion_probe.py --root WORLD --split val --learners --image-root OUT

INIT_DIR continues from a pre-trained image model (e.g. data_samples; '-' starts from scratch). The runs measured
(one thread each, beside other jobs) are in nbs/results/clutter_pretrain_study.json, with the recipe run on other
worlds with its model M1 (`d2st-train --preset demo --data-root W --model-kwargs '{"root": "OUT"}'`). Its models A-C
were made by this script as of commit ebf5293, before the moments outputs were added to the head (a larger head
changes the random draws that follow, so re-running them now gives other models).
"""
import json, math, sys, time
from pathlib import Path
import torch, torch.nn.functional as F
from d2st_nb.synthetic import (SHAPES, COLOUR_FAMILIES, IMAGE_CLASSES, GEOMETRY, RADIUS, LIGHT, MARGIN, SIZE, _seed, _texture,
                               _mask, _draw, _uniform, appearance, one_thread)
from d2st_nb.image_model import IMAGE_MODEL, sincos_2d

GRID = 8
MOMENTS = ("sum_x", "sum_y", "count")   # of all objects' centres: the last outputs of the head, after the heat map
SIGMA = 0.6   # of a grid cell

def _background(g, size=SIZE):
    kind = int(torch.randint(4, (1,), generator=g))
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    if kind == 0: return _texture(g, size)
    if kind == 1:                                    # gradient of two colours with soft blocks on it
        a, b = torch.rand(3, 1, 1, generator=g), torch.rand(3, 1, 1, generator=g)
        th = float(torch.rand(1, generator=g)) * 2 * math.pi
        t = ((xx * math.cos(th) + yy * math.sin(th)) / size + 1) / 2
        img = a + (b - a) * t.clamp(0, 1)
        for _ in range(int(torch.randint(2, 8, (1,), generator=g))):
            x0, y0 = (torch.rand(2, generator=g) * size).tolist(); w, h = (torch.rand(2, generator=g) * size * 0.4 + 3).tolist()
            m = (((w / 2 - (xx - x0).abs()).clamp(-1, 1) + 1) / 2).minimum(((h / 2 - (yy - y0).abs()).clamp(-1, 1) + 1) / 2)
            img = img * (1 - 0.8 * m) + 0.8 * m * torch.rand(3, 1, 1, generator=g)
        return img.clamp(0, 1)
    if kind == 2:                                    # coloured value noise at a random scale
        k = int(torch.randint(4, 33, (1,), generator=g))
        n = F.interpolate(torch.rand(1, 3, k, k, generator=g), size=(size, size), mode="bicubic", align_corners=False)[0]
        base, amp = torch.rand(3, 1, 1, generator=g) * 0.6 + 0.2, float(torch.rand(1, generator=g)) * 0.6 + 0.2
        return (base + amp * (n - 0.5)).clamp(0, 1)
    a, b = torch.rand(3, 1, 1, generator=g), torch.rand(3, 1, 1, generator=g)   # stripes or a checkerboard
    fr, th, ph = (torch.rand(3, generator=g) * torch.tensor([0.5, math.pi, 2 * math.pi]) + torch.tensor([0.1, 0, 0])).tolist()
    u, v = xx * math.cos(th) + yy * math.sin(th), -xx * math.sin(th) + yy * math.cos(th)
    s = torch.sin(fr * u + ph) if float(torch.rand(1, generator=g)) < 0.5 else torch.sin(fr * u + ph) * torch.sin(fr * v)
    t = (s + 1) / 2
    return a + (b - a) * t

def _sprite(img, g, shape, colour, x, y, r, angle, light, outline):
    if outline:
        m, _ = _mask(shape, x, y, max(r, 0.5) + 1.2, angle, img.shape[-1])
        img = img * (1 - m) + 0.05 * m
    return _draw(img, shape, colour, x, y, r, angle, light)

def render_cluttered(seed: int, size: int = SIZE):
    g = torch.Generator().manual_seed(_seed("cluttered image", seed))
    look = appearance(g)
    img = _background(g, size)
    occ = torch.zeros(GRID * GRID)
    centres = []
    cc = (torch.arange(GRID, dtype=torch.float32) + 0.5) * size / GRID
    def mark(x, y):     # a soft heat map of every object's centre
        d2 = ((cc.view(GRID, 1) - y) ** 2 + (cc.view(1, GRID) - x) ** 2) / (SIGMA * size / GRID) ** 2
        occ.copy_(torch.maximum(occ, torch.exp(-d2 / 2).flatten()))
        centres.append((x, y))
    for _ in range(int(torch.randint(0, 4, (1,), generator=g))):   # distractors: any shape, any colour, smaller or not
        r = _uniform(g, 2.5, 12.0); x, y = _uniform(g, r, size - r), _uniform(g, r, size - r)
        img = _sprite(img, g, SHAPES[int(torch.randint(len(SHAPES), (1,), generator=g))], torch.rand(3, generator=g).tolist(),
                      x, y, r, float(torch.rand(1, generator=g)) * 2 * math.pi, _uniform(g, *LIGHT), float(torch.rand(1, generator=g)) < 0.5)
        mark(x, y)
    log_r = _uniform(g, math.log(RADIUS[0]), math.log(RADIUS[1]))
    m = MARGIN + 0.9 * math.exp(log_r)
    x, y = _uniform(g, m, size - m), _uniform(g, m, size - m)
    light = _uniform(g, *LIGHT)
    img = _sprite(img, g, look["shape"], look["colour"], x, y, math.exp(log_r), look["angle"], light, float(torch.rand(1, generator=g)) < 0.5)
    mark(x, y)
    mid_r = (math.log(RADIUS[0]) + math.log(RADIUS[1])) / 2
    geo = [(x - size / 2) / (size / 4), (y - size / 2) / (size / 4), (log_r - mid_r) / 0.4, math.cos(look["angle"]),
           math.sin(look["angle"]), (light - sum(LIGHT) / 2) / 0.2]
    # MOMENTS, returned after the heat map: unlike "the object's x, y" they do not depend on which object is which
    mom = [sum((cx - size / 2) / (size / 4) for cx, _ in centres), sum((cy - size / 2) / (size / 4) for _, cy in centres),
           len(centres) - 2.5]
    return (img.clamp(0, 1).permute(1, 2, 0) * 255).round().to(torch.uint8), IMAGE_CLASSES.index(f"{look['shape']}/{look['family']}"), geo, torch.cat([occ, torch.tensor(mom)])

def batch(seeds, mean, std):
    with one_thread(): ims, labels, geo, occ = zip(*(render_cluttered(s) for s in seeds))
    x = torch.stack(ims).permute(0, 3, 1, 2).float() / 255
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1), torch.tensor(labels), torch.tensor(geo), torch.stack(occ)

@torch.no_grad()
def scores(net, mean, std, seeds=range(10**7, 10**7 + 1000)):
    net.eval(); x, y, geo, occ = batch(list(seeds), mean, std); k = len(IMAGE_CLASSES)
    out = net(x); p = out[:, k:k + len(GEOMETRY)]
    r2 = 1 - ((p - geo) ** 2).mean(0) / geo.var(0)
    o = k + len(GEOMETRY) + GRID * GRID
    heat, mom = occ[:, :-len(MOMENTS)], occ[:, -len(MOMENTS):]
    occ_acc = 1 - ((out[:, k + len(GEOMETRY):o].sigmoid() - heat) ** 2).mean().item() / heat.var().item()
    r2m = 1 - ((out[:, o:] - mom) ** 2).mean(0) / mom.var(0)
    return {"moments_r2": [round(v, 3) for v in r2m.tolist()], "accuracy": round(100 * (out[:, :k].argmax(1) == y).float().mean().item(), 1), "r2": dict(zip(GEOMETRY, [round(v, 3) for v in r2.tolist()])),
            "heat_map_r2": round(occ_acc, 3)}

def pretrain(out_dir, n_images=12000, epochs=8, batch_size=128, lr=2e-3, seed=0, geometry_weight=2.0, occ_weight=1.0, init=None,
             mom_weight=0.0):
    import timm
    from safetensors.torch import save_file
    torch.manual_seed(seed); t0 = time.time()
    x_all, y_all, g_all, o_all = batch(range(n_images), (0, 0, 0), (1, 1, 1))
    mean, std = x_all.mean((0, 2, 3)).tolist(), x_all.std((0, 2, 3)).tolist()
    mean0, std0 = mean, std
    x_all = (x_all - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    print(f"rendered {n_images} images in {time.time() - t0:.0f} s", flush=True)
    k, ng, nm = len(IMAGE_CLASSES), len(GEOMETRY), len(MOMENTS)
    net = timm.create_model(IMAGE_MODEL["timm_name"], pretrained=False, num_classes=k + ng + GRID * GRID + len(MOMENTS),
                            img_size=IMAGE_MODEL["img_size"], **IMAGE_MODEL["timm_kwargs"])
    with torch.no_grad(): net.pos_embed[:, net.num_prefix_tokens:] = sincos_2d(*net.patch_embed.grid_size, net.embed_dim)
    if init:                                         # continue from a pre-trained image model (its body and its heads)
        from safetensors.torch import load_file
        sd = load_file(f"{init}/image_model.safetensors"); hd = load_file(f"{init}/image_head.safetensors")
        print(net.load_state_dict(sd, strict=False))
        with torch.no_grad():
            net.head.weight[:k + ng] = hd["head.weight"]; net.head.bias[:k + ng] = hd["head.bias"]
        mean, std = json.loads(Path(init, "image_model.json").read_text())["mean"], json.loads(Path(init, "image_model.json").read_text())["std"]
        x_all = x_all * torch.tensor(std0).view(1, 3, 1, 1) + torch.tensor(mean0).view(1, 3, 1, 1)
        x_all = (x_all - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
        print("held-out before:", scores(net, mean, std), flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.05)
    steps = epochs * (n_images // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.1)
    for ep in range(epochs):
        net.train(); perm = torch.randperm(n_images)
        for i in range(0, n_images - batch_size + 1, batch_size):
            idx = perm[i:i + batch_size]; out = net(x_all[idx])
            loss = (F.cross_entropy(out[:, :k], y_all[idx]) + geometry_weight * F.mse_loss(out[:, k:k + ng], g_all[idx])
                    + occ_weight * F.binary_cross_entropy_with_logits(out[:, k + ng:-nm], o_all[idx][:, :-nm])
                    + mom_weight * F.mse_loss(out[:, -nm:], o_all[idx][:, -nm:]))
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        print(f"epoch {ep + 1}: loss {loss.item():.3f}, held-out {scores(net, mean, std)} ({time.time() - t0:.0f} s)", flush=True)
    out = Path(out_dir); out.mkdir(parents=True, exist_ok=True)
    save_file({a: v.contiguous() for a, v in net.state_dict().items() if not a.startswith("head.")}, str(out / "image_model.safetensors"))
    info = {**IMAGE_MODEL, "mean": mean, "std": std, "image_classes": list(IMAGE_CLASSES), "geometry": list(GEOMETRY),
            "made_by": f"scripts/clutter_pretrain_study.py pretrain(n_images={n_images}, epochs={epochs}, occ_weight={occ_weight}, mom_weight={mom_weight}, init={init!r})", "seconds": round(time.time() - t0)}
    (out / "image_model.json").write_text(json.dumps(info, indent=1))
    return info

if __name__ == "__main__":
    if sys.argv[1] == "show":
        import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
        fig, axs = plt.subplots(3, 8, figsize=(12, 4.6))
        for i, ax in enumerate(axs.flat): ax.imshow(render_cluttered(i)[0]); ax.axis("off")
        fig.savefig("/tmp/clutter_stills.png", dpi=70)
    else: pretrain(sys.argv[1], n_images=int(sys.argv[2]), epochs=int(sys.argv[3]), occ_weight=float(sys.argv[4]),
                   lr=float(sys.argv[5]) if len(sys.argv) > 5 else 2e-3, init=(sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] != "-" else None),
                   mom_weight=float(sys.argv[7]) if len(sys.argv) > 7 else 0.0)
