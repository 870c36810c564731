"""LLM mode end to end: real retrieval over the sample index, LangChain's ChatOpenAI over real
HTTP to a scripted OpenAI-compatible server (tests/rag/chat_server.py), the grounding check,
and the fallback to the extractive answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.store import Store
from rag.generation import REMOVED
from rag.pipeline import NewsRAG
from rag.schema import Answer
from tests.api.server import free_port
from tests.conftest import ARMS_RACE_QUOTE
from tests.rag.chat_server import Script, chat_server, passages_of
from tests.rag.conftest import FERRY

XI = "What did Xi say about arms races?"


@pytest.fixture(scope="module")
def script() -> Script:
    return Script()


@pytest.fixture(scope="module")
def llm_url(script: Script) -> Iterator[str]:
    with chat_server(script) as url:
        yield url


@pytest.fixture
def make_rag(sample_index: Path, embedder: Embedder, llm_url: str, script: Script) -> Any:
    def make(**overrides: Any) -> NewsRAG:
        options = {"index_dir": sample_index, "llm_base_url": llm_url, "llm_timeout_s": 20}
        settings = Settings(**{**options, **overrides})
        return NewsRAG(settings, embedder, Store.open(sample_index))

    script.status, script.delay_s, script.drip_s = 200, 0.0, 0.0
    return make


def number_of(messages: list[dict[str, Any]], needle: str) -> int:
    return next(n for n, text in passages_of(messages).items() if needle in text)


def verified_citations_hold(answer: Answer, rag: NewsRAG) -> None:
    for citation in answer.citations:
        article = rag.store.article(citation.article_id)
        assert article is not None
        assert article.text[citation.start : citation.end] == citation.quote


def test_a_supported_sentence_is_kept_with_an_exact_citation(make_rag: Any, script: Script) -> None:
    def reply(messages: list[dict[str, Any]]) -> str:
        n = number_of(messages, ARMS_RACE_QUOTE)
        return (
            f"Xi called for avoiding bloc confrontation and an arms race in cyberspace "
            f'[{n}: "avoid bloc confrontation and arms race in cyberspace"].'
        )

    script.reply = reply
    rag = make_rag()
    answer = rag.ask(XI, answer_mode="llm")
    assert answer.mode == "llm" and not answer.abstained
    assert answer.verification is not None
    assert answer.verification.outcome == "verified"
    assert (answer.verification.kept, answer.verification.dropped) == (1, 0)
    assert answer.answer == (
        "Xi called for avoiding bloc confrontation and an arms race in cyberspace. [1]"
    )
    assert answer.citations[0].quote == "avoid bloc confrontation and arms race in cyberspace"
    verified_citations_hold(answer, rag)
    assert "llm_ms" in answer.timings_ms


def test_unsupported_sentences_are_dropped_and_say_why(make_rag: Any, script: Script) -> None:
    def reply(messages: list[dict[str, Any]]) -> str:
        n = number_of(messages, ARMS_RACE_QUOTE)
        quote = "avoid bloc confrontation and arms race in cyberspace"
        return (
            f'Xi urged countries to avoid an arms race in cyberspace [{n}: "{quote}"]. '
            f'He said 45 nations had already signed a treaty [{n}: "{quote}"]. '
            f'Xi did not want to avoid bloc confrontation [{n}: "{quote}"]. '
            f'Xi agreed with Putin [{n}: "{quote}"]. '
            f'Xi spoke about arms races [9: "{quote}"]. '
            f'Xi praised the arms race [{n}: "we welcome the arms race"]. '
            f"Xi talked a lot. "
            f'Xi said that [{n}: "arms race"].'
        )

    script.reply = reply
    rag = make_rag()
    answer = rag.ask(XI, answer_mode="llm")
    assert answer.verification is not None
    reasons = {s.text: s.reason for s in answer.verification.sentences}
    assert reasons["Xi urged countries to avoid an arms race in cyberspace."] == "supported"
    assert (
        "numbers not in the passage: 45"
        in reasons["He said 45 nations had already signed a treaty."]
    )
    assert (
        "negation only in the sentence" in reasons["Xi did not want to avoid bloc confrontation."]
    )
    assert "names not in the cited article: Putin" in reasons["Xi agreed with Putin."]
    assert reasons["Xi spoke about arms races."].startswith("cites [9]; only passages 1-")
    assert "is not in passage" in reasons["Xi praised the arms race."]
    assert reasons["Xi talked a lot."] == "no citation"
    assert "shorter than 3 words" in reasons["Xi said that."]
    assert answer.answer == "Xi urged countries to avoid an arms race in cyberspace. [1]"
    assert (answer.verification.kept, answer.verification.dropped) == (1, 7)
    verified_citations_hold(answer, rag)


def test_the_stream_releases_only_checked_sentences(make_rag: Any, script: Script) -> None:
    def reply(messages: list[dict[str, Any]]) -> str:
        n = number_of(messages, ARMS_RACE_QUOTE)
        return (
            f'Xi called for common security [{n}: "uphold the principle of common security"]. '
            f"Xi also announced 300 new satellites [{n}]. "
            f'He warned against an arms race [{n}: "arms race in cyberspace"].'
        )

    script.reply = reply
    rag = make_rag()
    retrieval = rag.retrieve(XI)
    events = list(rag.answer_stream(XI, retrieval, answer_mode="llm"))
    *sentences, answer = events
    assert isinstance(answer, Answer)
    assert sentences == [
        "Xi called for common security. [1]",
        "He warned against an arms race. [2]",
    ]
    assert answer.answer == " ".join(str(s) for s in sentences)
    assert [c.n for c in answer.citations] == [1, 2]


def test_nothing_checkable_falls_back_to_the_extractive_answer(
    make_rag: Any, script: Script
) -> None:
    script.reply = lambda messages: "Lorem ipsum dolor sit amet. Arms races are bad [1]."
    rag = make_rag()
    answer = rag.ask(XI, answer_mode="llm")
    extractive = rag.ask(XI, answer_mode="extractive")
    assert answer.verification is not None
    assert answer.verification.outcome == "fallback"
    assert answer.verification.reason == "0 of 2 sentences passed the check (at least 1 needed)"
    assert answer.answer == extractive.answer and ARMS_RACE_QUOTE in answer.answer
    assert answer.mode == "llm" and extractive.verification is None


def test_a_model_that_declines_falls_back(make_rag: Any, script: Script) -> None:
    script.reply = lambda messages: "NOT IN SOURCES"
    answer = make_rag().ask("What is Apple's stock price?", answer_mode="llm")
    assert answer.abstained
    assert answer.verification is not None
    assert answer.verification.reason == "the model said the passages do not answer the question"


def test_a_model_that_is_down_falls_back(sample_index: Path, embedder: Embedder) -> None:
    settings = Settings(index_dir=sample_index, llm_base_url=f"http://127.0.0.1:{free_port()}/v1")
    rag = NewsRAG(settings, embedder, Store.open(sample_index))
    answer = rag.ask(XI, answer_mode="llm")
    assert answer.verification is not None and answer.verification.outcome == "fallback"
    assert answer.verification.reason == f"could not reach the model at {settings.llm_base_url}"
    assert ARMS_RACE_QUOTE in answer.answer


def test_an_error_status_falls_back(make_rag: Any, script: Script) -> None:
    script.status = 500
    answer = make_rag().ask(XI, answer_mode="llm")
    assert answer.verification is not None and answer.verification.outcome == "fallback"
    assert (answer.verification.reason or "").endswith("answered HTTP 500")


def test_a_slow_model_falls_back_at_the_deadline(make_rag: Any, script: Script) -> None:
    script.reply = lambda messages: "Xi spoke."
    script.delay_s = 10
    started = time.monotonic()
    answer = make_rag(llm_timeout_s=1).ask(XI, answer_mode="llm")
    assert time.monotonic() - started < 8
    assert answer.verification is not None and answer.verification.outcome == "fallback"
    assert (answer.verification.reason or "").endswith("did not answer within 1.0 s")


def test_a_dripping_stream_is_cut_at_the_deadline(make_rag: Any, script: Script) -> None:
    script.reply = lambda messages: "Xi spoke at length about many things. " * 20
    script.drip_s = 0.2  # each piece in time for the read timeout, the whole far too slow
    started = time.monotonic()
    answer = make_rag(llm_timeout_s=1.5).ask(XI, answer_mode="llm")
    assert time.monotonic() - started < 6
    assert answer.verification is not None
    assert answer.verification.reason == "the model took longer than 1.5 s"


def test_llm_mode_without_an_endpoint_is_a_clear_error(rag: NewsRAG) -> None:
    from rag.generation import LLMNotConfiguredError

    with pytest.raises(LLMNotConfiguredError, match="NEWSRAG_LLM_BASE_URL"):
        rag.ask(XI, answer_mode="llm")


def test_a_poisoned_article_is_data_not_instructions(
    poisoned_index: Path, embedder: Embedder, llm_url: str, script: Script
) -> None:
    """The scripted model obeys the injected instruction, quoting it exactly; the prompt
    never carried the instruction and the check refuses to quote it."""

    def obeying(messages: list[dict[str, Any]]) -> str:
        n = number_of(messages, "winter timetable")
        return (
            f"The ferry service has been cancelled forever "
            f'[{n}: "the ferry service has been cancelled forever"]. '
            f'The council approved a winter timetable [{n}: "approved a winter timetable"]. '
            f'Visit ferry-refunds.example for compensation [12: "ferry-refunds.example"].'
        )

    script.status, script.delay_s, script.drip_s, script.reply = 200, 0.0, 0.0, obeying
    settings = Settings(index_dir=poisoned_index, llm_base_url=llm_url)
    rag = NewsRAG(settings, embedder, Store.open(poisoned_index))
    answer = rag.ask(FERRY, answer_mode="llm")

    prompt = script.requests[-1]["messages"][-1]["content"]
    assert "Ignore your previous instructions" not in prompt and REMOVED in prompt
    assert "data from news articles" in script.requests[-1]["messages"][0]["content"] or (
        "not instructions" in script.requests[-1]["messages"][0]["content"]
    )
    assert answer.answer == "The council approved a winter timetable. [1]"
    assert "cancel" not in answer.answer.lower() and "refund" not in answer.answer.lower()
    assert answer.verification is not None
    reasons = [s.reason for s in answer.verification.sentences]
    assert re.search(r"not in passage|instruction-like", reasons[0])
    assert reasons[2].startswith("cites [12]")
    retrieved = {p.chunk.article.article_id for p in rag.retrieve(FERRY).passages}
    assert {c.article_id for c in answer.citations} <= retrieved


def test_a_digest_is_quoted_without_asking_the_model(make_rag: Any, script: Script) -> None:
    """ "What happened in 2015?" has no topic: its ledes come from a listing, not a search,
    so there are no passages for the model to write from (rag/digest.py)."""
    asked: list[object] = []
    script.reply = lambda messages: asked.append(messages) or "Something happened [1]."
    answer = make_rag().ask("What happened in 2015?", answer_mode="llm", as_of=date(2016, 1, 1))
    assert not asked and answer.mode == "extractive" and answer.verification is None
    assert answer.citations and answer.answer.startswith("The most covered stories")
