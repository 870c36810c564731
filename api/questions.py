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
        if query.time_words:
            resolve(query.question, query.as_of_date or dt.date.today())
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


def retrieve(rag: NewsRAG, query: Query) -> Retrieval:
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
    result = rag.answer(
        query.question, retrieve(rag, query), started, query.answer_mode, llm_options
    )
    return observed(service.metrics, result)


def observed(metrics: Metrics, result: Answer) -> AnswerOut:
    """The answer as the API returns it, its stage timings and abstention counted."""
    metrics.observe_stages(result.timings_ms)
    if result.abstained:
        metrics.abstentions.inc()
    return AnswerOut(**result.model_dump())


def answer_events(
    service: Service, query: Query, llm_options: Mapping[str, Any] | None = None
) -> Iterator[str | AnswerOut]:
    """The answer's sentences as they become final, then the whole answer (in LLM mode
    a sentence is final once it passed the grounding check)."""
    rag = require_rag(service)
    started = time.perf_counter()
    for event in rag.answer_stream(
        query.question, retrieve(rag, query), started, query.answer_mode, llm_options
    ):
        yield observed(service.metrics, event) if isinstance(event, Answer) else event
