"""Debian's chromium under Playwright (never ``playwright install``), shared by browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Debian chromium at /usr/bin/chromium "
    "(apt-get install chromium chromium-driver; .ci/run does it)",
)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
AXE = Path(__file__).resolve().parent.parent / ".venv/npm/node_modules/axe-core/axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
}"""


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page (injected from npm)."""
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(AXE_RUN))
