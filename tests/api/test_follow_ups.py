"""Follow-up questions over HTTP (POST /ask and /ask/stream with ``history``, the
OpenAI-compatible endpoint with earlier messages), the Slack bot's thread memory and
``newsrag chat``: a real server on loopback, the real model, the sample index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.slack import SlackStore
from rag.pipeline import NewsRAG
from tests.api.server import sse_events
from tests.conftest import ARMS_RACE_QUOTE

XI = "What did Xi say about arms races?"
# Answers written for these tests: what a reply naming the founder might say.
HERRICK = [{"question": "Who founded wikiHow?", "answer": "Jack Herrick started wikiHow."}]
VOLUNTEERS = "What did he say about volunteers?"
HERRICK_TITLE = "Jack Herrick, wikiHow founder interviewed by Wikinews"


def test_ask_reads_a_follow_up_with_its_history(client: httpx.Client) -> None:
    history = [{"question": XI, "answer": f"Xi said: “{ARMS_RACE_QUOTE}” [1]"}]
    body = client.post(
        "/ask", json={"question": "and about sovereignty?", "history": history}
    ).json()
    assert body["question"] == "and about sovereignty?"
    assert body["resolved_question"] == "What did Xi say about sovereignty?"
    assert "Cyber sovereignty" in body["answer"]


def test_a_pronoun_is_the_person_the_earlier_answer_named(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": VOLUNTEERS, "history": HERRICK}).json()
    assert body["resolved_question"] == "What did Jack Herrick say about volunteers?"
    assert not body["abstained"]
    assert {c["title"] for c in body["citations"]} == {HERRICK_TITLE}


def test_without_history_nothing_is_rewritten(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": XI, "history": HERRICK}).json()
    assert body["question"] == XI and body["resolved_question"] is None
    alone = client.post("/ask", json={"question": VOLUNTEERS}).json()
    assert alone["resolved_question"] is None


def test_the_stream_says_how_it_read_the_question_first(client: httpx.Client) -> None:
    with client.stream(
        "POST", "/ask/stream", json={"question": VOLUNTEERS, "history": HERRICK}
    ) as response:
        assert response.status_code == 200
        events = sse_events(response)
    name, retrieval = events[0]
    assert name == "retrieval"
    assert retrieval["resolved_question"] == "What did Jack Herrick say about volunteers?"
    done = events[-1][1]
    assert done["resolved_question"] == retrieval["resolved_question"]
    assert done["question"] == VOLUNTEERS


@pytest.mark.parametrize(
    ("history", "field"),
    [
        ([{"question": XI}] * 21, "history"),
        ([{"answer": "no question"}], "question"),
        ([{"question": ""}], "question"),
        ("not a list", "history"),
    ],
)
def test_bad_history_is_a_422_naming_it(client: httpx.Client, history: Any, field: str) -> None:
    response = client.post("/ask", json={"question": VOLUNTEERS, "history": history})
    assert response.status_code == 422
    assert field in json.dumps(response.json())


def test_openai_endpoint_reads_the_assistant_replies_too(base_url: str) -> None:
    """Not their source lists: those name titles, not what was said."""
    oai = openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0)
    reply = oai.chat.completions.create(
        model="newsrag",
        messages=[
            {"role": "user", "content": "Who founded wikiHow?"},
            {"role": "assistant", "content": "Jack Herrick."},
            {"role": "user", "content": "x" * 5000},  # longer than a Turn holds: cut, no 500
            {"role": "user", "content": VOLUNTEERS},
        ],
    )
    extra: dict[str, Any] = reply.model_extra or {}
    assert extra["newsrag"]["resolved_question"] == "What did Jack Herrick say about volunteers?"
    assert extra["newsrag"]["question"] == VOLUNTEERS
    cut = oai.chat.completions.create(
        model="newsrag",
        messages=[
            {"role": "user", "content": "Who founded wikiHow?"},
            {"role": "assistant", "content": "No.\n\nSources:\n[1] Mike Pence said so"},
            {"role": "user", "content": VOLUNTEERS},
        ],
    )
    assert (cut.model_extra or {})["newsrag"]["resolved_question"] is None


def test_slack_threads_remember_the_answers(tmp_path: Path, rag: NewsRAG) -> None:
    store = SlackStore(tmp_path / "slack.sqlite")
    answer = rag.ask(XI)
    store.save_answer(answer, "C1", "100.1")
    store.save_answer(rag.ask("Who founded LibriVox?"), "C2", "100.1")  # another channel
    [turn] = store.history("C1", "100.1")
    assert (turn.question, turn.answer) == (XI, answer.answer)


@pytest.mark.slow
def test_chat_in_the_terminal_reads_follow_ups(sample_index: Path) -> None:
    questions = f"{XI}\nand about sovereignty?\n\nexit\n{XI}\n"
    result = CliRunner().invoke(app, ["chat", "--index", str(sample_index)], input=questions)
    assert result.exit_code == 0, result.output
    assert "Read as: What did Xi say about sovereignty?" in result.output
    assert ARMS_RACE_QUOTE in result.output and "Cyber sovereignty" in result.output
    assert result.output.count(ARMS_RACE_QUOTE) == 2  # the answer and its source; none after "exit"


def test_chat_refuses_a_bad_option_before_loading(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["chat", "--index", str(tmp_path), "--as-of", "2023-02-30"])
    assert result.exit_code == 2
    assert "--as-of '2023-02-30' is not a date" in result.output
