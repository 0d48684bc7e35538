"""Headless Chromium for tests that look at a page: Debian's ``/usr/bin/chromium`` driven by the PyPI
``playwright`` package (no browser download). Tests skip with the reason when either is missing, except
with ``LPC_REQUIRE_BROWSER=1`` (CI), where they fail."""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LPC_TEST_ARTIFACTS") or ROOT / "test-artifacts")
"""Where screenshots go (git-ignored); ``$LPC_TEST_ARTIFACTS`` overrides."""

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's chromium (``$LPC_CHROMIUM`` overrides)."""
    given = os.environ.get("LPC_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_browser() -> str:
    """The chromium executable, or skip (fail with ``LPC_REQUIRE_BROWSER=1``) naming what is missing."""
    missing = []
    executable = chromium_path()
    if executable is None:
        missing.append("chromium at /usr/bin/chromium (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package (the dev extra)")
    if missing:
        message = f"needs {' and '.join(missing)} to test the page in a real browser"
        if os.environ.get("LPC_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (LPC_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    assert executable is not None
    return executable


@dataclass
class PageVisit:
    """What opening one page produced: console errors, page errors, requests, the load time."""

    load_seconds: float
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def open_page(browser: Any, path: Path) -> tuple[Any, PageVisit]:
    """Open ``path`` in a new page; the visit records console and page errors and every request made."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    visit = PageVisit(0.0)
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on("request", lambda r: visit.requests.append(r.url))
    started = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    visit.load_seconds = time.perf_counter() - started
    return page, visit


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot under :data:`ARTIFACTS` (printed, for the test log)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"screenshot: {target}")
    return target
