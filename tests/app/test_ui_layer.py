"""The app layer's rule (issue 13): services own their transactions; `ui/` never opens a database
session and never touches a model. An AST scan of every module under ui/ (and app.py, serve.py), so
the rule holds for code written later too: a page that needs the store calls a service function
(`coding.service`, `archetypes.service`, `survey.auth`, `survey.interview`, `survey.history`,
`survey.source_store`, `survey.privacy` …), which opens and commits its own transaction.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("survey", "coding", "archetypes", "report", "exports")
#: modules that are tables and nothing else
MODEL_MODULES = {"survey.models"}
#: names that open or are a database session, or build a query
SESSION_NAMES = {"session_scope", "consistent_session", "exclusive_session", "Session", "sessionmaker",
                 "scoped_session", "select", "insert", "update", "delete"}
#: packages whose import means talking to the database directly
DB_PACKAGES = ("sqlmodel", "sqlalchemy")


def ui_files() -> list[Path]:
    return sorted((ROOT / "ui").rglob("*.py")) + [ROOT / "app.py", ROOT / "serve.py"]


def table_classes() -> set[str]:
    """Every SQLModel table class in the domain packages (``class X(SQLModel, table=True)``)."""
    out = set()
    for pkg in DOMAIN:
        for f in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                        k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
                        for k in node.keywords):
                    out.add(node.name)
    return out


TABLES = table_classes()


def problems(path: Path, text: str | None = None) -> list[str]:
    """What in `path` (or `text`, as if it were that file) breaks the rule, as «file:line: what»."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text)
    name = path.relative_to(ROOT).as_posix()
    found: list[str] = []
    modules: set[str] = set()  # local names bound to imported modules (svc, cb, auth …)

    def bad(node: ast.AST, what: str) -> None:
        found.append(f"{name}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                modules.add((a.asname or a.name).split(".")[0])
                if a.name in MODEL_MODULES or a.name.split(".")[0] in DB_PACKAGES:
                    bad(node, f"import {a.name}")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if mod.split(".")[0] in DB_PACKAGES:
                bad(node, f"from {mod} import …")
            for a in node.names:
                full = f"{mod}.{a.name}"
                if mod in MODEL_MODULES or full in MODEL_MODULES:
                    bad(node, f"from {mod} import {a.name}")
                elif a.name in SESSION_NAMES and mod.split(".")[0] in (*DOMAIN, "ui"):
                    bad(node, f"from {mod} import {a.name}")
                elif a.name in TABLES and mod.split(".")[0] in (*DOMAIN, "ui"):
                    bad(node, f"from {mod} import {a.name} (a table)")
                else:
                    modules.add(a.asname or a.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            if node.attr in TABLES:
                bad(node, f"{node.value.id}.{node.attr} (a table)")
            elif node.attr in ("session_scope", "consistent_session", "exclusive_session", "Session"):
                bad(node, f"{node.value.id}.{node.attr}")
    return found


def test_the_scan_knows_the_tables_and_finds_a_session():
    assert {"Interview", "Answer", "User", "Code", "MaskTerm", "CodingDecision", "Segment"} <= TABLES
    text = ("from survey.db import get_engine, session_scope\nfrom survey.models import Quote\n"
            "from coding import codebook as cb\nimport sqlalchemy\n\n"
            "def f(e):\n    with session_scope(e) as s:\n        return s.get(cb.Code, 1)\n")
    found = problems(ROOT / "ui" / "probe.py", text)
    assert [f.split(": ", 1)[1] for f in found] == [
        "from survey.db import session_scope", "from survey.models import Quote", "import sqlalchemy",
        "cb.Code (a table)"], found


@pytest.mark.parametrize("path", ui_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_ui_opens_no_session_and_touches_no_model(path):
    assert not problems(path), "\n".join(
        ["ui/ må ikke åbne databasesessioner eller bruge modeller; kald en servicefunktion i stedet:",
         *problems(path)])
