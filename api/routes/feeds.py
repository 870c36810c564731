"""Feeds: ``POST /feeds`` registers RSS/Atom feeds and polls them now, as an ingest job;
``GET /feeds`` shows what each watched feed has done (index/feeds.py keeps the state in
``feeds.sqlite`` beside the index).

A poll is the same work as ``newsrag watch --once``: conditional GET, new items only, each
item's page fetched when the feed carries only a summary, all through one polite fetcher per
app (robots.txt and the per-host interval hold across requests). Scheduling repeated polls
is left to ``newsrag watch`` or a cron job calling this route.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import Caller, ServiceDep, require_rag
from api.jobs import Job
from api.models import Failure, JobOut
from api.routes.articles import accepted
from api.service import Service
from index.documents import Article
from index.feeds import FeedBook, FeedReport, check_feed_url, ingest_outcome, poll_and_ingest
from index.fetching import Fetcher, FetchPolicy
from index.ingest import IngestReport
from index.loaders import Limits, LoadFailure

router = APIRouter(tags=["feeds"])
MAX_FEEDS_PER_REQUEST = 50
_FETCHER_LOCK = threading.Lock()


class FeedsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(
        min_length=1,
        max_length=MAX_FEEDS_PER_REQUEST,
        description="RSS/Atom feed URLs (http or https) to watch and poll now.",
    )

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        return [check_feed_url(url) for url in urls]  # FeedError is a ValueError: a 422


class FeedPollOut(BaseModel):
    """One feed's poll: new items, what the ingest did with them, the items that failed."""

    url: str
    status: str = Field(description="'ok', 'not modified' or 'error'.")
    new_items: int = Field(description="Items not seen before: ingested or failed.")
    added: int
    updated: int
    failed: list[Failure]
    error: str | None = Field(None, description="Why the feed itself could not be read.")


class FeedsPolled(BaseModel):
    job_id: str
    status: str = Field(description="The job's status: done, failed or cancelled.")
    feeds: list[FeedPollOut]


class FeedOut(BaseModel):
    """What newsrag knows of one watched feed."""

    url: str
    title: str | None
    added: str = Field(description="When it was first registered (UTC, ISO 8601).")
    last_polled: str | None
    last_new: str | None = Field(description="When an item was last ingested from it.")
    last_status: str | None = Field(description="'ok', 'not modified', 'error', or null.")
    last_error: str | None
    etag: str | None
    last_modified: str | None
    polls: int
    items_seen: int
    articles_added: int
    articles_updated: int
    failures: int


@router.post(
    "/feeds",
    response_model=FeedsPolled,
    responses={202: {"model": JobOut, "description": "wait=false: the job, polling"}},
)
async def add_feeds(
    body: FeedsIn, request: Request, who: Caller, service: ServiceDep, wait: bool = True
) -> Any:
    """Watch these feeds and poll them now, ingesting their new items, as a background job.

    ``wait=true`` (the default) answers with each feed's poll when the job is done;
    ``wait=false`` answers ``202`` at once with the job (``GET /jobs/{job_id}``: its report
    counts every feed's articles, a feed that could not be read is one of its failures)."""
    require_rag(service)
    polls: list[FeedReport] = []
    fetcher = _fetcher(request, service)
    job = service.jobs.submit(who, lambda job: _poll_job(service, fetcher, job, body.urls, polls))
    if not wait:
        return accepted(job)
    await service.jobs.wait(job, request)
    if job.report is None:  # the job itself failed (logged): not the request's fault
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, job.error or "failed")
    return FeedsPolled(job_id=job.job_id, status=job.state, feeds=[_poll_out(p) for p in polls])


@router.get("/feeds", response_model=list[FeedOut])
async def list_feeds(_: Caller, service: ServiceDep) -> list[FeedOut]:
    """Every watched feed: last poll, status, items seen, articles ingested, last error."""
    book = FeedBook(service.settings.index_dir)
    states = await run_in_threadpool(book.all)
    return [FeedOut.model_validate(state.public()) for state in states]


def _fetcher(request: Request, service: Service) -> Fetcher:
    """The app's one fetcher, made on first use: robots.txt cache and per-host clock are
    shared by every poll this process makes. Unlike the CLI's, it refuses loopback and
    private addresses unless NEWSRAG_FETCH_PRIVATE_HOSTS: a caller must not make the
    server read its own admin ports or a cloud metadata service."""
    with _FETCHER_LOCK:
        fetcher: Fetcher | None = getattr(request.app.state, "feed_fetcher", None)
        if fetcher is None:
            settings = service.settings
            policy = replace(FetchPolicy.of(settings), allow_private=settings.fetch_private_hosts)
            fetcher = Fetcher(policy)
            request.app.state.feed_fetcher = fetcher
    return fetcher


def _poll_job(
    service: Service, fetcher: Fetcher, job: Job, urls: list[str], polls: list[FeedReport]
) -> IngestReport:
    """Poll each feed in turn; the job's report sums what they ingested."""
    ingestor = service.ingestor
    assert ingestor is not None
    book = FeedBook(service.settings.index_dir)
    total = IngestReport()

    def ingest(articles: list[Article]) -> tuple[int, int, list[LoadFailure]]:
        report = ingestor.run(articles, job.progress, job.cancel)
        total.chunks += report.chunks
        total.article_ids += report.article_ids
        total.unchanged += report.unchanged
        total.cancelled = total.cancelled or report.cancelled
        return ingest_outcome(report, articles)

    limits = Limits.of(service.settings)
    for url in urls:
        if job.cancel.is_set():
            total.cancelled = True
            break
        polled = poll_and_ingest(book, url, fetcher, ingest, limits)
        polls.append(polled)
        total.added += polled.added
        total.updated += polled.updated
        total.failed += polled.failed
        if polled.error:
            total.failed.append(LoadFailure(url, polled.error))
    service.update_gauges()
    return total


def _poll_out(report: FeedReport) -> FeedPollOut:
    return FeedPollOut(
        url=report.url,
        status=report.status,
        new_items=report.new_items,
        added=report.added,
        updated=report.updated,
        failed=[Failure(path=f.path, reason=f.reason) for f in report.failed],
        error=report.error,
    )
