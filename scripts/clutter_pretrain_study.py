"""The study behind the image model's second stage (lesson 05a, `d2st_nb.image_model.pretrain_on_clutter`): variants
of the clutter pre-training, to see whether an image model that has seen more than one kind of background sees
motion on a world it never saw. The stills and the training are the library's (`render_cluttered`,
`pretrain_on_clutter`); this script only names the variants on its command line.

Each still: one of four backgrounds (the bundled world's texture; a two-colour gradient with soft blocks; coloured
value noise at a random scale; stripes or a checkerboard), 0-3 distractor sprites of any shape, colour and size
(half with a dark outline), then the labelled object on top (half outlined). Targets: the object's shape x colour
and geometry, as the bundled model's, plus a soft 8 x 8 heat map of every object's centre, plus (MOMENTS_WEIGHT > 0)
the moments of all objects' centres: the sums of x and of y over every object drawn, and their count. Which sprite
is "the object" can be ambiguous in a still; the moments are not, and their change between two frames is the net
displacement of whatever moved. Usage:

    python scripts/clutter_pretrain_study.py show                                  # /tmp/clutter_stills.png
    python scripts/clutter_pretrain_study.py OUT N_IMAGES EPOCHS HEAT_WEIGHT [LR [INIT_DIR|- [MOMENTS_WEIGHT [HOME_FRACTION]]]]
    python scripts/motion_probe.py --root WORLD --split val --learners --image-root OUT
    python scripts/clutter_pretrain_study.py readout DIR [DIR ...]   # what each model reads off the world's stills

`readout`: a ridge read-out (lambda 0.1) of each model's frozen pre-logit features, fitted on 3,000 of the world's
stills (`render_image`) and scored on 1,000 others: the class accuracy and the R^2 of each geometry number (the
JSON's `home_linear_readout`).

INIT_DIR continues from a pre-trained image model (a folder with the first stage's model, e.g. the stills model of
`pretrain_image_model`; '-' starts from scratch). HOME_FRACTION: the share of stills of the world's own kind. The
bundled model is M7: `... M7 12000 4 1 1e-3 STILLS 6 0.5`, STILLS the first stage's model. The runs measured
(one thread each, beside other jobs) are in nbs/results/clutter_pretrain_study.json, with the recipe run on other
worlds with its model M1 (`d2st-train --preset demo --data-root W --model-kwargs '{"root": "OUT"}'`). Its models A-C
were made by this script as of commit ebf5293, before the moments outputs were added to the head (a larger head
changes the random draws that follow, so re-running them now gives other models).
"""
import json, sys
import matplotlib, torch
from d2st_nb.image_model import IMAGE_MODEL, image_batch, pretrain_on_clutter, render_cluttered
from d2st_nb.synthetic import GEOMETRY, IMAGE_CLASSES

def readout(root, fit=3000, test=1000, ridge=0.1):
    import timm
    from safetensors.torch import load_file
    info = json.load(open(f"{root}/image_model.json"))
    net = timm.create_model(IMAGE_MODEL["timm_name"], num_classes=0, img_size=IMAGE_MODEL["img_size"], **IMAGE_MODEL["timm_kwargs"])
    net.load_state_dict(load_file(f"{root}/image_model.safetensors")); net.eval()
    x, y, geo = image_batch(range(10**7, 10**7 + fit + test), info["mean"], info["std"])
    with torch.no_grad(): f = torch.cat([net(x[i:i + 500]) for i in range(0, len(x), 500)])
    f = torch.cat([f, torch.ones(len(f), 1)], 1)                                   # n (c + 1): a bias column
    tgt = torch.cat([torch.nn.functional.one_hot(y, len(IMAGE_CLASSES)).float(), geo], 1)
    w = torch.linalg.solve(f[:fit].T @ f[:fit] + ridge * torch.eye(f.shape[1]), f[:fit].T @ tgt[:fit])
    p, t, k = f[fit:] @ w, tgt[fit:], len(IMAGE_CLASSES)
    r2 = 1 - ((p[:, k:] - t[:, k:]) ** 2).mean(0) / t[:, k:].var(0)
    return {"class accuracy": round(100 * (p[:, :k].argmax(1) == y[fit:]).float().mean().item(), 1),
            **{f"r2_{n}": round(v, 3) for n, v in zip(GEOMETRY, r2.tolist())}}

if __name__ == "__main__":
    if sys.argv[1] == "readout":
        for root in sys.argv[2:]: print(root, readout(root), flush=True)
    elif sys.argv[1] == "show":
        matplotlib.use("Agg"); import matplotlib.pyplot as plt
        fig, axs = plt.subplots(3, 8, figsize=(12, 4.6))
        for i, ax in enumerate(axs.flat): ax.imshow(render_cluttered(i)[0]); ax.axis("off")
        fig.savefig("/tmp/clutter_stills.png", dpi=70)
    else:
        a = sys.argv[1:] + [None] * 8
        pretrain_on_clutter(a[0], n_images=int(a[1]), epochs=int(a[2]), heat_weight=float(a[3]), lr=float(a[4] or 2e-3),
                            init=None if a[5] in (None, "-") else a[5], moments_weight=float(a[6] or 0.0),
                            home_fraction=float(a[7] or 0.0))
