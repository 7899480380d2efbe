"""The package's imports follow the lessons: every module is exported by one notebook, a module imports only the
modules of earlier lessons (at its top or inside a function), and so the imports have no cycle."""
import ast, re
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "d2st_nb"
# Imports of a later lesson's module that are still there, each with its reason; the test fails on any other, and
# on an entry here that is gone (so the list only shrinks).
KNOWN: dict = {}


def lesson_of(py: Path) -> str:
    m = re.search(r"File to edit: \.\./nbs/(\S+)\.ipynb", py.read_text())
    assert m, f"{py.name} is not exported from a notebook"
    return m.group(1)


def imports(py: Path) -> set:
    "The d2st_nb modules `py` imports anywhere in its code (relative or absolute)."
    out = set()
    for node in ast.walk(ast.parse(py.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1: names = [mod] if mod else [a.name for a in node.names]
            elif mod == "d2st_nb": names = [a.name for a in node.names]
            elif mod.startswith("d2st_nb."): names = [mod.split(".")[1]]
            else: continue
            out |= {n.split(".")[0] for n in names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("d2st_nb.")}
    return out


def graph() -> dict:
    mods = {p.stem: p for p in PKG.glob("*.py") if p.stem not in ("__init__", "_modidx")}
    return {m: {i for i in imports(p) if i in mods and i != m} for m, p in mods.items()}, {m: lesson_of(p) for m, p in mods.items()}


def test_one_module_per_lesson():
    _, lesson = graph()
    seen = {}
    for m, nb in lesson.items():
        assert nb not in seen, f"{nb} exports both {seen[nb]} and {m}"
        seen[nb] = m


def test_imports_follow_the_lessons():
    g, lesson = graph()
    later = {(m, i) for m, deps in g.items() for i in deps if lesson[i] > lesson[m]}
    new = sorted(later - set(KNOWN))
    assert not new, "a module imports a later lesson's module: " + ", ".join(f"{m} ({lesson[m]}) → {i} ({lesson[i]})" for m, i in new)
    gone = sorted(set(KNOWN) - later)
    assert not gone, f"fixed, remove from KNOWN: {gone}"


def test_no_import_cycle():
    g, _ = graph()
    state = {}
    def visit(m, path):
        if state.get(m) == "done": return
        assert state.get(m) != "open", "import cycle: " + " → ".join(path + [m])
        state[m] = "open"
        for i in sorted(g[m]): visit(i, path + [m])
        state[m] = "done"
    for m in sorted(g): visit(m, [])


def test_walker_sees_imports(tmp_path):
    "The walker finds relative, absolute and function-level imports."
    py = tmp_path / "x.py"
    py.write_text("from .a import b\nfrom . import c\nimport d2st_nb.e\ndef f():\n    from d2st_nb.g import h\n    from d2st_nb import k\n")
    assert imports(py) == {"a", "c", "e", "g", "k"}


def test_readme_map():
    "The README's table of modules names each module's lesson and exactly its imports."
    g, lesson = graph()
    text = (PKG.parent / "README.md").read_text()
    rows = {m.group(1): m for m in re.finditer(r"^\| `(\w+)` \| \[(\d\d\w?)\]\(nbs/(\S+)\.ipynb\) \|[^|]*\| ([^|]*) \|$", text, re.M)}
    assert set(rows) == set(g), (sorted(rows), sorted(g))
    for m, row in rows.items():
        assert row.group(3) == lesson[m], (m, row.group(3), lesson[m])
        assert set(re.findall(r"`(\w+)`", row.group(4))) == g[m], (m, row.group(4), g[m])


def test_train_keeps_the_names_lesson_07_took():
    "Lesson 07 (evaluation) took the test's names out of `train`; `train` imports them, so old imports keep working."
    import d2st_nb.evaluation as E, d2st_nb.train as T
    for name in E.__all__: assert getattr(T, name) is getattr(E, name), name
