"""A scripted chat model behind OpenAI's real wire protocol, on a loopback port.

The real small model (tests/rag/test_llm_real.py) is too unpredictable to show each failure on
purpose; this server answers ``/v1/chat/completions`` (plain and streamed, as
``chat.completion.chunk`` Server-Sent Events) with text a test chooses, and can also be slow,
fail, or stall, so every branch of the grounding check and the fallback runs over real HTTP
through LangChain's ChatOpenAI.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.api.server import serving


@dataclass
class Script:
    """What the next requests get. ``reply`` sees the request's messages."""

    reply: Callable[[list[dict[str, Any]]], str] = lambda messages: ""
    status: int = 200
    delay_s: float = 0.0  # before the first byte
    drip_s: float = 0.0  # between streamed pieces
    requests: list[dict[str, Any]] = field(default_factory=list)


def _pieces(text: str) -> Iterator[str]:
    """Stream in small uneven pieces, the way tokens arrive, so markers get split."""
    position, size = 0, 3
    while position < len(text):
        yield text[position : position + size]
        position += size
        size = 7 if size == 3 else 3


def _app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(request: Request) -> Any:
        body = await request.json()
        script.requests.append(body)
        await asyncio.sleep(script.delay_s)
        if script.status != 200:
            return JSONResponse({"error": {"message": "scripted failure"}}, script.status)
        text = script.reply(body["messages"])
        head = {"id": "chatcmpl-test", "created": int(time.time()), "model": body["model"]}
        if not body.get("stream"):
            return {
                **head,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
            }

        async def events() -> AsyncIterator[str]:
            def event(delta: dict[str, Any], finish: str | None = None) -> str:
                choice = {"index": 0, "delta": delta, "finish_reason": finish}
                chunk = {**head, "object": "chat.completion.chunk", "choices": [choice]}
                return f"data: {json.dumps(chunk)}\n\n"

            yield event({"role": "assistant", "content": ""})
            for piece in _pieces(text):
                await asyncio.sleep(script.drip_s)
                yield event({"content": piece})
            yield event({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


@contextmanager
def chat_server(script: Script) -> Iterator[str]:
    """Yields the base URL (…/v1) of a running scripted server."""
    with serving(_app(script)) as url:
        yield url + "/v1"


def passages_of(messages: list[dict[str, Any]]) -> dict[int, str]:
    """The passage texts the model was shown, by number, parsed from the user prompt."""
    import re

    prompt = next(m["content"] for m in messages if m["role"] in ("user", "human"))
    return {
        int(n): text
        for n, text in re.findall(r'<passage id="(\d+)"[^>]*>\n(.*?)\n</passage>', prompt, re.S)
    }
