"""Questions: ``POST /ask`` (JSON, or SSE with ``Accept: text/event-stream``),
``POST /ask/stream`` (SSE) and ``POST /search`` (retrieval only).

A streaming route checks the request and readiness before it returns the response: once the
200 and its headers are sent, a 422 or a 503 can no longer be said, only a broken stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from api import questions
from api.deps import Caller, ServiceDep, require_rag
from api.models import AnswerOut, PassageOut, Query, SearchResponse
from api.service import Service

router = APIRouter(tags=["questions"])


@router.post("/ask", response_model=AnswerOut)
async def ask(query: Query, request: Request, _: Caller, service: ServiceDep) -> Any:
    """Answer a question; with ``Accept: text/event-stream`` the answer streams as SSE."""
    questions.check_request(query, service)
    if "text/event-stream" in request.headers.get("accept", ""):
        require_rag(service)  # a 503 now, not a broken stream after the 200 headers
        return _sse(_stream_answer(service, query))
    return await run_in_threadpool(questions.answer, service, query)


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def ask_stream(query: Query, _: Caller, service: ServiceDep) -> StreamingResponse:
    """Server-Sent Events: ``retrieval`` (with ``resolved_question`` when a follow-up was
    read with ``history``), one ``sentence`` per answer sentence, ``citations``, then
    ``done`` with the whole answer."""
    questions.check_request(query, service)
    require_rag(service)  # a 503 now, not a broken stream after the 200 headers
    return _sse(_stream_answer(service, query))


@router.post("/search", response_model=SearchResponse)
async def search(query: Query, _: Caller, service: ServiceDep) -> SearchResponse:
    """Retrieval only: passages with their offsets and scores."""
    questions.check_request(query, service)
    found = await run_in_threadpool(questions.retrieve, require_rag(service), query)
    passages = [
        PassageOut(
            article_id=p.chunk.article.article_id,
            title=p.chunk.article.title,
            url=p.chunk.article.url,
            source=p.chunk.article.source,
            published=p.chunk.article.published,
            start=p.chunk.start,
            end=p.chunk.end,
            text=p.chunk.text,
            score=p.score,
            dense=p.dense,
            bm25=p.bm25,
        )
        for p in found.passages
    ]
    return SearchResponse(question=query.question, passages=passages, timings_ms=found.timings_ms)


async def _stream_answer(service: Service, query: Query) -> AsyncIterator[tuple[str, Any]]:
    rag = require_rag(service)
    started = time.perf_counter()
    asked = questions.read(query)  # the follow-up as read: the client learns it first
    retrieval = await run_in_threadpool(questions.retrieve, rag, asked)
    yield (
        "retrieval",
        {
            "passages": len(retrieval.passages),
            "timings_ms": retrieval.timings_ms,
            "resolved_question": asked.question if asked is not query else None,
        },
    )
    events = rag.answer_stream(asked.question, retrieval, started, query.answer_mode)
    async for event in iterate_in_threadpool(events):
        if isinstance(event, str):
            yield "sentence", {"text": event}
            continue
        typed = query.question if asked is not query else None
        result = questions.observed(service.metrics, event, typed)
        yield "citations", [c.model_dump() for c in result.citations]
        yield "done", result.model_dump()


def _sse(events: AsyncIterator[tuple[str, Any]]) -> StreamingResponse:
    async def encode() -> AsyncIterator[str]:
        async for name, data in events:
            yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        encode(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
