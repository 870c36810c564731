"""The official ``openai`` client and LangChain's ChatOpenAI against the real server."""

from typing import Any

import httpx
import openai
import pytest

from tests.conftest import ARMS_RACE_QUOTE

XI = "What did Xi say about arms races?"


@pytest.fixture
def oai(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0)


def test_models_list(oai: openai.OpenAI) -> None:
    assert [m.id for m in oai.models.list()] == ["newsrag"]


def test_chat_completion_carries_citations_twice(oai: openai.OpenAI) -> None:
    reply = oai.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": XI}])
    content = reply.choices[0].message.content or ""
    assert ARMS_RACE_QUOTE in content
    assert "\n\nSources:\n[1] Chinese president calls for unity" in content
    extra: dict[str, Any] = reply.model_extra or {}
    assert any(ARMS_RACE_QUOTE in c["quote"] for c in extra["citations"])
    assert extra["newsrag"]["abstained"] is False
    assert reply.choices[0].finish_reason == "stop"


def test_streamed_completion_matches_the_plain_one(oai: openai.OpenAI) -> None:
    plain = oai.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": XI}])
    chunks = list(
        oai.chat.completions.create(
            model="newsrag", messages=[{"role": "user", "content": XI}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["citations"]


def test_follow_up_reads_the_earlier_turns(oai: openai.OpenAI) -> None:
    first = oai.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": XI}])
    follow = oai.chat.completions.create(
        model="newsrag",
        messages=[
            {"role": "system", "content": "Answer from the news."},
            {"role": "user", "content": XI},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": "and about sovereignty?"},
        ],
    )
    extra: dict[str, Any] = follow.model_extra or {}
    assert extra["newsrag"]["question"] == "and about sovereignty?"
    assert extra["newsrag"]["resolved_question"] == "What did Xi say about sovereignty?"
    assert "Cyber sovereignty" in (follow.choices[0].message.content or "")


def test_abstention_comes_back_as_a_plain_answer(oai: openai.OpenAI) -> None:
    reply = oai.chat.completions.create(
        model="newsrag", messages=[{"role": "user", "content": "What is Apple's stock price?"}]
    )
    assert reply.choices[0].message.content == "The indexed articles don't cover this."
    assert (reply.model_extra or {})["citations"] == []


def test_langchain_chat_openai(base_url: str) -> None:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=base_url + "/v1", api_key="unused", model="newsrag", max_retries=0)
    message = chat.invoke(XI)
    assert ARMS_RACE_QUOTE in str(message.content)
    streamed = "".join(str(part.content) for part in chat.stream(XI))
    assert streamed == message.content


def test_bad_chat_requests_are_4xx(base_url: str) -> None:
    for body in ({"messages": "hi"}, {"messages": [{"role": "wizard", "content": "x"}]}, {}):
        response = httpx.post(base_url + "/v1/chat/completions", json=body)
        assert response.status_code == 422 and "messages" in response.json()["error"]
