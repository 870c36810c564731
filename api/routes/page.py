"""The chat page at ``/``: one static file, no key (it asks the user for one), left out of
the OpenAPI schema. Its Content-Security-Policy is computed from the same file
(api/headers.py, installed in api/app.py with ``CHAT_PAGE``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

STATIC = Path(__file__).parent.parent / "static"
CHAT_PAGE = STATIC / "chat.html"

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> HTMLResponse:
    return HTMLResponse(CHAT_PAGE.read_text(encoding="utf-8"))
