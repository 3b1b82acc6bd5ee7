"""The house rules of the import graph (bench/import_graph.py): ``ui`` → ``assistant`` →
``index``, never back, and no two modules that import each other (directly or round a circle)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.unit  # no model: the fast tier


def test_imports_run_one_way_and_in_no_circle() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "import_graph.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "index imports: nothing of ours" in done.stdout


FACES = {"index", "index.feeds", "assistant", "assistant.eval"}  # the packages' public faces


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``from X import`` and ``import X`` in a file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _ui_files() -> list[Path]:
    return sorted((REPO / "ui").rglob("*.py"))


def test_ui_imports_only_the_faces_of_index_and_assistant() -> None:
    beyond = [
        f"{path.relative_to(REPO)}:{line} {module}"
        for path in _ui_files()
        for line, module in _imports(path)
        if module.split(".")[0] in ("index", "assistant") and module not in FACES
    ]
    assert beyond == [], beyond


def test_the_web_app_never_imports_the_http_api_or_the_cli() -> None:
    crossing = [
        f"{path.relative_to(REPO)}:{line} {module}"
        for path in sorted((REPO / "ui" / "web").rglob("*.py"))
        for line, module in _imports(path)
        if module.startswith(("ui.http", "ui.cli"))
    ]
    assert crossing == [], crossing


def test_readmes_layout_lists_every_package_folder() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[-1].split("```", 2)[1]
    listed = set(re.findall(r"^\s*([a-z_]+)/", layout, re.MULTILINE))
    folders = {
        p.parent.name
        for top in ("index", "assistant", "ui")
        for p in (REPO / top).rglob("__init__.py")
    }
    assert folders <= listed, folders - listed


def test_sql_runs_only_in_the_catalog() -> None:
    """Every statement lives in index/catalog/ (its repositories); nothing else reaches for the
    connection."""
    found = [
        f"{path.relative_to(REPO)}:{n}"
        for top in ("index", "assistant", "ui")
        for path in sorted((REPO / top).rglob("*.py"))
        if "catalog" not in path.relative_to(REPO).parts[:2]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\._conn\b|\.execute(?:many|script)?\(", line)
    ]
    assert found == [], found
