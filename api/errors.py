"""The API's one error shape, ``{"error", "detail", "request_id"}``, for every failure.

Clients (the chat page, the OpenAI endpoint's callers, the evaluation client) read one JSON
body whatever went wrong; a 422 names each field so the caller can fix its request; an
unexpected exception is logged with its traceback and answered 500 without leaking it. The
request id ties the body to the log line (api/observability.py).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.models import ErrorBody
from api.observability import request_id

log = logging.getLogger("newsrag.api")

# Documented on every route: each of these can come back in the ErrorBody shape.
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 404, 413, 422, 429, 503)
}


def field_error(field_name: str, message: str) -> RequestValidationError:
    """A 422 naming ``field_name`` for a check FastAPI's validation cannot make (limits from
    the settings, a blank question, an unreadable time expression)."""
    return RequestValidationError(
        [{"loc": ("body", field_name), "msg": message, "type": "value_error"}]
    )


def validation_errors(exc: Exception) -> list[dict[str, Any]]:
    """Pydantic's per-field errors when ``exc`` has them, else one error for the body."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return list(errors())
    return [{"loc": ("body",), "msg": str(exc), "type": "value_error"}]


def install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON: {"error", "detail", "request_id"}; a 422 names each field."""

    def body(error: str, detail: Any = None) -> dict[str, Any]:
        return ErrorBody(error=error, detail=detail, request_id=request_id.get()).model_dump()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
                "message": e.get("msg", "invalid"),
            }
            for e in exc.errors()
        ]
        names = ", ".join(f["field"] for f in fields)
        return JSONResponse(body(f"invalid request: {names}", fields), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(body(str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(body("internal error"), 500)
