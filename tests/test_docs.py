"""The docs render: scripts/render_docs.py executes the index, the method page and one lesson to HTML, and
headless Chromium shows their text and figures.

Needs Debian's chromium (`apt-get update && apt-get install -y chromium`); without it the browser checks are
skipped, or fail when D2ST_REQUIRE_BROWSER=1 (as in CI).
"""
from __future__ import annotations

import base64
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("render_docs", ROOT / "scripts" / "render_docs.py")
render_docs = importlib.util.module_from_spec(_spec)
sys.modules["render_docs"] = render_docs  # dataclasses look their module up here
_spec.loader.exec_module(render_docs)

PAGES = {"index": "d2st_nb", "method": "The method", "00_sampling": "Deformable 3-D sampling"}  # page -> its title
LESSONS = sorted(p.stem for p in (ROOT / "nbs").glob("[0-9][0-9]*_*.ipynb"))
FIGURE_ID = "d2st-test-figure"
IMG_PNG = re.compile(r'<img\b[^>]*?\bsrc="data:image/png;base64,([^"]+)"')  # an embedded figure
WHITE_CUT = 245  # a pixel is "ink" when a channel is below this


def browser() -> str:
    "The headless browser's path; skips (or fails, with D2ST_REQUIRE_BROWSER=1) when none is installed."
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe: return exe
    msg = ("Chromium not found: install Debian's chromium (`apt-get update && apt-get install -y chromium`) "
           "to check the rendered pages in a browser")
    if os.environ.get("D2ST_REQUIRE_BROWSER") == "1": pytest.fail(msg + " (D2ST_REQUIRE_BROWSER=1)")
    pytest.skip(msg)


