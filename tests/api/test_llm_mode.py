"""LLM mode over HTTP: a real newsrag server whose chat model is the scripted
OpenAI-compatible server on loopback; REST, SSE and the OpenAI-compatible endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running
from tests.conftest import ARMS_RACE_QUOTE
from tests.rag.chat_server import Script, chat_server, passages_of

XI = "What did Xi say about arms races?"
QUOTE = "avoid bloc confrontation and arms race in cyberspace"


def reply(messages: list[dict[str, Any]]) -> str:
    """One supported sentence, one invented figure, one supported sentence."""
    n = next(n for n, text in passages_of(messages).items() if ARMS_RACE_QUOTE in text)
    return (
        f'Xi called for common security [{n}: "uphold the principle of common security"]. '
        f'He said 12 countries back the plan [{n}: "{QUOTE}"]. '
        f'He warned against an arms race in cyberspace [{n}: "{QUOTE}"].'
    )


@pytest.fixture(scope="module")
def base_url(server_index: Path, embedder: Embedder) -> Iterator[str]:
    with chat_server(Script(reply=reply)) as llm:
        settings = Settings(index_dir=server_index, rate_limit_per_minute=0, llm_base_url=llm)
        with running(settings, embedder) as url:
            yield url


KEPT = [
    "Xi called for common security. [1]",
    "He warned against an arms race in cyberspace. [2]",
]


def test_ask_in_llm_mode_returns_the_verification(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": XI, "answer_mode": "llm"})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "llm" and body["answer"] == " ".join(KEPT)
    verification = body["verification"]
    assert verification["outcome"] == "verified"
    assert (verification["kept"], verification["dropped"]) == (2, 1)
    assert "numbers not in the passage: 12" in verification["sentences"][1]["reason"]
    assert [c["quote"] for c in body["citations"]] == [
        "uphold the principle of common security",
        QUOTE,
    ]


def test_extractive_stays_the_default(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": XI}).json()
    assert body["mode"] == "extractive" and body["verification"] is None
    assert ARMS_RACE_QUOTE in body["answer"]


def test_the_sse_stream_sends_only_checked_sentences(client: httpx.Client) -> None:
    events: list[tuple[str, Any]] = []
    with client.stream("POST", "/ask/stream", json={"question": XI, "answer_mode": "llm"}) as r:
        name = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    assert [n for n, _ in events] == ["retrieval", "sentence", "sentence", "citations", "done"]
    assert [d["text"] for n, d in events if n == "sentence"] == KEPT
    assert events[-1][1]["verification"]["dropped"] == 1


def test_openai_clients_pick_llm_mode_by_model_name(base_url: str) -> None:
    client = openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == ["newsrag", "newsrag-llm"]
    messages: Any = [{"role": "user", "content": XI}]
    chunks = list(
        client.chat.completions.create(model="newsrag-llm", messages=messages, stream=True)
    )
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta]
    assert deltas[1:3] == [KEPT[0], " " + KEPT[1]]
    extra = chunks[-1].model_extra or {}
    assert extra["newsrag"]["mode"] == "llm"
    assert extra["newsrag"]["verification"]["kept"] == 2
    plain = client.chat.completions.create(model="newsrag-llm", messages=messages)
    assert (plain.choices[0].message.content or "").startswith(" ".join(KEPT))
