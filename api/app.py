"""The HTTP service: questions (REST, SSE, OpenAI-compatible), search, articles, operations.

``create_app`` only assembles: the state on ``app.state.service`` (api/service.py), the
middleware (request log and metrics, CORS, body limit, security headers), the routers
(api/routes/), the error handlers (api/errors.py) and, when configured, the Slack bot. The
routes reach the state through api/deps.py, so nothing here is a closure a route depends on.

The model and index load once, in the lifespan, in a worker thread, so /healthz answers
meanwhile and every other route that needs them answers 503 until they are ready.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from api.errors import ERRORS, install_error_handlers
from api.headers import SecurityHeaders
from api.jobs import Jobs
from api.limits import BodyLimit
from api.models import ArticleBatch
from api.observability import request_logger
from api.routes import admin, articles, ask, chat, docs, feeds, page
from api.routes.page import CHAT_PAGE, STATIC
from api.security import Guard
from api.service import Service
from api.settings import Settings, get_settings
from index.embedding import Embedder

__all__ = ["STATIC", "create_app"]

log = logging.getLogger("newsrag.api")


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    settings = settings or get_settings()
    service = Service(settings, Guard(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.jobs = Jobs(keep=settings.ingest_jobs_kept)
        await run_in_threadpool(service.load, embedder)
        log.info("ready", extra={"fields": {"index": str(settings.index_dir)}})
        yield
        await run_in_threadpool(service.jobs.shutdown)  # cancels running ingests at a batch

    app = FastAPI(
        title="newsrag",
        summary="Answers from news articles, every sentence cited with an exact quote.",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERRORS,
        docs_url=None,  # /docs and /redoc from local assets: api/routes/docs.py
        redoc_url=None,
    )
    app.state.service = service
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.middleware("http")(request_logger(service.metrics))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, page=CHAT_PAGE)  # CSP, nosniff: api/headers.py
    install_error_handlers(app)
    for routes in (admin, page, docs, ask, chat, articles, feeds):
        app.include_router(routes.router)

    # Integrations mount here (the Slack bot: api/slack.py), each only when configured.
    if settings.slack_bot_token and settings.slack_signing_secret:
        from api.slack import mount_slack

        mount_slack(app, service)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema plus the JSON batch that /articles reads from its raw body."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        batch = ArticleBatch.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(batch.pop("$defs", {}))
        components["ArticleBatch"] = batch
        app.openapi_schema = schema
    return app.openapi_schema
