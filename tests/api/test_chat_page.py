"""The chat page in real headless Chromium (tests/api/browsing.py) against a real uvicorn
server over the samples index: a three-turn conversation streamed with its history, the
filters, the phone layout, keyboard use and a citation opening its quote in the article.
Every request off the loopback is refused and must not have been attempted."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from index.embedding import Embedder
from tests.api.browsing import browser_page, needs_chromium
from tests.api.server import running
from tests.conftest import ARMS_RACE_QUOTE


def in_chromium(test: Any) -> Any:
    """A browser test: slow, and skipped (saying why) where Chromium is missing."""
    return pytest.mark.slow(needs_chromium(test))


ROOT = Path(__file__).resolve().parents[2]
# the screenshot to look at by eye: docs/img/chat-phone.png is refreshed only on request
# (NEWSRAG_SCREENSHOT=1), so a test run leaves the tracked file alone
SCREENSHOT = ROOT / "docs" / "img" / "chat-phone.png"
XI = "What did Xi say about arms races?"
HAJJ = "How many pilgrims died in the Hajj stampede?"
FOLLOW_UP = "Where did he say it?"
KEY = "chat-page-test-key-0123456789"
WAIT = 60_000


def _ask(page: Any, question: str, turn: int, bodies: list[dict[str, Any]]) -> Any:
    """Type and press Enter; the turn's element once its answer is done."""
    page.fill("#question", question)
    with page.expect_request("**/ask/stream") as request:
        page.press("#question", "Enter")
    bodies.append(json.loads(request.value.post_data))
    item = page.locator("#log > li.turn").nth(turn)
    item.locator(".answer[data-events$='done']").wait_for(timeout=WAIT)
    return item


def _events(item: Any) -> list[str]:
    return str(item.locator(".answer").get_attribute("data-events")).split()


@in_chromium
def test_three_turn_conversation_streams_with_history(base_url: str) -> None:
    bodies: list[dict[str, Any]] = []
    with browser_page() as (page, watch):
        page.goto(base_url + "/")
        assert page.locator("#key-box").is_hidden()  # this server takes no key
        assert page.locator("#llm-box").is_hidden()  # and has no LLM endpoint

        first = _ask(page, HAJJ, 0, bodies)
        events = _events(first)
        assert events[0] == "retrieval" and events[-2:] == ["citations", "done"]
        assert "sentence" in events  # the answer came sentence by sentence, before "done"
        assert "345" in first.locator(".short-answer").inner_text()

        second = _ask(page, XI, 1, bodies)
        assert "sentence" in _events(second)
        assert ARMS_RACE_QUOTE in second.locator(".answer").inner_text()
        summary = second.locator(".sources-box summary")
        assert "Chinese president calls for unity" in summary.inner_text()
        summary.click()  # the quotes, one click away
        assert ARMS_RACE_QUOTE in second.locator(".sources").inner_text()

        third = _ask(page, FOLLOW_UP, 2, bodies)
        assert "sentence" in _events(third)

        # the conversation stays on the page, and each question carried the turns before it
        questions = page.locator("#log .q").all_inner_texts()
        assert questions == [HAJJ, XI, FOLLOW_UP]
        assert bodies[0]["history"] == []
        assert [t["question"] for t in bodies[1]["history"]] == [HAJJ]
        assert [t["question"] for t in bodies[2]["history"]] == [HAJJ, XI]
        assert ARMS_RACE_QUOTE in bodies[2]["history"][1]["answer"]
        assert "[1]" not in bodies[2]["history"][1]["answer"]  # plain text, markers dropped

        # the follow-up says how the server read it, exactly when that differs from the typed
        resolved = _answer(base_url, bodies[2])["resolved_question"]
        read_as = third.locator(".read-as")
        if resolved and resolved != FOLLOW_UP:
            assert read_as.inner_text() == "Read as: " + resolved
        else:
            assert read_as.is_hidden()
        assert first.locator(".read-as").is_hidden() and second.locator(".read-as").is_hidden()

        # "New conversation" forgets the history
        page.click("#new")
        assert page.locator("#log > li").count() == 0
        _ask(page, HAJJ, 0, bodies)
        assert bodies[-1]["history"] == []
        watch.assert_clean()


