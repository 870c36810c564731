"""The HTTP service: questions (REST, SSE, OpenAI-compatible), search, articles, operations.

The model and index load once, in the lifespan; every handler that touches them runs in a
worker thread so the event loop keeps serving health checks and streams. Ingests write
through the store's atomic commits, so a question asked meanwhile sees the old index or the
new one, never a mix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import iterate_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import openai_compat
from api.headers import SecurityHeaders
from api.jobs import Job, Jobs
from api.limits import BodyLimit
from api.models import (
    AnswerOut,
    ArticleBatch,
    ArticleOut,
    ChatRequest,
    ErrorBody,
    Failure,
    IngestResponse,
    JobOut,
    PassageOut,
    Query,
    SearchResponse,
)
from api.observability import Metrics, request_id, request_logger
from api.security import Guard
from index.dates import DateError, parse_date
from index.documents import Article
from index.embedding import Embedder
from index.identity import api_origin
from index.ingest import Ingestor, IngestReport, delete_article, open_store
from index.loaders import Limits, LoadFailure, load_paths
from index.settings import Settings, get_settings
from index.store import Stats
from rag.pipeline import NewsRAG
from rag.retrieval import Retrieval
from rag.schema import Answer
from rag.time_window import TimeExpressionError, resolve

log = logging.getLogger("newsrag.api")
STATIC = Path(__file__).parent / "static"
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 404, 413, 422, 429, 503)
}


@dataclass
class Service:
    """What the lifespan loads; ``rag`` is None until the model and index are ready."""

    settings: Settings
    guard: Guard
    metrics: Metrics = field(default_factory=Metrics)
    rag: NewsRAG | None = None
    ingestor: Ingestor | None = None
    jobs: Jobs = field(default_factory=Jobs)

    def ready(self) -> NewsRAG:
        if self.rag is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the index is still loading")
        return self.rag

    def load(self, embedder: Embedder | None = None) -> None:
        settings = self.settings
        if settings.torch_threads:
            import torch

            torch.set_num_threads(settings.torch_threads)
        # Small batches: a question waits for at most one batch of an ingest running beside it.
        embedder = embedder or Embedder.from_settings(settings, min(settings.batch_size, 8))
        store = open_store(settings, embedder)  # an empty index is created if there is none
        self.rag = NewsRAG(settings, embedder, store)
        self.ingestor = Ingestor(settings, embedder, store)
        self.update_gauges()

    def update_gauges(self) -> None:
        if self.rag:
            stats = self.rag.store.stats()
            self.metrics.articles.set(stats.articles)
            self.metrics.chunks.set(stats.chunks)


def authorize(request: Request) -> str:
    """Every route but the probes and the page: API key (when configured), then rate limit."""
    guard: Guard = request.app.state.service.guard
    who = guard.identify(request)
    guard.throttle(who)
    return who


Caller = Annotated[str, Depends(authorize)]


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
    app.add_middleware(SecurityHeaders, page=STATIC / "chat.html")  # CSP, nosniff: api/headers.py
    _install_error_handlers(app)

    def check(query: Query) -> None:
        if len(query.question) > settings.max_question_chars:
            raise _field_error("question", f"longer than {settings.max_question_chars} characters")
        if not query.question.strip():
            raise _field_error("question", "is blank")
        if query.k is not None and query.k > settings.max_k:
            raise _field_error("k", f"must be at most {settings.max_k}")
        if query.answer_mode == "llm" and not settings.llm_base_url:
            raise _field_error("answer_mode", "'llm' needs NEWSRAG_LLM_BASE_URL on the server")
        try:
            if query.time_words:
                resolve(query.question, query.as_of_date or dt.date.today())
        except TimeExpressionError as exc:
            raise _field_error("question", str(exc)) from None

    def retrieve(query: Query) -> Retrieval:
        rag = service.ready()
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

    def answer(query: Query) -> AnswerOut:
        rag = service.ready()
        started = time.perf_counter()
        return observed(rag.answer(query.question, retrieve(query), started, query.answer_mode))

    def observed(result: Answer) -> AnswerOut:
        service.metrics.observe_stages(result.timings_ms)
        if result.abstained:
            service.metrics.abstentions.inc()
        return AnswerOut(**result.model_dump())

    def answer_events(query: Query) -> Iterator[str | AnswerOut]:
        """The answer's sentences as they become final, then the whole answer (in LLM mode
        a sentence is final once it passed the grounding check)."""
        rag = service.ready()
        started = time.perf_counter()
        for event in rag.answer_stream(query.question, retrieve(query), started, query.answer_mode):
            yield observed(event) if isinstance(event, Answer) else event

    # ---- operations ---------------------------------------------------------------------

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up (it may still be loading)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Ready once the model and the index are loaded."""
        if service.rag is None:
            return JSONResponse({"status": "loading"}, status.HTTP_503_SERVICE_UNAVAILABLE)
        return JSONResponse({"status": "ready", "generation": service.rag.store.generation})

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def metrics(_: Caller) -> Response:
        """Prometheus metrics: requests, latency per endpoint and per stage, index size."""
        await run_in_threadpool(service.update_gauges)
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page() -> HTMLResponse:
        return HTMLResponse((STATIC / "chat.html").read_text(encoding="utf-8"))

    # ---- questions ------------------------------------------------------------------------

    @app.post("/ask", tags=["questions"], response_model=AnswerOut)
    async def ask(query: Query, request: Request, _: Caller) -> Any:
        """Answer a question; with ``Accept: text/event-stream`` the answer streams as SSE."""
        check(query)
        if "text/event-stream" in request.headers.get("accept", ""):
            service.ready()  # a 503 now, not a broken stream after the 200 headers
            return _sse(stream_answer(query))
        return await run_in_threadpool(answer, query)

    @app.post(
        "/ask/stream",
        tags=["questions"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask_stream(query: Query, _: Caller) -> StreamingResponse:
        """Server-Sent Events: ``retrieval``, one ``sentence`` per answer sentence,
        ``citations``, then ``done`` with the whole answer."""
        check(query)
        service.ready()  # a 503 now, not a broken stream after the 200 headers
        return _sse(stream_answer(query))

    async def stream_answer(query: Query) -> AsyncIterator[tuple[str, Any]]:
        rag = service.ready()
        started = time.perf_counter()
        retrieval = await run_in_threadpool(retrieve, query)
        yield (
            "retrieval",
            {
                "passages": len(retrieval.passages),
                "timings_ms": retrieval.timings_ms,
            },
        )
        events = rag.answer_stream(query.question, retrieval, started, query.answer_mode)
        async for event in iterate_in_threadpool(events):
            if isinstance(event, str):
                yield "sentence", {"text": event}
                continue
            result = observed(event)
            yield "citations", [c.model_dump() for c in result.citations]
            yield "done", result.model_dump()

    @app.post("/search", tags=["questions"], response_model=SearchResponse)
    async def search(query: Query, _: Caller) -> SearchResponse:
        """Retrieval only: passages with their offsets and scores."""
        check(query)
        found = await run_in_threadpool(retrieve, query)
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
        return SearchResponse(
            question=query.question, passages=passages, timings_ms=found.timings_ms
        )

    # ---- OpenAI-compatible ----------------------------------------------------------------

    @app.get("/v1/models", tags=["openai"])
    async def models(_: Caller) -> dict[str, Any]:
        return openai_compat.model_list(llm=bool(settings.llm_base_url))

    @app.post("/v1/chat/completions", tags=["openai"], response_model=None)
    async def chat_completions(body: ChatRequest, _: Caller) -> Any:
        """newsrag as a chat model: the last user message is the question, earlier user
        turns resolve follow-ups; citations come in the text and in ``citations``."""
        question = openai_compat.question_of(body)
        mode = body.answer_mode or openai_compat.answer_mode_of(body.model)
        query = Query(question=question, k=body.k, answer_mode=mode, as_of=body.as_of)
        check(query)
        service.ready()  # a 503 now, not a broken stream later
        if body.stream:
            return StreamingResponse(
                openai_compat.stream(answer_events(query), body.model),
                media_type="text/event-stream",
            )
        return openai_compat.completion(await run_in_threadpool(answer, query), body.model)

    # ---- articles -------------------------------------------------------------------------

    @app.post(
        "/articles",
        tags=["articles"],
        response_model=IngestResponse,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ArticleBatch"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "file": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                }
                            },
                            "required": ["file"],
                        }
                    },
                },
            }
        },
    )
    async def add_articles(request: Request, who: Caller, wait: bool = True) -> Any:
        """A JSON batch ``{"articles": [...]}`` or a multipart upload (field ``file``) in any
        format the loaders read. Unchanged articles are skipped.

        The ingest runs as a background job. ``wait=true`` (the default) answers with the
        report when it is done, and cancels it if the client disconnects first;
        ``wait=false`` answers ``202`` at once with the job (``GET /jobs/{job_id}`` for
        progress and result, ``DELETE /jobs/{job_id}`` to cancel)."""
        service.ready()
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            job = await _upload_job(request, who)
        else:
            try:
                batch = ArticleBatch.model_validate_json(await request.body())
            except ValueError as exc:
                raise RequestValidationError(_errors(exc)) from None
            articles = [
                Article(
                    title=a.title,
                    text=a.text,
                    url=a.url,
                    source=a.source,
                    author=a.author,
                    published=None,
                    origin=api_origin(a.id),
                )
                for a in batch.articles
            ]
            dates = [a.published for a in batch.articles]
            job = service.jobs.submit(who, lambda job: _ingest_articles(job, articles, dates))
        if not wait:
            return JSONResponse(
                _job_out(job).model_dump(),
                status.HTTP_202_ACCEPTED,
                headers={"Location": f"/jobs/{job.job_id}"},
            )
        await service.jobs.wait(job, request)
        if job.report is None:
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, job.error or "failed")
        return _report(job.report, job.job_id)

    def _ingest_articles(
        job: Job, articles: list[Article], dates: list[str | None]
    ) -> IngestReport:
        from index.cleaning import clean_text, clean_title

        warnings = []
        for number, (article, published) in enumerate(zip(articles, dates, strict=True)):
            article.title, article.text = clean_title(article.title), clean_text(article.text)
            try:
                article.published = parse_date(published)
            except DateError as exc:
                reason = f"publication date not read, ingested undated: {exc}"
                warnings.append(LoadFailure(f"articles[{number}]", reason))
        kept = [a for a in articles if a.text]
        assert service.ingestor is not None
        report = service.ingestor.run(kept, job.progress, job.cancel) if kept else IngestReport()
        report.failed = [
            LoadFailure(f"articles[{i}]", "no text after cleaning")
            for i, a in enumerate(articles)
            if not a.text
        ] + report.failed
        report.warnings = warnings
        service.update_gauges()
        return report

    async def _upload_job(request: Request, who: str) -> Job:
        """Uploaded files go to a temporary directory that the job removes when it ends."""
        form = await request.form()
        uploads = [v for v in form.getlist("file") if isinstance(v, UploadFile)]
        if not uploads:
            raise _field_error("file", "no file uploaded (multipart field 'file')")
        tmp = tempfile.mkdtemp(prefix="newsrag-upload-")
        try:
            paths = []
            for number, upload in enumerate(uploads):
                name = Path(upload.filename or f"upload-{number}.txt").name
                if len(name.encode()) > 200:  # stored under a temp name: file systems stop at 255
                    raise _field_error("file", f"file name longer than 200 bytes: {name[:40]!r}…")
                path = Path(tmp) / f"{number}-{name}"
                path.write_bytes(await upload.read())
                paths.append(path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

        def shown(path: str) -> str:  # the upload's own name, not the temp path
            return Path(path).name.split("-", 1)[1]

        def run(job: Job) -> IngestReport:
            loaded = load_paths(paths, limits=Limits.of(settings))
            for article in loaded.articles:  # identity by upload name, not temp path
                stored_as, _, record = article.origin.partition("#")
                name = "upload:" + Path(stored_as).name.split("-", 1)[1]
                article.origin = f"{name}#{record}" if record else name
            assert service.ingestor is not None
            report = (
                service.ingestor.run(loaded.articles, job.progress, job.cancel)
                if loaded.articles
                else IngestReport()
            )
            report.failed = [
                LoadFailure(shown(f.path) if f.path.startswith(tmp) else f.path, f.reason)
                for f in loaded.failures + report.failed
            ]
            report.warnings = [LoadFailure(shown(w.path), w.reason) for w in loaded.warnings]
            service.update_gauges()
            return report

        return service.jobs.submit(who, run, lambda: shutil.rmtree(tmp, ignore_errors=True))

    @app.get("/jobs/{job_id}", tags=["articles"], response_model=JobOut)
    async def get_job(job_id: str, who: Caller) -> JobOut:
        """An ingest job: status, progress and, once finished, its report."""
        job = service.jobs.get(job_id, who)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        return _job_out(job)

    @app.delete("/jobs/{job_id}", tags=["articles"], response_model=JobOut)
    async def cancel_job(job_id: str, who: Caller) -> JobOut:
        """Cancel an ingest job: it stops before its next batch is committed (batches
        committed before stay). Cancelling a finished job changes nothing."""
        job = service.jobs.get(job_id, who)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
        service.jobs.cancel(job)
        return _job_out(job)

    @app.get("/articles/{article_id}", tags=["articles"], response_model=ArticleOut)
    async def get_article(article_id: str, _: Caller) -> ArticleOut:
        store = service.ready().store
        article = await run_in_threadpool(store.article, article_id)
        if article is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article {article_id!r}")
        chunks = await run_in_threadpool(store.article_chunks, article_id)
        return ArticleOut(
            article_id=article.article_id,
            title=article.title,
            text=article.text,
            url=article.url,
            source=article.source,
            author=article.author,
            published=article.published,
            chunks=[[s, e] for _, s, e in chunks],
        )

    @app.delete("/articles/{article_id}", tags=["articles"])
    async def remove_article(article_id: str, _: Caller) -> dict[str, str]:
        store = service.ready().store
        if not await run_in_threadpool(delete_article, store, article_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article {article_id!r}")
        await run_in_threadpool(service.update_gauges)  # SQLite counts: off the event loop
        return {"deleted": article_id}

    @app.get("/stats", tags=["articles"], response_model=Stats)
    async def stats(_: Caller) -> Stats:
        return await run_in_threadpool(service.ready().store.stats)

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


def _report(report: IngestReport, job_id: str | None = None) -> IngestResponse:
    return IngestResponse(
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        failed=[Failure(path=f.path, reason=f.reason) for f in report.failed],
        chunks=report.chunks,
        seconds=round(report.seconds, 3),
        article_ids=report.article_ids,
        warnings=[Failure(path=f.path, reason=f.reason) for f in report.warnings],
        cancelled=report.cancelled,
        job_id=job_id,
    )


def _job_out(job: Job) -> JobOut:
    return JobOut(
        job_id=job.job_id,
        status=job.state,
        done=job.done,
        total=job.total,
        created=job.created,
        started=job.started,
        finished=job.finished,
        result=_report(job.report, job.job_id) if job.report else None,
        error=job.error,
    )


def _sse(events: AsyncIterator[tuple[str, Any]]) -> StreamingResponse:
    async def encode() -> AsyncIterator[str]:
        async for name, data in events:
            yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        encode(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _field_error(field_name: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("body", field_name), "msg": message, "type": "value_error"}]
    )


def _errors(exc: Exception) -> list[dict[str, Any]]:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return list(errors())
    return [{"loc": ("body",), "msg": str(exc), "type": "value_error"}]


def _install_error_handlers(app: FastAPI) -> None:
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
