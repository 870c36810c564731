"""OpenAI's chat-completions wire format, so OpenAI clients and chat front ends can use
newsrag as a model. Citations travel twice: as a numbered source list in the text, for people,
and as ``citations`` beside ``choices``, for programs. The source list and the dates read as in
Slack: both come from api/rendering.py. Only the wire format is here; the route that serves
it is api/routes/chat.py.

Parameters newsrag cannot honour are refused with a 400 saying why rather than silently
ignored (a client asking for ``n=3`` choices or for tool calls would otherwise misread the
one plain answer it gets); those a chat model can honour (``max_tokens``,
``max_completion_tokens``, ``temperature``, ``stop``) are passed to it in LLM mode and have
no effect on an extractive answer, which generates nothing."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import HTTPException, status

from api.errors import field_error
from api.models import MAX_TURNS, AnswerOut, ChatRequest, Turn
from api.rendering import sources_text, time_text
from rag.schema import AnswerMode

MODEL_ID = "newsrag"
LLM_MODEL_ID = "newsrag-llm"  # the same service answering in LLM mode


def model_list(llm: bool) -> dict[str, Any]:
    ids = [MODEL_ID, LLM_MODEL_ID] if llm else [MODEL_ID]
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 0, "owned_by": "newsrag"} for i in ids],
    }


# What a request may ask of newsrag's chat model; the value checks mirror OpenAI's.
PASSED_ON = ("max_tokens", "max_completion_tokens", "temperature", "stop")
REFUSED = {
    "tools": "newsrag calls no tools: it answers from the indexed articles only",
    "functions": "newsrag calls no functions: it answers from the indexed articles only",
    "tool_choice": "newsrag calls no tools: it answers from the indexed articles only",
    "function_call": "newsrag calls no functions: it answers from the indexed articles only",
    "audio": "newsrag answers in text only",
}


def _bad(message: str) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, message)


def llm_options(body: ChatRequest, llm: bool) -> dict[str, Any]:
    """The request's chat-model parameters, checked: a 400 for a model this server does
    not serve, ``n`` > 1, tools, or a parameter value OpenAI would refuse too. ``llm``:
    whether an LLM endpoint is configured (``newsrag-llm`` is served only then)."""
    served = [MODEL_ID, LLM_MODEL_ID] if llm else [MODEL_ID]
    if body.model not in served:
        raise _bad(
            f"model {body.model!r} is not served here; use {' or '.join(served)} (GET /v1/models)"
        )
    extra = body.model_extra or {}
    for name, reason in REFUSED.items():
        if extra.get(name) not in (None, [], "none"):
            raise _bad(f"{name!r} is not supported: {reason}")
    n = extra.get("n")
    if n is not None and n != 1:
        raise _bad(f"n={n!r} is not supported: newsrag gives one answer per request (n=1)")
    options: dict[str, Any] = {}
    for name in ("max_tokens", "max_completion_tokens"):
        value = extra.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _bad(f"{name} must be a whole number of at least 1, not {value!r}")
        options["max_tokens"] = value
    temperature = extra.get("temperature")
    if temperature is not None:
        if isinstance(temperature, bool) or not isinstance(temperature, int | float):
            raise _bad(f"temperature must be a number from 0 to 2, not {temperature!r}")
        if not 0 <= temperature <= 2:
            raise _bad(f"temperature must be from 0 to 2, not {temperature!r}")
        options["temperature"] = float(temperature)
    stop = extra.get("stop")
    if stop is not None:
        stops = [stop] if isinstance(stop, str) else stop
        if not (
            isinstance(stops, list)
            and 1 <= len(stops) <= 4
            and all(isinstance(x, str) and x for x in stops)
        ):
            raise _bad("stop must be a string or a list of 1 to 4 non-empty strings")
        options["stop"] = stops
    return options


def answer_mode_of(model: str) -> AnswerMode | None:
    """Chat front ends pick a model from /v1/models; that choice picks the answer mode."""
    return "llm" if model == LLM_MODEL_ID else None


def question_of(body: ChatRequest) -> str:
    """The last user message: the question (read with ``history_of`` as a follow-up)."""
    users = [m.text for m in body.messages if m.role == "user" and m.text.strip()]
    if not users:
        raise field_error("messages", "holds no user message with text")
    return users[-1]


_OUR_EXTRAS = re.compile(r"\n\n(?:Time|Sources):")  # what completion() adds to the answer


def history_of(body: ChatRequest) -> list[Turn]:
    """The turns before the last user message: each user question with the assistant's
    reply to it, so a follow-up ("how many votes did he get?") can lean on a person the
    reply named (rag/conversation.py). The reply's source list is cut: its titles are not
    what was said. The last ``MAX_TURNS`` turns, each cut to the lengths a Turn holds."""
    messages = [m for m in body.messages if m.role in ("user", "assistant") and m.text.strip()]
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=0)
    turns: list[Turn] = []
    for message in messages[:last]:
        if message.role == "user":
            turns.append(Turn(question=message.text[:4000]))
        elif turns and turns[-1].answer is None:
            turns[-1].answer = _OUR_EXTRAS.split(message.text, maxsplit=1)[0][:20000]
    return turns[-MAX_TURNS:]


def _extra(answer: AnswerOut) -> dict[str, Any]:
    return {
        "citations": [c.model_dump() for c in answer.citations],
        "newsrag": {
            "abstained": answer.abstained,
            "question": answer.question,
            "resolved_question": answer.resolved_question,
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
