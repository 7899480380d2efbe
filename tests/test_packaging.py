"""How d2st_nb reaches its users, tested the way they get it:

- a wheel (and the sdist it comes from) carries the bundled world, and an installed wheel runs the `demo`
  preset from a folder outside the clone;
- an editable install cannot be shadowed by the clone's own folder (a Colab runtime restart runs the kernel in
  the clone's parent, where `d2st_nb/` is the repository, not the package);
- every lesson opens with the same install cell, which installs only when d2st_nb is missing or shadowed.

The builds use this environment's setuptools (`--no-build-isolation`), so no network is needed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BUNDLED = ["image_model.json", "image_model.safetensors", "image_head.safetensors", "videos/splits/train.txt",
           "videos/splits/test.txt", "videos/up_then_right/up_then_right_000.mp4"]


def run(*cmd, cwd=None, env=None, timeout=600):
    p = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{cmd} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def source_copy(dest: Path) -> Path:
    "The files git tracks (or would: untracked, not ignored), as they are in the working tree: a fresh clone."
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    for f in files:
        if (ROOT / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    return dest


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    return source_copy(tmp_path_factory.mktemp("clone") / "d2st_nb")


@pytest.fixture(scope="module")
def dists(clone, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(PY, "setup.py", "-q", "sdist", "-d", out, cwd=clone)
    (sdist,) = out.glob("d2st_nb-*.tar.gz")
    run(PY, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, sdist)   # the wheel from the sdist
    (wheel,) = out.glob("d2st_nb-*.whl")
    return sdist, wheel


def test_sdist_and_wheel_carry_the_bundled_world(dists):
    sdist, wheel = dists
    names = tarfile.open(sdist).getnames()
    stem = names[0].split("/")[0]
    for f in ["settings.ini", "setup.py", *(f"data_samples/{b}" for b in BUNDLED)]:
        assert f"{stem}/{f}" in names, f"sdist lacks {f}"
    wnames = zipfile.ZipFile(wheel).namelist()
    for b in BUNDLED: assert f"d2st_nb/data_samples/{b}" in wnames, f"wheel lacks {b}"
    assert not any(n.startswith("data_samples/") for n in wnames), "data_samples must live inside the package"
    size = sum(i.file_size for i in zipfile.ZipFile(wheel).infolist() if "data_samples/" in i.filename)
    assert size <= 25 * 2**20, f"bundled data is {size / 2**20:.1f} MB (limit 25 MB)"


def test_installed_wheel_runs_the_demo_outside_the_clone(dists, tmp_path):
    _, wheel = dists
    site = tmp_path / "site"
    run(PY, "-m", "pip", "install", "-q", "--no-deps", "--target", site, wheel)
    work = tmp_path / "elsewhere"; work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "MPLBACKEND": "Agg"}
    env.pop("D2ST_DATA_SAMPLES", None)
    p = run(PY, "-c", "import d2st_nb, d2st_nb.synthetic as s; print(d2st_nb.__file__); print(s.data_samples_dir())",
            cwd=work, env=env)
    pkg_file, data_dir = p.stdout.split()
    assert Path(pkg_file).is_relative_to(site) and Path(data_dir) == site / "d2st_nb" / "data_samples", p.stdout
    p = run(PY, "-m", "d2st_nb.recipes", "--preset", "demo", "--steps", "2", "--way", "3", "--query", "1", "--num-frames",
            "4", "--eval-shots", "1", "--eval-episodes", "1", "--eval-query", "1", "--compare-with", "",
            "--no-eval-shuffled", "--twin-episodes", "0", "--workers", "0", "--device", "cpu", "--out-dir", work / "run", cwd=work, env=env)
    res = json.loads((work / "run" / "results.json").read_text())
    assert list(res["models"]) == ["d2st (trained)"] and "trained in" in p.stdout


def test_editable_install_is_not_shadowed_by_the_clone_folder(clone, tmp_path):
    """After a runtime restart the kernel's working folder is the clone's parent, so `d2st_nb/` there is the
    repository: with an import-hook editable install, `import d2st_nb` found that folder as an empty namespace
    package (`__file__` None). The install must be a path entry that wins over it."""
    wheels = tmp_path / "wheels"; wheels.mkdir()
    run(PY, "-c", f"from setuptools import build_meta as b; b.build_editable({str(wheels)!r})", cwd=clone)
    venv = tmp_path / "venv"
    run(PY, "-m", "venv", "--without-pip", venv)
    vpy = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(PY, "-m", "pip", "--python", vpy, "install", "-q", "--no-deps", "--no-index", *wheels.glob("*.whl"))
    # find_spec, as the lessons' install cell does: it locates the package without running its __init__ (which needs
    # torch, not installed in this bare venv)
    probe = ("import importlib.util, pathlib; s = importlib.util.find_spec('d2st_nb'); print(s.origin); "
             "print(pathlib.Path(list(s.submodule_search_locations)[0], 'sampling.py'))")
    p = run(vpy, "-c", probe, cwd=clone.parent)            # a fresh interpreter in the clone's parent: the restart case
    init, sampling = p.stdout.split()
    assert Path(init) == clone / "d2st_nb" / "__init__.py" and Path(sampling) == clone / "d2st_nb" / "sampling.py", p.stdout


# ------------------------------------------------------------------ the lessons' install cell
INSTALL_CELL = '''#| hide
# Colab, or wherever d2st_nb is missing: install it (with its bundled data and what the lessons draw with).
# Safe to re-run and after a runtime restart: it installs only when `import d2st_nb` would not find the package.
import importlib, importlib.util, subprocess, sys
if getattr(importlib.util.find_spec("d2st_nb"), "origin", None) is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "d2st_nb[lessons] @ git+https://github.com/d2st-nb/d2st_nb"], check=True)
    importlib.invalidate_caches()'''


def lessons():
    return sorted((ROOT / "nbs").glob("[0-9][0-9]_*.ipynb")) + [ROOT / "nbs" / "index.ipynb"]


def test_every_lesson_opens_with_the_one_install_cell():
    for nb in lessons():
        cells = json.loads(nb.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert "".join(code[0]["source"]) == INSTALL_CELL, f"{nb.name}: first code cell is not the install cell"


@pytest.mark.parametrize("shadow", [False, True])
def test_install_cell_installs_only_when_missing_or_shadowed(tmp_path, shadow):
    """Run the cell's code in a fresh interpreter without site-packages (d2st_nb not importable), with pip replaced
    by a recorder; with `shadow`, the working folder holds a `d2st_nb/` folder that is not the package."""
    if shadow: (tmp_path / "d2st_nb").mkdir()
    body = INSTALL_CELL.split("\n", 1)[1]
    code = ("import subprocess; calls = []; subprocess.run = lambda *a, **k: calls.append(a[0])\n" + body +
            "\nprint(calls)")
    p = run(PY, "-S", "-c", code, cwd=tmp_path)
    (cmd,) = eval(p.stdout)
    assert cmd[1:4] == ["-m", "pip", "install"] and cmd[-1].startswith("d2st_nb[lessons] @ git+https://"), cmd
    # where the package is importable (this environment) the cell does nothing
    p = run(PY, "-c", "import subprocess; calls = []; subprocess.run = lambda *a, **k: calls.append(a)\n" + body +
            "\nprint(calls)", cwd=tmp_path)
    assert p.stdout.strip() == "[]", p.stdout


def test_gpu_lessons_ask_colab_for_a_gpu_runtime():
    "Lessons 07a–10 train: their Colab metadata asks for a GPU, and their text says how to switch the runtime."
    names = ["07a_train", "08_recipes", "09_viz", "10_ablation"]
    for nb in [ROOT / "nbs" / f"{n}.ipynb" for n in names]:
        d = json.loads(nb.read_text())
        assert d["metadata"].get("accelerator") == "GPU" and d["metadata"].get("colab", {}).get("gpuType"), nb.name
        assert any("Change runtime type" in " ".join("".join(c["source"]).split()) for c in d["cells"]
                   if c["cell_type"] == "markdown"), nb.name
