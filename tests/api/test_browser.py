"""The chat page in headless Chromium (Debian's package, driven by Playwright) against the
real server: ask, read the answer, click a marker, see the quote highlighted in its article."""

import shutil

import pytest

from tests.conftest import ARMS_RACE_QUOTE

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]
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


def test_ask_and_click_a_citation(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(base_url + "/")
            page.fill("#question", "What did Xi say about arms races?")
            page.click("#submit")
            page.wait_for_selector("#answer button.cite", timeout=60_000)
            assert ARMS_RACE_QUOTE in page.inner_text("#answer")
            assert "Chinese president calls for unity" in page.inner_text("#sources")
            page.click("#answer button.cite")
            page.wait_for_selector("#article mark", timeout=30_000)
            assert ARMS_RACE_QUOTE in page.inner_text("#article mark")
            assert page.is_visible("#article")

            page.fill("#question", "What is Apple's current stock price?")
            page.click("#submit")
            page.wait_for_selector("#answer.abstained", timeout=60_000)
            assert page.inner_text("#answer") == "The indexed articles don't cover this."
            assert page.locator("#sources li").count() == 0
        finally:
            browser.close()