@in_chromium
def test_read_as_shows_how_a_follow_up_was_read(base_url: str) -> None:
    """When the server says it read the question otherwise (resolved_question), the page
    says so under the question; the stream is stubbed here only to fix what it says."""
    done = {
        "question": "Who won?",
        "answer": "Nobody won. [1]",
        "abstained": False,
        "resolved_question": "Who won the 2006 election?",
        "citations": [
            {
                "n": 1,
                "article_id": "a",
                "title": "T",
                "quote": "Nobody won.",
                "start": 0,
                "end": 11,
                "score": 1.0,
                "also_in": [],
            }
        ],
    }
    stream = f"event: sentence\ndata: {json.dumps({'text': 'Nobody won. [1]'})}\n\n"
    stream += f"event: done\ndata: {json.dumps(done)}\n\n"
    with browser_page() as (page, watch):
        page.goto(base_url + "/")
        page.route(
            "**/ask/stream",
            lambda route: route.fulfill(
                status=200, body=stream, headers={"content-type": "text/event-stream"}
            ),
        )
        page.fill("#question", "Who won?")
        page.press("#question", "Enter")
        page.wait_for_selector("#log .read-as:visible", timeout=WAIT)
        assert page.inner_text("#log .read-as") == "Read as: Who won the 2006 election?"
        watch.assert_clean()


@in_chromium
def test_filters_change_the_answer_and_say_when_nothing_matched(base_url: str) -> None:
    bodies: list[dict[str, Any]] = []
    with browser_page() as (page, watch):
        page.goto(base_url + "/")
        page.click("#options-summary")
        page.fill("#source", "Wikinews")  # the Xi article is not from Wikinews
        first = _ask(page, XI, 0, bodies)
        assert bodies[0]["source"] == ["Wikinews"]
        assert first.locator(".answer.abstained").count() == 1
        assert ARMS_RACE_QUOTE not in first.locator(".answer").inner_text()
        assert page.inner_text("#options-summary") == "Filters (1 set)"

        page.fill("#source", "")
        page.fill("#since", "2024-01-01")
        second = _ask(page, XI, 1, bodies)
        assert bodies[1]["since"] == "2024-01-01" and "source" not in bodies[1]
        assert "No indexed article was published on or after 2024-01-01" in (
            second.locator(".answer").inner_text()
        )

        page.fill("#source", "Wikinwes")  # a typo: the server's 422 names the field
        third = _ask_error(page, XI, 2)
        assert "source" in third and "Wikinews" in third

        page.fill("#source", "")
        page.fill("#since", "")
        page.fill("#as-of", "2015-09-03")  # "this week" is the week before this date
        fourth = _ask(page, "What happened this week?", 3, bodies)
        assert bodies[-1]["as_of"] == "2015-09-03"
        when = fourth.locator(".when")
        assert when.is_visible()
        assert when.inner_text().startswith("Time: articles from 26 August 2015 to 3 September")
        assert "(\u201cthis week\u201d), as of 3 September 2015" in when.inner_text()
        watch.assert_clean()


def _ask_error(page: Any, question: str, turn: int) -> str:
    page.fill("#question", question)
    page.press("#question", "Enter")
    error = page.locator("#log > li.turn").nth(turn).locator(".answer .error")
    error.wait_for(timeout=WAIT)
    return str(error.inner_text())


@in_chromium
def test_keyboard_and_citation_open_the_quote_in_its_article(base_url: str) -> None:
    bodies: list[dict[str, Any]] = []
    with browser_page() as (page, watch):
        page.goto(base_url + "/")
        assert page.evaluate("document.activeElement.id") == "question"
        item = _ask(page, XI, 0, bodies)  # Enter submitted it
        assert page.evaluate("document.activeElement.id") == "question"  # ready for the next
        marker = item.locator(".answer button.cite").first
        marker.focus()
        assert page.evaluate("document.activeElement.dataset.n") == "1"
        page.keyboard.press("Enter")
        page.wait_for_selector("#article[open] mark", timeout=WAIT)
        citation = _citation(base_url, XI)
        assert page.inner_text("#article mark") == citation["quote"]
        assert ARMS_RACE_QUOTE in citation["quote"]
        assert page.inner_text("#article-title") == citation["title"]
        page.keyboard.press("Escape")
        assert page.locator("#article[open]").count() == 0
        assert page.evaluate("document.activeElement.dataset.n") == "1"  # focus came back
        page.keyboard.press("/")  # "/" jumps back to the question box
        assert page.evaluate("document.activeElement.id") == "question"
        watch.assert_clean()


