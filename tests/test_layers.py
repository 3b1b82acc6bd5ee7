"""The house rules of the import graph (bench/import_graph.py): ``ui`` → ``assistant`` →
``index``, never back, and no two modules that import each other (directly or round a circle)."""

from __future__ import annotations

import subprocess
import sys

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
