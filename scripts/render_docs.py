#!/usr/bin/env python
"""Render the lessons, executed, to a static HTML site without Quarto.

    .venv/bin/python scripts/render_docs.py                 # every notebook in nbs/, executed -> _site/
    .venv/bin/python scripts/render_docs.py 00_*.ipynb      # only some (globs relative to nbs/, or paths)
    .venv/bin/python scripts/render_docs.py --no-execute    # render the stored outputs only (fast)
    .venv/bin/python scripts/render_docs.py --quarto        # nbdev_docs instead (needs `quarto` on PATH)

Each notebook runs top to bottom in a fresh Jupyter kernel of *this* Python (nbclient), with the notebook's
folder as working directory, and is written by nbconvert's HTML exporter (lab template) as `<name>.html`;
`index.ipynb` becomes `index.html`, and links between notebooks (`xx.ipynb`) point at the pages (`xx.html`).
Figures are embedded in the page (`data:image/png`), so every page is one self-contained file.

nbdev's cell directives are honoured the way `nbdev_docs` does: `#| hide` and `#| include: false` cells are
left out, `#| echo: false` shows only the output, `#| output: false` only the source, `#| eval: false` cells
are not run, cells with a test flag from settings.ini's `tst_flags` (e.g. `#| notest`) are not run unless
the flag is given with `--flags` (as `nbdev_test` does), and the directive lines themselves are not shown.
"""
from __future__ import annotations

import argparse
import copy
import glob
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
SKIP_TAG = "skip-execution"  # nbclient's default `skip_cells_with_tag`
HIDE_CELL, HIDE_INPUT, HIDE_OUTPUT = "d2st-remove-cell", "d2st-remove-input", "d2st-remove-output"
DIRECTIVE = re.compile(r"^\s*#\s?\|\s*(.*?)\s*$")
# a relative link to a notebook: ](xx.ipynb) / ](xx.ipynb#anchor) in markdown, href="xx.ipynb..." in HTML
MD_NB_LINK = re.compile(r"(\]\(\s*)(?!\w+://)([^)\s#]+?)\.ipynb(?=[)#\s])")
HTML_NB_LINK = re.compile(r"""(href=["'])(?!\w+://)([^"'#]+?)\.ipynb(?=["'#])""")


# ----------------------------------------------------------------------------------------------- notebooks
def find_notebooks(patterns=(), nbs_dir: Path | str = NBS) -> list[Path]:
    """The notebooks to render: every `*.ipynb` under `nbs_dir` (recursively, skipping names that start with
    `_` or `.`, as nbdev does), or those matching `patterns` (globs relative to `nbs_dir`, or paths)."""
    nbs_dir = Path(nbs_dir)
    if not patterns:
        found = [p for p in nbs_dir.rglob("*.ipynb")
                 if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs_dir).parts)]
    else:
        found = []
        for pat in patterns:
            hits = [Path(h) for h in glob.glob(str(nbs_dir / pat), recursive=True)] or \
                   [Path(h) for h in glob.glob(pat, recursive=True)]
            if not hits: raise SystemExit(f"render_docs: no notebook matches {pat!r} (in {nbs_dir} or here)")
            found += [h for h in hits if h.suffix == ".ipynb"]
    return sorted({p.resolve() for p in found}, key=lambda p: (p.name != "index.ipynb", str(p)))


def html_name(nb_path: Path, nbs_dir: Path | str = NBS) -> Path:
    "Where a notebook's page goes, relative to the site folder: `nbs/00_x.ipynb` -> `00_x.html`."
    try: rel = nb_path.resolve().relative_to(Path(nbs_dir).resolve())
    except ValueError: rel = Path(nb_path.name)
    return rel.with_suffix(".html")


def read_tst_flags(settings: Path = ROOT / "settings.ini") -> set[str]:
    "settings.ini's `tst_flags`: cells carrying one of these directives are skipped by nbdev_test."
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(settings)
    return set(cfg.get("DEFAULT", "tst_flags", fallback="").replace(",", " ").split())


def parse_directives(source: str) -> tuple[dict[str, str], str]:
    """Split a code cell's leading nbdev/Quarto directives (`#| key: value`, `#|key value`) from its code:
    `({'echo': 'false', 'export': ''}, 'code…')`."""
    lines, directives = source.splitlines(), {}
    i = 0
    while i < len(lines):
        m = DIRECTIVE.match(lines[i])
        if m is None: break
        body = m.group(1)
        if body:
            key, _, value = body.partition(":") if re.match(r"^[\w-]+:", body) else body.partition(" ")
            directives[key.strip().lower()] = value.strip().strip("'\"")
        i += 1
    return directives, "\n".join(lines[i:]).lstrip("\n")


def _false(v: str | None) -> bool: return v is not None and v.strip().lower() in ("false", "no", "0")


