"""Index management and clear answers about the request, over real HTTP (issue 15.2, 15.5):
``GET /articles`` with filters and a cursor, ``/stats`` per month, filters that match
nothing, questions not in English, and what the OpenAI-compatible endpoint refuses or
passes on to the chat model."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running
from tests.conftest import ARMS_RACE_QUOTE
from tests.rag.chat_server import Script, chat_server, passages_of

XI = "What did Xi say about arms races?"


def all_pages(client: httpx.Client, **params: Any) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        response = client.get(
            "/articles", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["articles"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_articles_are_listed_newest_first_in_cursor_pages(client: httpx.Client) -> None:
    whole = client.get("/articles", params={"limit": 200}).json()
    assert whole["next_cursor"] is None and len(whole["articles"]) == 44
    first = whole["articles"][0]
    assert first["published"] == "2023-02-23" and first["source"] == "Wikinews"
    assert "text" not in first and first["chars"] > 0
    pages = all_pages(client, limit=10)
    assert [len(p) for p in pages] == [10, 10, 10, 10, 4]
    assert [a["article_id"] for p in pages for a in p] == [
        a["article_id"] for a in whole["articles"]
    ]


def test_articles_filters_like_ask(client: httpx.Client) -> None:
    found = client.get(
        "/articles", params={"source": "wikinews", "since": "2015-01-01", "until": "2015-12-31"}
    ).json()["articles"]
    assert len(found) == 9 and all(a["published"].startswith("2015") for a in found)
    hajj = client.get("/articles", params={"query": "Hajj stampede"}).json()["articles"]
    assert hajj and all("stampede" in a["title"].lower() or a["chars"] for a in hajj)
    nothing = client.get("/articles", params={"since": "2024-01-01"})
    assert nothing.status_code == 200 and nothing.json() == {"articles": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"source": "Nope News"}, "source", "'Nope News' is not an indexed outlet"),
        ({"source": "Wikinwes"}, "source", "closest indexed outlets: 'Wikinews'"),
        ({"since": "2020-05-01", "until": "2020-01-01"}, "since", "is after until"),
        ({"cursor": "not-a-cursor"}, "cursor", "is not a next_cursor"),
        ({"cursor": base64.urlsafe_b64encode(b'{"a": 1}').decode()}, "cursor", "next_cursor"),
        ({"since": "2024-02-30"}, "since", "calendar date"),
        ({"limit": 0}, "limit", ""),
    ],
)
def test_bad_listing_requests_name_the_field(
    client: httpx.Client, params: dict[str, str], field: str, says: str
) -> None:
    response = client.get("/articles", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert field in body["error"]
    assert says in str(body["detail"])


def test_stats_count_per_outlet_and_month(client: httpx.Client) -> None:
    stats = client.get("/stats").json()
    assert stats["sources"]["Wikinews"] == 43
    assert stats["months"]["2006-01"] == 1 and sum(stats["months"].values()) == 43


@pytest.mark.parametrize("path", ["/ask", "/ask/stream", "/search"])
def test_an_outlet_not_indexed_is_a_422_naming_it(client: httpx.Client, path: str) -> None:
    response = client.post(path, json={"question": XI, "source": "Nope News"})
    assert response.status_code == 422
    assert "source" in response.json()["error"]
    assert "'Nope News' is not an indexed outlet" in str(response.json()["detail"])
    backwards = client.post(
        path, json={"question": XI, "since": "2020-02-01", "until": "2020-01-01"}
    )
    assert backwards.status_code == 422 and "since" in backwards.json()["error"]


def test_dates_matching_nothing_are_said_in_the_answer(client: httpx.Client) -> None:
    body = client.post(
        "/ask", json={"question": XI, "since": "2024-01-01", "as_of": "2025-01-01"}
    ).json()
    assert body["abstained"]
    assert body["answer"].startswith("No indexed article was published on or after 2024-01-01")


def test_a_question_in_german_is_told_the_index_is_english_only(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": "Was hat Xi über das Wettrüsten gesagt?"}).json()
    assert body["abstained"] and "German" in body["answer"] and "English-only" in body["answer"]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"model": "gpt-4o"}, "model 'gpt-4o' is not served here; use newsrag"),
        ({"model": "newsrag-llm"}, "model 'newsrag-llm' is not served here"),  # no LLM configured
        ({"n": 2}, "n=2 is not supported"),
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "'tools' is not supported"),
        ({"tool_choice": "auto"}, "'tool_choice' is not supported"),
        ({"temperature": 3}, "temperature must be from 0 to 2"),
        ({"max_tokens": 0}, "max_tokens must be a whole number"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop must be a string or a list of 1 to 4"),
    ],
)
def test_chat_parameters_newsrag_cannot_honour_are_a_400(
    client: httpx.Client, extra: dict[str, Any], says: str
) -> None:
    body = {"model": "newsrag", "messages": [{"role": "user", "content": XI}], **extra}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 400, response.text
    assert says in response.json()["error"]


def test_chat_parameters_it_can_honour_are_accepted_in_extractive_mode(
    client: httpx.Client,
) -> None:
    body = {
        "model": "newsrag",
        "messages": [{"role": "user", "content": XI}],
        "n": 1,
        "temperature": 0.2,
        "max_tokens": 50,
        "stop": "\n\n",
        "tools": [],
    }
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert ARMS_RACE_QUOTE in response.json()["choices"][0]["message"]["content"]


def _reply(messages: list[dict[str, Any]]) -> str:
    n = next(n for n, text in passages_of(messages).items() if ARMS_RACE_QUOTE in text)
    return (
        f'Xi called for common security [{n}: "uphold the principle of common security"]. '
        f'He warned against an arms race in cyberspace [{n}: "{ARMS_RACE_QUOTE}"].'
    )


@pytest.fixture(scope="module")
def llm_service(server_index: Path, embedder: Embedder) -> Iterator[tuple[str, Script]]:
    script = Script(reply=_reply)
    with chat_server(script) as llm:
        settings = Settings(index_dir=server_index, rate_limit_per_minute=0, llm_base_url=llm)
        with running(settings, embedder) as url:
            yield url, script


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_temperature_and_stop_reach_the_chat_model(
    llm_service: tuple[str, Script], stream: bool
) -> None:
    url, script = llm_service
    script.requests.clear()
    body = {
        "model": "newsrag-llm",
        "messages": [{"role": "user", "content": XI}],
        "max_tokens": 77,
        "temperature": 0.3,
        "stop": ["\n\nQ:"],
        "stream": stream,
    }
    response = httpx.post(url + "/v1/chat/completions", json=body, timeout=60)
    assert response.status_code == 200, response.text
    [sent] = script.requests
    assert (sent["temperature"], sent["stop"]) == (0.3, ["\n\nQ:"])
    assert 77 in (sent.get("max_tokens"), sent.get("max_completion_tokens"))
