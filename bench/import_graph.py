"""The import graph of newsrag's three packages, read from the source (nothing is imported):
which package imports which, every import that runs against the layers (``ui`` → ``assistant``
→ ``index``), and every import circle between modules (also those inside a function).

Usage: .venv/bin/python bench/import_graph.py [--json]   (exit 1 when a rule is broken)
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "assistant", "ui")
LAYER = {"index": 0, "assistant": 1, "ui": 2}  # a package may import its own layer or lower


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from a import b`` counts ``a.b`` when it is one)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= (subs & known) or ({node.module} & known)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def _is_package_init(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    known = modules()
    graph = {m: imports(p, set(known)) - {m} for m, p in known.items()}
    by_package: dict[str, set[str]] = defaultdict(set)
    upward = []
    for m, targets in graph.items():
        for t in targets:
            src, dst = m.split(".")[0], t.split(".")[0]
            if src != dst:
                by_package[src].add(dst)
            if LAYER[dst] > LAYER[src]:
                upward.append(f"{m} -> {t}")
    # a package's __init__ re-exporting its own modules is not a circle of purpose
    inner = {m: {t for t in ts if not _is_package_init(t, known)} for m, ts in graph.items()}
    report = {
        "modules": len(known),
        "packages": {p: sorted(by_package[p]) for p in PACKAGES},
        "upward_imports": sorted(upward),
        "circles": cycles(inner),
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{report['modules']} modules")
        for p in PACKAGES:
            print(f"{p} imports: {', '.join(report['packages'][p]) or 'nothing of ours'}")
        print("upward imports:", ", ".join(report["upward_imports"]) or "none")
        print("import circles:", "; ".join(" <-> ".join(c) for c in report["circles"]) or "none")
    return 1 if report["upward_imports"] or report["circles"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
