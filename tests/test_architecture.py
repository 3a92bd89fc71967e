"""The shape of the code (issue 13; docs/architecture.md): imports point one way, no import cycle,
no private name used across modules, and every module imports on its own in a fresh interpreter.

The graph is read from the source. An import cycle is one among the imports a module runs when
it is imported; an import inside a function (a lazy import) is allowed only with its one-line
reason on the same line (start-up time, or a page's view imported when the page is opened: the
views link back to the page table), and it must point down like every other import."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("survey", "archetypes", "coding", "report", "exports", "ui", "brugerblik")
#: the layers, bottom first; a module may import its own layer and those below it
LAYER = {"survey": 0, "archetypes": 1, "coding": 1, "report": 2, "exports": 3, "brugerblik": 4, "ui": 4}
#: modules of `survey/` that sit above the domain services (they load the demo study or write files
#: through the anonymiser): named here, so the exception is visible
SURVEY_ABOVE = {"survey.demo": 2, "survey.demo_users": 2, "survey.demo_sources": 2}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            rel = p.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            out[name[:-9] if name.endswith(".__init__") else name] = p
    out["app"] = ROOT / "app.py"
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _lazy_lines(tree: ast.AST) -> set[int]:
    """The lines of the imports inside a function."""
    out = set()
    for f in ast.walk(tree):
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out |= {n.lineno for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def _imports(path: Path, *, lazy: bool = True):
    """(imported project module, line, the imported name or None) for every import in the file
    (without `lazy`: only those run when the module is imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set() if lazy else _lazy_lines(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                if (t := _resolve(a.name)):
                    yield t, node.lineno, None
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                t = _resolve(f"{node.module}.{a.name}") or _resolve(node.module)
                if t:
                    yield t, node.lineno, a.name


def _graph(*, lazy: bool = True) -> dict[str, set[str]]:
    g: dict[str, set[str]] = defaultdict(set)
    for m, p in MODULES.items():
        for t, _, _ in _imports(p, lazy=lazy):
            if t != m and not (m.startswith(t + ".") and MODULES[t].name == "__init__.py"):
                g[m].add(t)
    return g


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(set(g) | {w for ws in g.values() for w in ws}):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read_from_the_source():
    g = _graph()
    assert "survey.store" in g["survey.interview"] and "survey.db" in g["survey.store"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    assert _cycles(_graph(lazy=False)) == []


def test_every_lazy_import_of_a_project_module_says_why():
    missing = []
    for m, p in MODULES.items():
        src = p.read_text(encoding="utf-8").splitlines()
        lazy = _lazy_lines(ast.parse("\n".join(src)))
        for t, line, _ in _imports(p):
            if line in lazy and "#" not in src[line - 1] and not src[line - 2].strip().startswith("#"):
                missing.append(f"{m}:{line} {t}")
    assert missing == []


def _layer(m: str) -> int:
    if m == "app":
        return 4
    return SURVEY_ABOVE.get(m, LAYER[m.split(".")[0]])


def test_imports_point_down():
    wrong = [(m, t) for m, ts in _graph().items() for t in ts if _layer(t) > _layer(m)]
    assert wrong == []


def test_no_private_name_is_used_across_modules():
    found = []
    for m, p in MODULES.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        aliases = {}
        for t, line, name in _imports(p):
            if name and name.startswith("_") and not name.startswith("__") and t != m:
                found.append(f"{m}:{line} {t}.{name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if _resolve(a.name):
                        aliases[a.asname or a.name.split(".")[0]] = a.name
            elif isinstance(node, ast.ImportFrom) and node.module and _resolve(node.module):
                for a in node.names:
                    if _resolve(f"{node.module}.{a.name}") == f"{node.module}.{a.name}":
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in aliases):
                found.append(f"{m}:{node.lineno} {aliases[node.value.id]}.{node.attr}")
    assert found == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux, as CI)")
def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each project module imported first, alone, in a fresh interpreter (a child forked from one
    that has loaded only third-party libraries): an import cycle that breaks only in some order
    shows here."""
    names = sorted(m for m in MODULES if m != "app")
    code = f"""
import os, sys, traceback
sys.path.insert(0, {str(ROOT)!r})
import pandas, sqlalchemy, sqlmodel, numpy  # third-party only: the project's own modules stay unloaded
bad = []
for name in {names!r}:
    pid = os.fork()
    if pid == 0:
        try:
            __import__(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        bad.append(name)
print("BAD", bad)
sys.exit(1 if bad else 0)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
