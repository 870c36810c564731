"""Background ingest jobs for the HTTP API: POST /articles hands its work to a job, so an
upload is bounded by its own batches, can be watched (GET /jobs/{id}) and cancelled
(DELETE /jobs/{id}), and stops when a waiting client goes away.

Jobs run on a small thread pool: two uploads proceed side by side, each committing per
batch (index/ingest.py), so a small one is not stuck behind a large one. Finished jobs are
kept for GET, the oldest dropped past ``keep``. A job belongs to the caller that made it
(its API key, or its address without keys); another caller gets 404.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from starlette.requests import Request

from index.ingest import IngestReport

log = logging.getLogger("newsrag.jobs")
State = Literal["queued", "running", "done", "failed", "cancelled"]
FINAL: tuple[State, ...] = ("done", "failed", "cancelled")


@dataclass
class Job:
    job_id: str
    owner: str
    state: State = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    done: int = 0
    total: int = 0
    report: IngestReport | None = None
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total


Work = Callable[[Job], IngestReport]


class Jobs:
    def __init__(self, workers: int = 4, keep: int = 100):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, owner: str, work: Work, cleanup: Callable[[], None] | None = None) -> Job:
        """Queue ``work``; ``cleanup`` runs when the job ends, whatever happened."""
        job = Job(uuid.uuid4().hex, owner)
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old()
        self._pool.submit(self._run, job, work, cleanup)
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def cancel(self, job: Job) -> None:
        """Stop at the next batch boundary; a queued job never starts."""
        job.cancel.set()

    async def wait(self, job: Job, request: Request, poll_s: float = 0.25) -> None:
        """Until the job ends; a client that disconnects meanwhile cancels it.

        A task blocks on the request's next ASGI message (after the body only a disconnect
        can come): ``Request.is_disconnected`` polls with an already-cancelled scope, which
        never sees the disconnect through the middleware stack."""

        async def watch() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            log.info("client went away: cancelling ingest job %s", job.job_id)
            self.cancel(job)

        watcher = asyncio.create_task(watch())
        try:
            while not job.ended.is_set():
                await asyncio.sleep(poll_s)
        finally:
            watcher.cancel()

    def shutdown(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _run(self, job: Job, work: Work, cleanup: Callable[[], None] | None) -> None:
        try:
            if job.cancel.is_set():
                job.state = "cancelled"
                return
            job.state, job.started = "running", time.time()
            job.report = work(job)
            job.state = "cancelled" if job.report.cancelled else "done"
        except Exception:
            log.exception("ingest job %s failed", job.job_id)
            job.state, job.error = "failed", "internal error (see the server log)"
        finally:
            job.finished = time.time()
            if cleanup:
                try:
                    cleanup()
                except OSError:
                    log.exception("cleaning up after ingest job %s", job.job_id)
            job.ended.set()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state in FINAL]
        for job in finished[: max(0, len(finished) - self._keep)]:
            del self._jobs[job.job_id]
