"""The as-of date and the question's time window through every surface: POST /ask, the SSE
stream, the OpenAI-compatible endpoint, the Slack message timestamp and the CLI."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from api.openai_compat import time_text
from api.slack import answer_blocks, fallback_text, message_date
from rag.schema import Answer, TimeWindowOut
from tests.conftest import run_newsrag

STAMPEDE = "How many pilgrims were killed in the Hajj stampede this week?"


def test_ask_reads_this_week_against_as_of(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": STAMPEDE, "as_of": "2006-01-14"}).json()
    assert body["as_of"] == "2006-01-14"
    assert body["time_window"] == {
        "since": "2006-01-06",
        "until": "2006-01-14",
        "expression": "this week",
    }
    assert body["citations"], body["answer"]
    assert all(c["published"] <= "2006-01-14" for c in body["citations"])


def test_ask_without_time_words_has_no_window(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": "What did Xi say about arms races?"}).json()
    assert body["time_window"] is None
    assert body["as_of"] == date.today().isoformat()


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13-01", "10/06/2022", "", "2022-6-1"])
def test_a_bad_as_of_is_a_422_naming_it(client: httpx.Client, bad: str) -> None:
    response = client.post("/ask", json={"question": STAMPEDE, "as_of": bad})
    assert response.status_code == 422
    assert "as_of" in response.text


def test_recency_must_be_a_boolean(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": STAMPEDE, "recency": "yes"})
    assert response.status_code == 422 and "recency" in response.text
    ok = client.post("/ask", json={"question": STAMPEDE, "recency": False})
    assert ok.status_code == 200


def test_an_impossible_date_in_the_question_is_a_422(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": "Who won since February 30?"})
    assert response.status_code == 422
    assert "February 30" in response.text and "question" in response.text


def test_the_stream_carries_the_window(client: httpx.Client) -> None:
    query = {"question": STAMPEDE, "as_of": "2006-01-14"}
    with client.stream("POST", "/ask/stream", json=query) as response:
        events = []
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["time_window"]["expression"] == "this week"


def test_chat_completions_take_as_of_and_say_the_dates(client: httpx.Client) -> None:
    body = client.post(
        "/v1/chat/completions",
        json={
            "model": "newsrag",
            "messages": [{"role": "user", "content": STAMPEDE}],
            "as_of": "2006-01-14",
        },
    ).json()
    content = body["choices"][0]["message"]["content"]
    assert 'Time: articles from 6–14 January 2006 ("this week"), as of 14 January 2006.' in content
    assert body["newsrag"]["time_window"]["since"] == "2006-01-06"
    bad = client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": STAMPEDE}], "as_of": "2024-02-30"},
    )
    assert bad.status_code == 422 and "as_of" in bad.text


def _answer(outside: bool = False) -> Answer:
    return Answer(
        question=STAMPEDE,
        answer="345 pilgrims were killed. [1]",
        abstained=False,
        as_of="2006-01-14",
        time_window=TimeWindowOut(since="2006-01-06", until="2006-01-14", expression="this week"),
        outside_window=outside,
    )


def test_time_text() -> None:
    assert time_text(_answer()) == (
        '\n\nTime: articles from 6–14 January 2006 ("this week"), as of 14 January 2006.'
    )
    assert "nearest outside it" in time_text(_answer(outside=True))
    plain = Answer(question="q", answer="a", abstained=True)
    assert time_text(plain) == ""


def test_slack_uses_the_message_date_and_shows_the_window() -> None:
    assert message_date("1654876800.000100") == date(2022, 6, 10)
    assert message_date(None) is None and message_date("not a ts") is None
    blocks = answer_blocks(_answer())
    assert any("6–14 January 2006" in json.dumps(b, ensure_ascii=False) for b in blocks)
    assert "this week" in fallback_text(_answer())


@pytest.mark.slow
def test_cli_as_of(sample_index: object) -> None:
    shown = run_newsrag("ask", STAMPEDE, "--as-of", "2006-01-14", "--index", str(sample_index))
    assert shown.returncode == 0, shown.stderr
    assert 'Time: articles from 6–14 January 2006 ("this week")' in shown.stdout
    bad = run_newsrag("ask", STAMPEDE, "--as-of", "2024-02-30", "--index", str(sample_index))
    assert bad.returncode == 2 and "--as-of '2024-02-30' is not a date" in bad.stderr
