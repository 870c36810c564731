"""``newsrag watch`` and ``newsrag feeds``, and the page fetching behind ``ingest URL...``.

Registered on the ``newsrag`` app by api/cli.py; this module imports api/cli_common.py, never
api/cli.py. ``watch`` polls RSS/Atom feeds (index/feeds.py) once or every ``--every``,
ingesting the new items; ``feeds`` shows what each watched feed has done (the state kept in
``feeds.sqlite`` in the index directory).
"""

from __future__ import annotations

import json
import re
import sys
import time
from typing import Annotated

import typer
from rich.table import Table

from api.cli_common import (
    IndexOption,
    StoreOption,
    err,
    fail,
    load_embedder,
    out,
    printable,
    progress,
    settings_for,
)
from index.chunking import ChunkSizeError
from index.feeds import (
    FeedBook,
    FeedError,
    FeedReport,
    check_feed_url,
    ingest_into,
    poll_and_ingest,
)
from index.fetching import Fetcher, FetchPolicy, fetch_urls
from index.loaders import Defaults, Limits, LoadResult
from index.settings import IndexSettings
from index.store import StoreError

MIN_EVERY_S = 60  # politeness: no feed is polled more often than once a minute
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def fetch_pages(
    urls: list[str], loaded: LoadResult, defaults: Defaults, settings: IndexSettings
) -> None:
    """Fetch ``urls`` into ``loaded`` (articles and named failures), with a progress bar."""
    with Fetcher(FetchPolicy.of(settings)) as fetcher, progress() as bar:
        task = bar.add_task("fetching", total=len(urls))
        for done, url in enumerate(urls, start=1):
            fetched = fetch_urls([url], fetcher, defaults, Limits.of(settings))
            loaded.articles += fetched.articles
            loaded.failures += fetched.failures
            bar.update(task, completed=done)


def parse_every(value: str) -> float:
    """'90s', '15m', '1h30m', '2h', '1d' or plain seconds, as seconds."""
    text = value.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+)([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"--every {value!r} is not a duration (use e.g. 90s, 15m, 1h)")
    return float(sum(int(n) * _UNITS[u] for n, u in parts))


def watch(
    feeds: Annotated[
        list[str] | None,
        typer.Argument(help="RSS/Atom feed URLs (default every feed this index watches)."),
    ] = None,
    every: Annotated[
        str, typer.Option(help="Time between polls: 90s, 15m, 1h (at least 1m).")
    ] = "15m",
    once: Annotated[bool, typer.Option("--once", help="Poll each feed once, then exit.")] = False,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Poll RSS/Atom feeds and ingest their new items (state: `newsrag feeds`).

    Conditional GET (ETag, Last-Modified); an item's page is fetched when the feed carries
    only a summary. Ctrl-C stops watching."""
    settings = settings_for(index, store_uri)
    book = FeedBook(settings.index_dir)
    try:
        urls = [check_feed_url(u) for u in feeds or ()] or [s.url for s in book.all()]
        seconds = parse_every(every)
    except (FeedError, ValueError) as exc:
        raise fail(str(exc), 2) from None
    if not urls:
        raise fail(f"no feeds: give FEED_URL... ({settings.index_dir} watches none yet)", 2)
    if seconds < MIN_EVERY_S and not once:
        raise fail(f"--every {every!r} is too often: poll at most once a minute", 2)
    from index.ingest import Ingestor

    try:
        ingestor = Ingestor(settings, load_embedder(settings))
    except (StoreError, ChunkSizeError) as exc:
        raise fail(str(exc)) from None
    ingest = ingest_into(ingestor)
    limits = Limits.of(settings)
    try:
        with Fetcher(FetchPolicy.of(settings)) as fetcher:
            while True:
                started = time.monotonic()
                reports = [poll_and_ingest(book, url, fetcher, ingest, limits) for url in urls]
                for report in reports:
                    _print_report(report)
                if once:
                    if all(r.status == "error" for r in reports):
                        raise typer.Exit(1)
                    return
                time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    except KeyboardInterrupt:  # Ctrl-C: what was committed stays; the next poll resumes
        err.print("stopped watching", highlight=False)


def _print_report(report: FeedReport) -> None:
    url = printable(report.url)
    if report.status == "error":
        err.print(f"[red]error[/red] {url}: {printable(report.error or '')}", highlight=False)
        return
    for failure in report.failed:
        err.print(
            f"[yellow]skipped[/yellow] {printable(failure.path)}: {printable(failure.reason)}",
            highlight=False,
        )
    if report.status == "not modified":
        out.print(f"{url}: not modified", highlight=False)
        return
    out.print(
        f"{url}: {report.new_items} new, added {report.added}, updated {report.updated}, "
        f"failed {len(report.failed)}",
        highlight=False,
    )


def list_feeds(
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The feeds this index watches: last poll, status, items seen, articles, errors."""
    states = FeedBook(settings_for(index).index_dir).all()
    if as_json:
        sys.stdout.write(json.dumps([s.public() for s in states], indent=2) + "\n")
        return
    if not states:
        out.print("no feeds watched yet: newsrag watch FEED_URL...", highlight=False)
        return
    table = Table(box=None)
    table.add_column("feed", no_wrap=True)
    for name in ("last polled (UTC)", "status", "items", "added", "updated", "failures"):
        table.add_column(name, overflow="fold")
    for state in states:
        status = state.last_status or "never polled"
        if state.last_error:
            status += f": {state.last_error}"
        polled = (state.last_polled or "-").replace("T", " ")[:16]
        table.add_row(
            printable(state.url) + (f"\n{printable(state.title)}" if state.title else ""),
            polled,
            printable(status),
            str(state.items_seen),
            str(state.articles_added),
            str(state.articles_updated),
            str(state.failures),
        )
    out.print(table)