def screenshot(url: str, png: Path, profile: Path, size=(1200, 2400)) -> Image.Image:
    "Headless Chromium's picture of `url` in a `size` window (network off: no background traffic, no QUIC)."
    cmd = [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
           "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
           "--force-device-scale-factor=1", f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
           f"--screenshot={png}", url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert png.exists(), f"chromium wrote no screenshot (rc={r.returncode}):\n{r.stderr[-3000:]}"
    return Image.open(png).convert("RGB")


def ink(im: Image.Image) -> Image.Image:
    "Mask (mode L, 255 = ink) of the pixels that are not (near) white."
    return im.convert("L").point(lambda v: 255 if v < WHITE_CUT else 0)


def ink_share(im: Image.Image) -> float:
    return ink(im).histogram()[255] / (im.width * im.height)


def assert_not_blank(im: Image.Image, what: str, min_ink=0.02, min_colours=50):
    "A page that painted something: more than one colour, a fair share of ink, antialiased text (many colours)."
    colours = im.getcolors(1 << 24)
    assert len(colours) > 1, f"{what}: the screenshot is a single colour {colours[0][1]}"
    share = ink_share(im)
    assert min_ink < share < 0.9, f"{what}: {share:.1%} of the screenshot is ink (blank page, or an error page?)"
    assert len(colours) >= min_colours, f"{what}: only {len(colours)} distinct colours (no text/figure drawn?)"


def on_white(png_bytes: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(png_bytes)).convert("RGBA")
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(bg, im).convert("RGB")


def assert_shows_figure(shot: Image.Image, figure: Image.Image, what: str):
    """The screenshot (of a page where only the figure is visible) paints that figure: the inked box has the
    figure's proportions, and scaled to one size the two agree pixel by pixel (up to resampling)."""
    box_s, box_f = ink(shot).getbbox(), ink(figure).getbbox()
    assert box_s is not None, f"{what}: the figure is not painted at all (blank screenshot)"
    s, f = shot.crop(box_s), figure.crop(box_f)
    assert s.width >= 200, f"{what}: the painted figure is only {s.width}px wide (a broken-image icon?)"
    ratio_s, ratio_f = s.width / s.height, f.width / f.height
    assert abs(ratio_s / ratio_f - 1) < 0.06, f"{what}: painted box {s.size} is not shaped like the figure {f.size}"
    size = (240, max(1, round(240 / ratio_f)))
    diff = ImageChops.difference(s.resize(size, Image.LANCZOS), f.resize(size, Image.LANCZOS)).convert("L")
    mad = sum(i * n for i, n in enumerate(diff.histogram())) / (size[0] * size[1])
    assert mad < 20, f"{what}: the painted figure differs from the embedded PNG (mean |diff| = {mad:.1f}/255)"


def figure_only(html: str) -> str:
    """The page with everything but its first embedded figure made invisible, and that figure pinned to the top
    of the window (wherever it sits on the page; headless --screenshot shows only the top of a page)."""
    at = IMG_PNG.search(html).start() + len("<img")
    html = f'{html[:at]} id="{FIGURE_ID}"{html[at:]}'
    css = (f"<style>body * {{visibility: hidden !important}} #{FIGURE_ID} {{visibility: visible !important; "
           f"position: fixed !important; top: 0; left: 0; max-width: 100% !important}}</style>")
    return html.replace("</head>", css + "</head>", 1)


# ------------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    "index.ipynb, method.ipynb and 00_sampling.ipynb, executed and rendered to HTML by the script's own functions."
    out = tmp_path_factory.mktemp("site")
    nbs = [render_docs.NBS / f"{name}.ipynb" for name in PAGES]
    pages = render_docs.render(nbs, out, execute_nbs=True, timeout=300)
    failed = [f"{p.notebook.name}: {p.error}" for p in pages if p.error]
    assert not failed, "notebooks failed to render:\n" + "\n".join(failed)
    return out


# ------------------------------------------------------------------------------------------------- tests
def test_directives():
    d, code = render_docs.parse_directives("#| export\n#|echo: false\n# | eval: false\nx = 1\n#| not a directive")
    assert d == {"export": "", "echo": "false", "eval": "false"} and code == "x = 1\n#| not a directive"
    assert render_docs.rewrite_md_links("[a](00_x.ipynb) [b](01_y.ipynb#sec) [c](https://e.org/z.ipynb)") == \
        "[a](00_x.html) [b](01_y.html#sec) [c](https://e.org/z.ipynb)"


def test_site_has_every_page():
    "The full site (every notebook of nbs/) holds the index, the method page and every lesson."
    names = [p.stem for p in render_docs.find_notebooks()]
    assert names[0] == "index" and "method" in names and set(LESSONS) <= set(names) and len(LESSONS) >= 11, names


def test_blank_is_caught():
    with pytest.raises(AssertionError): assert_not_blank(Image.new("RGB", (200, 200), "white"), "blank")
    fig = Image.new("RGB", (400, 100), "white"); fig.paste((200, 30, 30), (20, 20, 380, 80))
    with pytest.raises(AssertionError): assert_shows_figure(Image.new("RGB", (800, 800), "white"), fig, "blank")


@pytest.mark.parametrize("name", PAGES)
def test_html(site, name):
    html = (site / f"{name}.html").read_text(encoding="utf-8")
    title = PAGES[name]
    assert f"<title>{title}</title>" in html and re.search(rf"<h1[^>]*>{re.escape(title)}", html), "no title"
    assert IMG_PNG.search(html), "no embedded figure: were the notebooks executed?"
    assert "#| " not in html, "nbdev directives are shown"
    assert not re.search(r"""href=["'](?!\w+://)[^"']*\.ipynb""", html), "a link still points at a notebook"
    assert 'href="method.html"' in html, "the nav bar does not link the method page"
    if name == "method":  # the method page links the lesson that implements each part
        missing = [n for n in LESSONS if f'href="{n}.html"' not in html]
        assert not missing, f"the method page links no page of {missing}"
    if name == "index":
        assert 'href="00_sampling.html"' in html  # the lesson table links the page rendered next to it
        assert "FancyBboxPatch" not in html  # `#| hide` and `#| echo: false` sources are not shown


@pytest.mark.parametrize("name", PAGES)
def test_in_browser(site, name, tmp_path):
    page = site / f"{name}.html"
    top = screenshot(page.as_uri(), tmp_path / "top.png", tmp_path / "profile")
    assert_not_blank(top, f"{name}.html")
    assert ink_share(top.crop((0, 0, top.width, 400))) > 0.01, f"{name}.html: no text at the top of the page"

    html = page.read_text(encoding="utf-8")
    m = IMG_PNG.search(html)
    figure = on_white(base64.b64decode(m.group(1)))
    solo = page.with_name(f"{name}.figure.html")
    solo.write_text(figure_only(html), encoding="utf-8")
    shot = screenshot(solo.as_uri(), tmp_path / "figure.png", tmp_path / "profile")
    assert_shows_figure(shot, figure, f"{name}.html's first figure")
