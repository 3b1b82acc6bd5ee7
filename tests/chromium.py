"""Debian's chromium under Playwright (never ``playwright install``), shared by browser tests."""

from __future__ import annotations

import contextlib
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
AXE_RUN = """async (rules) => {
  const only = rules ? {runOnly: {type: 'rule', values: rules}} : {};
  const result = await axe.run(document, {resultTypes: ['violations'], ...only});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
}"""
CONTRAST = ["color-contrast", "link-in-text-block"]  # axe's rules on colours


def axe_violations(page: Any, rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page (injected from npm); with
    ``rules``, of those rules only (e.g. ``CONTRAST``)."""
    _settled(page)
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(AXE_RUN, rules))


SETTLED = "() => !document.querySelector('.pending')"  # Gradio dims a pending output (0.2)


def _settled(page: Any, timeout_ms: int = 15_000) -> None:
    """Wait (bounded) until no Gradio output is dimmed as pending and transitions are done, so
    contrast is measured on the page as a reader sees it, not mid-update (a loaded CI run)."""
    with contextlib.suppress(Exception):
        page.wait_for_function(SETTLED, timeout=timeout_ms)
    page.wait_for_timeout(300)


def new_context(browser: Any, viewport: str, scheme: str = "light", **options: Any) -> Any:
    """A browser context at one of ``VIEWPORTS`` in a ``"light"`` or ``"dark"`` colour scheme
    (what ``prefers-color-scheme`` says: Gradio follows it)."""
    width, height = VIEWPORTS[viewport]
    size = {"width": width, "height": height}
    return browser.new_context(viewport=size, color_scheme=scheme, **options)


TIMEOUT_MS = 120_000  # a page's default wait (an answer on a loaded machine)
CITE_LINK = "#chat-answers a[href*='/cite/']"


@contextmanager
def app_page(context: Any, base: str) -> Iterator[Any]:
    """The app open in ``context`` with its question box ready; no script error on the page by
    the end (the context is closed then)."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/")
    page.wait_for_selector("#question textarea")
    yield page
    context.close()
    assert not errors, errors


def ask(page: Any, question: str) -> None:
    """Ask in the chat and wait for the whole answer (its sources listed)."""
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_selector(CITE_LINK)
    page.wait_for_function("document.querySelector('#chat-answers').innerText.includes('Sources')")