def prepare(nb, tst_flags: set[str] = frozenset(), flags: set[str] = frozenset()):
    """Tag each code cell for execution and display from its directives (the notebook is changed in place):
    what must not run gets nbclient's skip tag; what must not show gets a tag the exporter removes."""
    for cell in nb.cells:
        if cell.cell_type != "code": continue
        d, code = parse_directives(cell.source)
        tags = set(cell.metadata.get("tags", []))
        skipped_flags = (set(d) & set(tst_flags)) - set(flags)
        if _false(d.get("eval")) or skipped_flags: tags.add(SKIP_TAG)
        if "hide" in d or _false(d.get("include")): tags.add(HIDE_CELL)
        if _false(d.get("echo")): tags.add(HIDE_INPUT)
        if _false(d.get("output")): tags.add(HIDE_OUTPUT)
        cell.metadata["tags"] = sorted(tags)
        cell.metadata["d2st_shown_source"] = code
    return nb


def rewrite_md_links(text: str) -> str: return MD_NB_LINK.sub(r"\1\2.html", text)
def rewrite_html_links(text: str) -> str: return HTML_NB_LINK.sub(r"\1\2.html", text)


def title_of(nb, default: str) -> str:
    "The lesson's title: the first `# heading` of the first markdown cell (nbdev's convention)."
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            return m.group(1) if m else default
    return default


def for_display(nb):
    """A copy of the executed notebook as the page shows it: directive lines stripped from the shown source,
    cells left empty by that dropped, hidden cells removed, notebook links pointing at the pages."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_md_links(cell.source)
        elif cell.cell_type == "code":
            tags = set(cell.metadata.get("tags", []))
            cell.source = cell.metadata.pop("d2st_shown_source", cell.source)
            if HIDE_CELL in tags: continue
            if HIDE_OUTPUT in tags: cell.outputs = []
            if HIDE_INPUT in tags and not cell.outputs: continue
            if not cell.source.strip() and not cell.outputs: continue  # e.g. a lone `#| default_exp x`
        cells.append(cell)
    nb.cells = cells
    return nb


# ----------------------------------------------------------------------------------------------- execution
def kernel_env() -> dict[str, str]:
    """The kernel's environment: this one, with this Python's bin first on PATH (so `torchrun` & co. are the
    venv's) and matplotlib's inline backend (test.sh exports MPLBACKEND=Agg, which would draw no figures)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop("IN_TEST", None)
    return env


def execute(nb, cwd: Path, timeout: int = 600, allow_errors: bool = False):
    "Run the notebook top to bottom in a fresh kernel of this very Python (not whatever `python` is on PATH)."
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                      display_name=f"Python ({sys.executable})", language="python", resource_dir=str(cwd))

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name): return spec

    with tempfile.TemporaryDirectory(prefix="d2st-kernel-") as tmp:
        # IPC sockets in a private folder rather than TCP on localhost (ipykernel warns about plain TCP)
        transport = dict(transport="ipc", ip=os.path.join(tmp, "kernel")) if os.name == "posix" else {}
        km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython(), **transport)
        client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=allow_errors, kernel_name="python3",
                                skip_cells_with_tag=SKIP_TAG, resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute(cwd=str(cwd), env=kernel_env())
        finally:  # nbclient leaves a kernel manager it was handed running
            if km.has_kernel: km.shutdown_kernel(now=False)
    return nb


# ----------------------------------------------------------------------------------------------- HTML
NAV_CSS = """<style>
nav.d2st-nav{font:14px/1.4 system-ui,sans-serif;padding:8px 16px;border-bottom:1px solid #ddd;background:#f7f7f9;
  display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center}
nav.d2st-nav a{color:#2a5db0;text-decoration:none} nav.d2st-nav a:hover{text-decoration:underline}
nav.d2st-nav a.here{font-weight:600;color:#222} nav.d2st-nav .brand{font-weight:700;margin-right:10px}
</style>"""


def nav_bar(pages: list[tuple[str, str]], here: str, brand: str = "d2st_nb") -> str:
    "A plain bar linking every page (`pages`: (href relative to the site, title)); `here` is this page's href."
    depth = here.count("/")
    up = "../" * depth
    links = [f'<a class="brand" href="{up}index.html">{html.escape(brand)}</a>']
    for href, title in pages:
        if href == "index.html": continue
        cls = ' class="here"' if href == here else ""
        links.append(f'<a{cls} href="{up}{href}">{html.escape(title)}</a>')
    return f'<nav class="d2st-nav">{" ".join(links)}</nav>'


def to_html(nb, title: str, nav: str = "") -> str:
    "nbconvert's HTML (lab template) of a display-ready notebook, with the nav bar on top and .ipynb links fixed."
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {HIDE_CELL}
    c.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {HIDE_OUTPUT}
    c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True  # no "In [7]:"
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    body, _ = HTMLExporter(config=c, template_name="lab").from_notebook_node(nb)
    body = rewrite_html_links(body)
    if nav:
        body = body.replace("</head>", NAV_CSS + "\n</head>", 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)
    return body


