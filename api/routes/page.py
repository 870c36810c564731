"""The chat page at ``/`` and ``GET /page-config``, what the page needs to know before the
user types anything: whether the server wants an API key (then it shows the key box) and
whether an LLM endpoint is configured (then it offers the LLM-mode switch).

Both take no key: the page must load, and decide to ask for one, before it has one. The
config says nothing a caller could not learn anyway (a 401, a 422 on ``answer_mode``). Both
are left out of the OpenAPI schema. The page's Content-Security-Policy is computed from the
same file (api/headers.py, installed in api/app.py with ``CHAT_PAGE``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import SettingsDep
from rag.schema import AnswerMode

STATIC = Path(__file__).parent.parent / "static"
CHAT_PAGE = STATIC / "chat.html"

router = APIRouter()


class PageConfig(BaseModel):
    keys_required: bool = Field(description="Requests need 'Authorization: Bearer <key>'.")
    llm_available: bool = Field(description="An LLM endpoint is configured: answer_mode='llm'.")
    answer_mode: AnswerMode = Field(description="The server's default answer mode.")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> HTMLResponse:
    return HTMLResponse(CHAT_PAGE.read_text(encoding="utf-8"))


@router.get("/page-config", response_model=PageConfig, include_in_schema=False)
async def page_config(settings: SettingsDep) -> PageConfig:
    """What the chat page shows: the key box only when keys are required, the LLM switch
    only when an endpoint is configured."""
    return PageConfig(
        keys_required=bool(settings.api_keys),
        llm_available=bool(settings.llm_base_url),
        answer_mode=settings.answer_mode,
    )
