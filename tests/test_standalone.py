"""The repository stands alone: no file it carries refers to a path outside it.

A learner on Colab, a reader of the rendered docs and a `pip install` user get this repository and nothing
beside it, so its text cites the paper (Pei et al., arXiv 2312.01431), the authors' repository or a lesson —
never a file of the machine it was written on. Every text file git carries (tracked, or new and not ignored)
is scanned: source, docs, settings, and the notebooks' cells *and* outputs (a printed path is a path too),
leaving out embedded images.

Each pattern is written so that it does not match its own source text (a character class or a split where
the plain string would be), so this file is scanned like any other.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what is outside the repository -> the pattern that finds a reference to it
OUTSIDE = {
    "the method notes beside the project (cite the paper or a lesson)":
        r"\bSPEC[.]md\b|\bSPEC\s*(?:§|[Ss]ection\b|[Ss]ec[.])|(?:this|the) project's spec(?:[i]fication)?\b",
    "a folder beside the repository": r"\.\./+shared\b",
    "the shared folder's contents": r"""\bshared["']?\s*[/\\]\s*["']?(?:reference|benchmarks|hooks|SPEC)\b""",
    "a path of the machine it was written on": r"(?<![\w.])/wor[k]/|/[.](?:mirror|library)/",
    "a session's scratch folder": r"/tm[p]/(?:helpers|locks|bash_jobs)\b",
    "a home folder": r"(?<![\w.])/(?:home|Users)/(?!\s)[\w.-]+/|(?<![\w.])/roo[t]/|\b[A-Za-z]:\\\\?Users\\",
}
PATTERNS = {why: re.compile(p) for why, p in OUTSIDE.items()}
# a relative markdown link: [text](target) — its target must resolve inside the repository
MD_LINK = re.compile(r"\]\(\s*<?(?![a-z][a-z0-9+.-]*:|#|/)([^)\s>]+)")
BINARY = {".mp4", ".avi", ".webm", ".mkv", ".png", ".jpg", ".jpeg", ".gif", ".safetensors", ".pt", ".pth", ".npz",
          ".gz", ".zip", ".whl", ".pdf", ".ico", ".woff", ".woff2"}


def repo_files() -> list[Path]:
    "Files git carries: tracked, plus new files that are not ignored (so a reference is caught before its commit)."
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the files git carries are unknown")
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    return sorted({ROOT / p for p in out.split("\0") if p and (ROOT / p).is_file()})


def chunks(path: Path) -> list[tuple[str, str]]:
    """`(where, text)` pieces of a text file (none for a binary one): the whole file, or a notebook's cell sources
    and outputs one by one (`cell 12`, `cell 12 output`), embedded images left out."""
    if path.suffix.lower() in BINARY: return []
    raw = path.read_bytes()
    if b"\0" in raw[:8192]: return []
    try: text = raw.decode("utf-8")
    except UnicodeDecodeError: return []
    if path.suffix != ".ipynb": return [("line", text)]
    out = []
    for i, cell in enumerate(json.loads(text).get("cells", [])):
        out.append((f"cell {i} line", "".join(cell.get("source", ""))))
        for o in cell.get("outputs", []):
            texts = ["".join(o.get("text", "")), "\n".join(o.get("traceback", []))]
            for mime, data in o.get("data", {}).items():
                if mime.startswith("image/") and mime != "image/svg+xml": continue
                texts.append(data if isinstance(data, str) else "".join(data) if isinstance(data, list) else json.dumps(data))
            out.append((f"cell {i} output line", "\n".join(t for t in texts if t)))
    return out


def line_of(text: str, pos: int) -> tuple[int, str]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text.count("\n", 0, pos) + 1, text[start:end if end >= 0 else None].strip()[:160]


def offences(path: Path, text: str, where: str = "line") -> list[str]:
    "What `text` (a piece of `path`) refers to outside the repository, one `file:where N: why: the line` each."
    rel = path.relative_to(ROOT).as_posix()
    hits = [(m.start(), why) for why, pat in PATTERNS.items() for m in pat.finditer(text)]
    if path.suffix in (".md", ".ipynb"):
        for m in MD_LINK.finditer(text):
            target = m.group(1).split("#")[0]
            resolved = (path.parent / target).resolve() if target else ROOT
            if resolved != ROOT and ROOT not in resolved.parents:
                hits.append((m.start(), f"a link out of the repository ({target})"))
    found = []
    for pos, why in sorted(hits):
        n, line = line_of(text, pos)
        found.append(f"{rel} {where} {n}: {why}: {line}")
    return list(dict.fromkeys(found))


def test_patterns_find_what_they_should():
    # the "|" keeps each example from matching in this file's own text; it is removed before the check
    bad = [s.replace("|", "") for s in (
        "see ../sh|ared/SP|EC.md", "as SP|EC §4 says", "SP|EC section 3", "the lists of this proj|ect's specification", "base.parent / 'sh|ared' / 'reference'",
        "/wo|rk/main/data_samples", "/ho|me/alice/src/x", "/Us|ers/bob/x", "C:\\Us|ers\\carol\\x", "/ro|ot/.cache/x",
        "/t|mp/helpers/common.md", "/wo|rk/.mir|ror/a+b/repo")]
    good = ["the spectrum", "a specification", "motion atoms are shared by classes", "a shared 2-core machine",
            "/content/d2st_nb", "~/src/D2ST-Adapter", "data_samples/videos", "https://github.com/qizhongtan/D2ST-Adapter",
            "Pei et al., arXiv 2312.01431", "homework/", "/data/ssv2", "d2st_nb/splits/README.md"]
    for s in bad: assert any(p.search(s) for p in PATTERNS.values()), f"not caught: {s!r}"
    for s in good: assert not any(p.search(s) for p in PATTERNS.values()), f"caught but fine: {s!r}"
    nb = ROOT / "nbs" / "x.ipynb"
    assert offences(nb, "[spec](../../sh|ared/notes.md)".replace("|", "")) and offences(nb, "[up](../../outside.md)")
    assert not offences(nb, "[lesson 01](01_attention.ipynb) [readme](../README.md) [web](https://e.org/a) [top](#a)")


def test_no_reference_outside_the_repository():
    files = repo_files()
    assert any(p.name == "settings.ini" for p in files), "git lists none of the project's files?"
    found = [o for p in files for where, text in chunks(p) for o in offences(p, text, where)]
    assert not found, (f"{len(found)} reference(s) to paths outside the repository — cite the paper "
                       f"(Pei et al., arXiv 2312.01431), the authors' repository or a lesson instead:\n" + "\n".join(found))