def _answer(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    """The server's answer to a request body, asked directly over HTTP."""
    response = httpx.post(base_url + "/ask", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _citation(base_url: str, question: str) -> dict[str, Any]:
    """The first citation the server gives for the question, asked directly."""
    return dict(_answer(base_url, {"question": question})["citations"][0])


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not laid out"
    return dict(box)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@in_chromium
def test_phone_layout(base_url: str) -> None:
    bodies: list[dict[str, Any]] = []
    with browser_page({"width": 390, "height": 844}) as (page, watch):
        page.goto(base_url + "/")
        _ask(page, XI, 0, bodies)
        _ask(page, HAJJ, 1, bodies)
        width = page.evaluate("document.documentElement.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no side scroll
        question, button = _box(page, "#question"), _box(page, "#submit")
        for box in (question, button):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            assert box["y"] >= 0 and box["y"] + box["height"] <= 844  # the form stays in view
        assert not _overlap(question, button)
        assert question["width"] >= 200  # room to type
        assert button["height"] >= 32  # a thumb can hit it
        for turn in page.locator("#log > li.turn").all():
            for part in (".q", ".bubble"):
                box = turn.locator(part).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        shot = page.screenshot(
            path=str(SCREENSHOT) if os.environ.get("NEWSRAG_SCREENSHOT") else None
        )
        assert shot[:8] == b"\x89PNG\r\n\x1a\n"

        page.locator("#log button.cite").first.click()  # the article fits the phone too
        page.wait_for_selector("#article[open] mark", timeout=WAIT)
        dialog, mark = _box(page, "#article"), _box(page, "#article mark")
        assert dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= 390
        assert mark["y"] >= 0 and mark["y"] + mark["height"] <= 844  # scrolled into view
        assert page.is_visible("#close")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        watch.assert_clean()


@pytest.fixture(scope="module")
def keyed_url(server_index: Path, embedder: Embedder) -> Iterator[str]:
    """A server that wants a key and has an LLM endpoint configured (never called here)."""
    settings = Settings(
        index_dir=server_index,
        api_keys=[SecretStr(KEY)],
        llm_base_url="http://127.0.0.1:9/v1",
        rate_limit_per_minute=0,
    )
    with running(settings, embedder) as url:
        yield url


@in_chromium
def test_key_box_and_llm_switch_only_when_the_server_has_them(keyed_url: str) -> None:
    bodies: list[dict[str, Any]] = []
    with browser_page() as (page, watch):
        page.goto(keyed_url + "/")
        page.locator("#key-box").wait_for(state="visible", timeout=WAIT)
        assert page.locator("#llm-box").is_visible()
        assert not page.is_checked("#llm")  # the server's default mode is extractive
        refused = _ask_error(page, XI, 0)
        assert "API key" in refused
        page.fill("#key", KEY)
        item = _ask(page, XI, 1, bodies)
        assert bodies[-1]["answer_mode"] == "extractive"
        assert ARMS_RACE_QUOTE in item.locator(".answer").inner_text()
        watch.assert_clean()


def test_page_config_says_what_the_page_shows(tmp_path: Path) -> None:
    """No key needed to read it; keys and an LLM endpoint each turn their flag on."""
    plain = TestClient(create_app(Settings(index_dir=tmp_path)))
    assert plain.get("/page-config").json() == {
        "keys_required": False,
        "llm_available": False,
        "answer_mode": "extractive",
    }
    settings = Settings(
        index_dir=tmp_path,
        api_keys=[SecretStr(KEY)],
        llm_base_url="http://127.0.0.1:9/v1",
        answer_mode="llm",
    )
    keyed = TestClient(create_app(settings))
    response = keyed.get("/page-config")
    assert response.status_code == 200
    assert response.json() == {"keys_required": True, "llm_available": True, "answer_mode": "llm"}
    assert KEY not in response.text
    assert keyed.get("/stats").status_code == 401  # the data routes still want the key
