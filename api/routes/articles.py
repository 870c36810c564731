"""Articles: ingest (``POST /articles``, a background job), the jobs (``GET``/``DELETE
/jobs/{job_id}``), the listing (``GET /articles``: filters and a stable cursor), one article
(``GET``/``DELETE /articles/{article_id}``) and ``GET /stats`` (per outlet and per month).

Ingests write through the store's atomic commits, so a question asked meanwhile sees the old
index or the new one, never a mix. The job machinery is api/jobs.py; this module turns a
request into a job's work and a job into its JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi import Query as Param
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from api.deps import Caller, JobsDep, ReadyRag, ServiceDep, require_rag
from api.errors import field_error, validation_errors
from api.jobs import Job
from api.models import (
    MAX_SOURCES,
    ArticleBatch,
    ArticleList,
    ArticleOut,
    ArticleSummary,
    Failure,
    IngestResponse,
    IsoDate,
    JobOut,
    Outlet,
)
from api.service import Service
from index.dates import DateError, parse_date
from index.documents import Article
from index.identity import api_origin
from index.ingest import IngestReport, delete_article
from index.loaders import Limits, LoadFailure, load_paths
from index.protocols import list_key
from index.records import SearchFilter
from index.store import Stats
from rag.filters import FilterError, check_filter

router = APIRouter(tags=["articles"])


@router.post(
    "/articles",
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
async def add_articles(
    request: Request, who: Caller, service: ServiceDep, wait: bool = True
) -> Any:
    """A JSON batch ``{"articles": [...]}`` or a multipart upload (field ``file``) in any
    format the loaders read. Unchanged articles are skipped.

    The ingest runs as a background job. ``wait=true`` (the default) answers with the
    report when it is done, and cancels it if the client disconnects first;
    ``wait=false`` answers ``202`` at once with the job (``GET /jobs/{job_id}`` for
    progress and result, ``DELETE /jobs/{job_id}`` to cancel)."""
    require_rag(service)  # in the body: a bad ``wait`` is a 422 even while loading
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        job = await _upload_job(request, who, service)
    else:
        try:
            batch = ArticleBatch.model_validate_json(await request.body())
        except ValueError as exc:
            raise RequestValidationError(validation_errors(exc)) from None
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
        job = service.jobs.submit(who, lambda job: _ingest_articles(service, job, articles, dates))
    if not wait:
        return accepted(job)
    await service.jobs.wait(job, request)
    if job.report is None:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, job.error or "failed")
    return _report(job.report, job.job_id)


@router.get("/jobs/{job_id}", response_model=JobOut)
async def get_job(job_id: str, who: Caller, jobs: JobsDep) -> JobOut:
    """An ingest job: status, progress and, once finished, its report."""
    job = jobs.get(job_id, who)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
    return job_out(job)


@router.delete("/jobs/{job_id}", response_model=JobOut)
async def cancel_job(job_id: str, who: Caller, jobs: JobsDep) -> JobOut:
    """Cancel an ingest job: it stops before its next batch is committed (batches
    committed before stay). Cancelling a finished job changes nothing."""
    job = jobs.get(job_id, who)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
    jobs.cancel(job)
    return job_out(job)


MAX_PAGE = 200  # articles per page of GET /articles


@router.get("/articles", response_model=ArticleList)
async def list_articles(
    _: Caller,
    rag: ReadyRag,
    source: Annotated[
        list[Outlet] | None, Param(max_length=MAX_SOURCES, description="Only these outlets.")
    ] = None,
    since: Annotated[IsoDate | None, Param(description="Published on/after.")] = None,
    until: Annotated[IsoDate | None, Param(description="Published on/before.")] = None,
    query: Annotated[
        str | None, Param(max_length=500, description="Words that all occur in title or text.")
    ] = None,
    cursor: Annotated[
        str | None, Param(max_length=1000, description="next_cursor of the previous page.")
    ] = None,
    limit: Annotated[int, Param(ge=1, le=MAX_PAGE)] = 50,
) -> ArticleList:
    """What is indexed, newest first (undated last), filtered like ``/ask``. Pages follow
    ``next_cursor``, which stays valid while articles are added or removed. A filter that
    can match nothing (an outlet not indexed, ``since`` after ``until``) is a 422 saying
    which; a text ``query`` matching nothing is an empty page."""
    after = _cursor(cursor) if cursor else None
    sources = tuple(source or ())
    try:
        await run_in_threadpool(check_filter, rag.store, sources, since, until)
    except FilterError as exc:
        raise field_error(exc.field, str(exc)) from None
    where = SearchFilter(sources, since, until)
    found = await run_in_threadpool(rag.store.list_articles, where, after, limit + 1, query)
    page = found[:limit]
    return ArticleList(
        articles=[
            ArticleSummary(
                article_id=a.article_id,
                title=a.title,
                url=a.url,
                source=a.source,
                author=a.author,
                published=a.published,
                chars=len(a.text),
            )
            for a in page
        ],
        next_cursor=_encode_cursor(list_key(page[-1])) if len(found) > limit else None,
    )


def _encode_cursor(key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _cursor(value: str) -> tuple[str, str]:
    """A cursor this route handed out; anything else is a 422 naming ``cursor``."""
    try:
        key = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key)):
        raise field_error("cursor", "is not a next_cursor from GET /articles")
    return key[0], key[1]


@router.get("/articles/{article_id}", response_model=ArticleOut)
async def get_article(article_id: str, _: Caller, rag: ReadyRag) -> ArticleOut:
    store = rag.store
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


@router.delete("/articles/{article_id}")
async def remove_article(
    article_id: str, _: Caller, rag: ReadyRag, service: ServiceDep
) -> dict[str, str]:
    if not await run_in_threadpool(delete_article, rag.store, article_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no article {article_id!r}")
    await run_in_threadpool(service.update_gauges)  # SQLite counts: off the event loop
    return {"deleted": article_id}


@router.get("/stats", response_model=Stats)
async def stats(_: Caller, rag: ReadyRag) -> Stats:
    """Counts: articles, chunks, dates, undated, per outlet (``sources``) and per
    publication month (``months``, "YYYY-MM", oldest first)."""
    return await run_in_threadpool(rag.store.stats)


# ---- a request's work, as a job ----------------------------------------------------------


def _ingest_articles(
    service: Service, job: Job, articles: list[Article], dates: list[str | None]
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


async def _upload_job(request: Request, who: str, service: Service) -> Job:
    """Uploaded files go to a temporary directory that the job removes when it ends."""
    form = await request.form()
    uploads = [v for v in form.getlist("file") if isinstance(v, UploadFile)]
    if not uploads:
        raise field_error("file", "no file uploaded (multipart field 'file')")
    tmp = tempfile.mkdtemp(prefix="newsrag-upload-")
    try:
        paths = []
        for number, upload in enumerate(uploads):
            name = Path(upload.filename or f"upload-{number}.txt").name
            if len(name.encode()) > 200:  # stored under a temp name: file systems stop at 255
                raise field_error("file", f"file name longer than 200 bytes: {name[:40]!r}…")
            path = Path(tmp) / f"{number}-{name}"
            path.write_bytes(await upload.read())
            paths.append(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    def shown(path: str) -> str:  # the upload's own name, not the temp path
        return Path(path).name.split("-", 1)[1]

    def run(job: Job) -> IngestReport:
        loaded = load_paths(paths, limits=Limits.of(service.settings))
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


# ---- responses -----------------------------------------------------------------------------


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


def accepted(job: Job) -> JSONResponse:
    """``202 Accepted`` with the job and where to follow it (``?wait=false``)."""
    return JSONResponse(
        job_out(job).model_dump(),
        status.HTTP_202_ACCEPTED,
        headers={"Location": f"/jobs/{job.job_id}"},
    )


def job_out(job: Job) -> JobOut:
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
