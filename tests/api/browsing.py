"""Headless Chromium for the page tests: Debian's package driven by Playwright, with every
request that does not go to the loopback test server refused and recorded, and every
Content-Security-Policy violation the browser reports collected."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Debian's chromium (Playwright's own browser download needs the internet).
CHROMIUM = os.environ.get("NEWSRAG_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NEWSRAG_TEST_CHROMIUM)",
)


@dataclass
class Watch:
    """What the page tried that it must not: requests off the loopback, CSP violations,
    script errors."""

    outside: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self, blocked: tuple[str, ...] = ()) -> None:
        """``blocked``: URLs the page is known to try and its policy stops (the browser
        never sends them, so they are not in ``outside`` either)."""
        assert self.outside == [], f"requests off the loopback: {self.outside}"
        unexpected = [v for v in self.violations if not any(url in v for url in blocked)]
        assert unexpected == [], f"Content-Security-Policy violations: {unexpected}"
        assert self.errors == [], f"script errors: {self.errors}"


@contextmanager
def browser_page(viewport: dict[str, int] | None = None) -> Iterator[tuple[Any, Watch]]:
    """A fresh page in headless Chromium, and the Watch of what it attempted."""
    from playwright.sync_api import sync_playwright

    watch = Watch()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
            page = context.new_page()

            def guard(route: Any) -> None:
                url = route.request.url
                if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
                    route.continue_()
                else:
                    watch.outside.append(url)
                    route.abort()

            page.route("**/*", guard)

            def console(message: Any) -> None:
                if "Content Security Policy" in message.text:
                    watch.violations.append(message.text)

            page.on("console", console)
            page.on("pageerror", lambda error: watch.errors.append(str(error)))
            yield page, watch
        finally:
            browser.close()
