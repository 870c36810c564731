"""Answering one ``Query`` for the routes that take questions: /ask, /ask/stream, /search
(api/routes/ask.py) and /v1/chat/completions (api/routes/chat.py).

Shared so that every way of asking applies the same server limits, the same retrieval
parameters and the same metrics. These run in worker threads (retrieval and answering are
CPU-bound); the routes decide when, so a 422 or 503 comes before any stream starts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping
from typing import Any

from api.deps import require_rag
from api.errors import field_error
from api.models import AnswerOut, Query
from api.observability import Metrics
from api.service import Service
from api.settings import Settings
from rag import conversation
from rag.filters import FilterError, check_filter
from rag.pipeline import NewsRAG
from rag.retrieval import Retrieval
from rag.schema import Answer
from rag.time_window import TimeExpressionError, resolve


def check(query: Query, settings: Settings) -> None:
    """The limits the server sets (question length, k, LLM mode configured) and a time
    expression that can be read: a 422 naming the field, before any work."""
    if len(query.question) > settings.max_question_chars:
        raise field_error("question", f"longer than {settings.max_question_chars} characters")
    if not query.question.strip():
        raise field_error("question", "is blank")
    if query.k is not None and query.k > settings.max_k:
        raise field_error("k", f"must be at most {settings.max_k}")
    if query.answer_mode == "llm" and not settings.llm_base_url:
        raise field_error("answer_mode", "'llm' needs NEWSRAG_LLM_BASE_URL on the server")
    try:
        if query.time_words:  # "how about last week?" is read with the turns before it
            resolve(read(query).question, query.as_of_date or dt.date.today())
    except TimeExpressionError as exc:
        raise field_error("question", str(exc)) from None


def check_request(query: Query, service: Service) -> None:
    """``check``, then the filters against the loaded index: an outlet it does not hold,
    ``since`` after ``until``, or dates no article of the outlets has are a 422 naming the
    field (rag/filters.py), not an answer saying the articles don't cover the question."""
    check(query, service.settings)
    if service.rag is None:
        return  # still loading: the route answers 503
    try:
        check_filter(service.rag.store, query.sources, query.since, query.until)
    except FilterError as exc:
        raise field_error(exc.field, str(exc)) from None


def read(query: Query) -> Query:
    """The query with its question made standalone from ``query.history`` ("how many votes
    did he get?" after a question about Lula asks about Lula; rag/conversation.py); the
    same query if the question needs nothing from the turns before it."""
    if not query.history:
        return query
    turns = [conversation.Turn(t.question, t.answer) for t in query.history]
    question = conversation.resolve(query.question, turns)
    if question == query.question:
        return query
    return query.model_copy(update={"question": question, "history": []})  # read once


def _typed(query: Query, asked: Query) -> str | None:
    """The question as typed, if ``asked`` (``read(query)``) rewrote it."""
    return query.question if asked is not query else None


def retrieve(rag: NewsRAG, query: Query) -> Retrieval:
    """Passages for the query's question as read with its history."""
    query = read(query)
    return rag.retrieve(
        query.question,
        query.k,
        query.sources,
        query.since,
        query.until,
        query.mode,
        as_of=query.as_of_date,
        recency=query.recency,
        time_words=query.time_words,
    )


def answer(
    service: Service, query: Query, llm_options: Mapping[str, Any] | None = None
) -> AnswerOut:
    """``llm_options``: chat-model parameters of an OpenAI-compatible request (LLM mode)."""
    rag = require_rag(service)
    started = time.perf_counter()
    asked = read(query)
    result = rag.answer(
        asked.question, retrieve(rag, asked), started, query.answer_mode, llm_options
    )
    return observed(service.metrics, result, _typed(query, asked))


def observed(metrics: Metrics, result: Answer, asked: str | None = None) -> AnswerOut:
    """The answer as the API returns it, its stage timings and abstention counted.
    ``asked``: the question as the caller typed it, given when the answer is for a rewrite
    of it (a follow-up read with its history): ``question`` is then what was typed and
    ``resolved_question`` how it was read."""
    metrics.observe_stages(result.timings_ms)
    if result.abstained:
        metrics.abstentions.inc()
    out = AnswerOut(**result.model_dump())
    if asked is not None:
        out.resolved_question, out.question = result.question, asked
    return out


def answer_events(
    service: Service, query: Query, llm_options: Mapping[str, Any] | None = None
) -> Iterator[str | AnswerOut]:
    """The answer's sentences as they become final, then the whole answer (in LLM mode
    a sentence is final once it passed the grounding check)."""
    rag = require_rag(service)
    started = time.perf_counter()
    asked = read(query)
    for event in rag.answer_stream(
        asked.question, retrieve(rag, asked), started, query.answer_mode, llm_options
    ):
        if isinstance(event, Answer):
            yield observed(service.metrics, event, _typed(query, asked))
        else:
            yield event
