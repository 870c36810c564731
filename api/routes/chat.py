"""The OpenAI-compatible endpoint: ``GET /v1/models`` and ``POST /v1/chat/completions``.

The route turns a chat request into a ``Query`` and answers it the way /ask does
(api/questions.py); the wire format, streamed or not, is api/openai_compat.py's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api import openai_compat, questions
from api.deps import Caller, ServiceDep, SettingsDep, require_rag
from api.models import ChatRequest, Query

router = APIRouter(tags=["openai"])


@router.get("/v1/models")
async def models(_: Caller, settings: SettingsDep) -> dict[str, Any]:
    return openai_compat.model_list(llm=bool(settings.llm_base_url))


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(body: ChatRequest, _: Caller, service: ServiceDep) -> Any:
    """newsrag as a chat model: the last user message is the question, earlier user
    turns resolve follow-ups; citations come in the text and in ``citations``. A 400 for
    what newsrag cannot honour (another model name, ``n`` > 1, tools); ``max_tokens``,
    ``temperature`` and ``stop`` reach the chat model in LLM mode."""
    options = openai_compat.llm_options(body, llm=bool(service.settings.llm_base_url))
    question = openai_compat.question_of(body)
    mode = body.answer_mode or openai_compat.answer_mode_of(body.model)
    history = openai_compat.history_of(body)  # with the replies: they name people too
    query = Query(question=question, k=body.k, answer_mode=mode, as_of=body.as_of, history=history)
    questions.check(query, service.settings)
    require_rag(service)  # a 503 now, not a broken stream later
    if body.stream:
        return StreamingResponse(
            openai_compat.stream(questions.answer_events(service, query, options), body.model),
            media_type="text/event-stream",
        )
    return openai_compat.completion(
        await run_in_threadpool(questions.answer, service, query, options), body.model
    )
