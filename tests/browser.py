"""The web UI's tests' browser: Debian's Chromium driven by Playwright (never ``playwright
install``), one per test module; each test's page fails the test on a console error or on any
request that leaves 127.0.0.1, and leaves a screenshot in the test's tmp dir."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
LOCAL = {"127.0.0.1"}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Watch:
    """What a page did that a test forbids: console errors and requests leaving the machine."""

    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    allowed: tuple[re.Pattern[str], ...] = ()

    def on_console(self, message) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.allowed):
            self.console_errors.append(message.text)

    def on_route(self, route) -> None:
        url = route.request.url
        if urlparse(url).scheme in ("http", "https", "ws", "wss") and (
            urlparse(url).hostname not in LOCAL
        ):
            self.outside_requests.append(url)
            route.abort()
        else:
            route.continue_()


@contextlib.contextmanager
def chromium(*extra_args: str) -> Iterator:
    """Debian's Chromium, launched by Playwright with ``ARGS`` and ``extra_args``."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make setup does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, *extra_args]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")  # not session: Playwright's sync API holds an event loop in the
def browser():  # main thread while it runs, and later tests' asyncio.run() would find it there
    with chromium() as launched:
        yield launched


@pytest.fixture
def open_page(browser, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable]:
    """``open_page(url, viewport=DESKTOP, locale="en-US", allow=())`` → a Playwright page at
    ``url``; at the end of the test: a screenshot of each page, then the checks."""
    opened = []

    def open_(url: str, *, viewport=DESKTOP, locale: str = "en-US", allow: tuple[str, ...] = ()):
        watch = Watch(allowed=tuple(re.compile(p) for p in allow))
        context = browser.new_context(viewport=viewport, locale=locale, accept_downloads=True)
        context.route("**/*", watch.on_route)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", lambda error: watch.console_errors.append(f"uncaught: {error}"))
        page.goto(url)
        page.wait_for_selector("body[data-ready]")
        opened.append((page, watch))
        return page

    yield open_
    for number, (page, watch) in enumerate(opened):
        with contextlib.suppress(Exception):  # a page the test closed has no screenshot
            page.screenshot(path=tmp_path / f"{request.node.name}-{number}.png", full_page=True)
        page.context.close()
        assert watch.console_errors == [], watch.console_errors
        assert watch.outside_requests == [], watch.outside_requests
