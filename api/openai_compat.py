"""OpenAI's chat-completions wire format, so OpenAI clients and chat front ends can use
newsrag as a model. Citations travel twice: as a numbered source list in the text, for people,
and as ``citations`` beside ``choices``, for programs. The source list and the dates read as in
Slack: both come from api/rendering.py. Only the wire format is here; the route that serves
it is api/routes/chat.py."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from api.errors import field_error
from api.models import AnswerOut, ChatRequest
from api.rendering import sources_text, time_text
from rag.conversation import resolve
from rag.schema import AnswerMode

MODEL_ID = "newsrag"
LLM_MODEL_ID = "newsrag-llm"  # the same service answering in LLM mode


def model_list(llm: bool) -> dict[str, Any]:
    ids = [MODEL_ID, LLM_MODEL_ID] if llm else [MODEL_ID]
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 0, "owned_by": "newsrag"} for i in ids],
    }


def answer_mode_of(model: str) -> AnswerMode | None:
    """Chat front ends pick a model from /v1/models; that choice picks the answer mode."""
    return "llm" if model == LLM_MODEL_ID else None


def question_of(body: ChatRequest) -> str:
    """The last user message, made self-contained with the user turns before it."""
    users = [m.text for m in body.messages if m.role == "user" and m.text.strip()]
    if not users:
        raise field_error("messages", "holds no user message with text")
    return resolve(users[-1], users[:-1])


def _extra(answer: AnswerOut) -> dict[str, Any]:
    return {
        "citations": [c.model_dump() for c in answer.citations],
        "newsrag": {
            "abstained": answer.abstained,
            "question": answer.question,
            "timings_ms": answer.timings_ms,
            "mode": answer.mode,
            "verification": (answer.verification.model_dump() if answer.verification else None),
            "as_of": answer.as_of,
            "time_window": answer.time_window.model_dump() if answer.time_window else None,
            "outside_window": answer.outside_window,
        },
    }


def completion(answer: AnswerOut, model: str) -> dict[str, Any]:
    content = answer.answer + time_text(answer) + sources_text(answer)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model or MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": len(answer.question.split()),
            "completion_tokens": len(content.split()),
            "total_tokens": len(answer.question.split()) + len(content.split()),
        },
        **_extra(answer),
    }


def stream(events: Iterator[str | AnswerOut], model: str) -> Iterator[str]:
    """``chat.completion.chunk`` events: the role, one delta per sentence as soon as it is
    final, the source list, then a final chunk with ``finish_reason`` and the structured
    citations, then [DONE]."""
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model or MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    answer: AnswerOut | None = None
    sent = 0
    for event in events:
        if isinstance(event, str):
            yield chunk({"content": (" " if sent else "") + event})
            sent += 1
        else:
            answer = event
    assert answer is not None, "the answer stream ends with the answer"
    sources = time_text(answer) + sources_text(answer)
    if sources:
        yield chunk({"content": sources})
    yield chunk({}, "stop", **_extra(answer))
    yield "data: [DONE]\n\n"
