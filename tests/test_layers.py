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
        if re.search(r"\._conn\b|\._db\b|\.execute(?:many|script)?\(", line)
    ]
    assert found == [], found


CATALOG = REPO / "index" / "catalog"


def test_the_catalog_owns_the_connection_and_its_repositories_inherit_nothing() -> None:
    """``Catalog`` is composed, not stacked: it has no base class, no class of the catalog
    inherits another of them (a repository that needs another is handed it), and the
    repositories reach the connection through the ``Db`` they are given, never the catalog's."""
    from index.catalog.catalog import Catalog

    assert Catalog.__bases__ == (object,)
    trees = {
        path.name: ast.parse(path.read_text(encoding="utf-8")) for path in CATALOG.glob("*.py")
    }
    classes = {
        node.name: name
        for name, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    inheriting = [
        f"{classes[node.name]}: {node.name}({ast.unparse(base)})"
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for base in node.bases
        if ast.unparse(base) not in ("RuntimeError", "OSError")  # the catalog's two errors
    ]
    assert inheriting == [], inheriting
    repositories = [name for name in classes if name.endswith("Rows")]
    assert {"ArticleRows", "VersionRows", "StoryRows", "FeedRows"} <= set(repositories)
    reaching = [
        f"{name}:{node.lineno}"
        for name, tree in trees.items()
        if name != "catalog.py"
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr == "_conn")
        or (isinstance(node, ast.ImportFrom) and node.module == "index.catalog.catalog")
    ]
    assert reaching == [], reaching


def test_story_grouping_decides_outside_the_catalog() -> None:
    """The catalog persists stories; which story an article joins is decided in index/stories/
    (the schema upgrade that groups is handed the grouping, it imports none)."""
    found = [
        f"{path.name}:{line} {module}"
        for path in sorted(CATALOG.glob("*.py"))
        for line, module in _imports(path)
        if module.startswith("index.stories")
    ]
    assert found == [], found