@dataclass
class Page:
    notebook: Path
    html: Path
    title: str = ""
    seconds: float = 0.0
    executed: bool = False
    figures: int = 0
    error: str = ""
    nb: object = field(default=None, repr=False)


def render(notebooks=None, out: Path | str = ROOT / "_site", execute_nbs: bool = True, timeout: int = 600,
           nbs_dir: Path | str = NBS, flags=(), allow_errors: bool = False, log=print) -> list[Page]:
    """Render `notebooks` (default: all of `nbs_dir`) into the folder `out`; returns one `Page` per notebook
    (a page whose notebook failed has `error` set, and no HTML is written for it)."""
    import nbformat

    nbs_dir, out = Path(nbs_dir).resolve(), Path(out).resolve()
    notebooks = [Path(p).resolve() for p in (notebooks if notebooks is not None else find_notebooks((), nbs_dir))]
    tst_flags = read_tst_flags()
    pages = []
    for path in notebooks:  # titles first, so every page's nav bar lists every page
        nb = nbformat.read(path, as_version=4)
        pages.append(Page(path, out / html_name(path, nbs_dir), title_of(nb, path.stem), nb=nb))
    site = [(p.html.relative_to(out).as_posix(), p.title) for p in pages]
    for page, (href, _) in zip(pages, site):
        t0 = time.perf_counter()
        try:
            nb = prepare(page.nb, tst_flags, set(flags))
            if execute_nbs:
                execute(nb, page.notebook.parent, timeout=timeout, allow_errors=allow_errors)
                page.executed = True
            text = to_html(for_display(nb), page.title, nav_bar(site, href))
            page.html.parent.mkdir(parents=True, exist_ok=True)
            page.html.write_text(text, encoding="utf-8")
            page.figures = text.count('src="data:image/')
        except Exception as e:  # one broken lesson must not hide the others' pages
            msg = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip()  # no terminal colours in the summary
            page.error = f"{type(e).__name__}: {msg.splitlines()[-1] if msg else ''}"
            if os.environ.get("D2ST_RENDER_TRACEBACK"): raise
        page.seconds = time.perf_counter() - t0
        page.nb = None
        status = f"FAILED {page.error}" if page.error else f"{page.figures} figure(s)"
        log(f"  {page.notebook.name:<28} -> {href:<24} {page.seconds:7.1f} s  {status}", flush=True)
    return pages


# ----------------------------------------------------------------------------------------------- CLI
def run_quarto() -> int:
    "nbdev_docs (Quarto) where quarto is installed: the full nbdev site in settings.ini's doc_path (_docs/)."
    if shutil.which("quarto") is None:
        print("render_docs: --quarto needs `quarto` on PATH (https://quarto.org); without it, run this script "
              "without --quarto for the plain HTML site.", file=sys.stderr)
        return 2
    nbdev_docs = Path(sys.executable).parent / "nbdev_docs"
    cmd = [str(nbdev_docs) if nbdev_docs.exists() else "nbdev_docs"]
    print("render_docs:", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Open _site/index.html in a browser afterwards.")
    ap.add_argument("notebooks", nargs="*", help="notebook globs relative to nbs/ (or paths); default: all")
    ap.add_argument("--out", default=str(ROOT / "_site"), help="site folder (default: _site/ in the repo)")
    ap.add_argument("--no-execute", action="store_true", help="render the outputs stored in the notebooks")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default: 600)")
    ap.add_argument("--flags", nargs="*", default=[], help="test flags whose cells run too (e.g. notest)")
    ap.add_argument("--allow-errors", action="store_true", help="render a page even if a cell raises")
    ap.add_argument("--quarto", action="store_true", help="run nbdev_docs instead (needs quarto on PATH)")
    args = ap.parse_args(argv)
    if args.quarto: return run_quarto()

    notebooks = find_notebooks(args.notebooks)
    out = Path(args.out)
    mode = "stored outputs" if args.no_execute else f"executed with {sys.executable}"
    print(f"render_docs: {len(notebooks)} notebook(s) -> {out}/ ({mode})", flush=True)
    t0 = time.perf_counter()
    pages = render(notebooks, out, execute_nbs=not args.no_execute, timeout=args.timeout, flags=args.flags,
                   allow_errors=args.allow_errors)
    failed = [p for p in pages if p.error]
    print(f"render_docs: {len(pages) - len(failed)} page(s) written, {len(failed)} failed, "
          f"{time.perf_counter() - t0:.1f} s in all; open {out / 'index.html'}", flush=True)
    if failed and not os.environ.get("D2ST_RENDER_TRACEBACK"):
        print("render_docs: set D2ST_RENDER_TRACEBACK=1 for the full traceback of a failure.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
