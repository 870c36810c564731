"""``newsrag list``, ``show`` and ``export``: what the index holds, for people and scripts.

``list`` filters like ``ask`` (outlet, dates) plus words in the text; ``export`` writes
JSONL that ``newsrag ingest`` reads back to the same articles (same ids, same content), so
an index can be moved, pruned or rebuilt with another model from its own export. api/cli.py
registers these commands; what they share with it is in api/cli_common.py.
"""

from __future__ import annotations

import calendar
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.table import Table

from api.cli_common import (
    IndexOption,
    StoreOption,
    date_option,
    err,
    fail,
    open_index,
    out,
    printable,
    settings_for,
)
from index.protocols import DocumentStore, list_key
from index.records import SearchFilter, StoredArticle
from rag.filters import FilterError, check_filter, empty_filter_notice

PAGE = 500  # articles read per query while listing or exporting
EXPORT_FORMATS = ("jsonl",)


def articles_matching(
    store: DocumentStore, where: SearchFilter, query: str | None = None, limit: int | None = None
) -> Iterator[StoredArticle]:
    """Every article passing the filter, newest first, read a page at a time."""
    after: tuple[str, str] | None = None
    left = limit
    while left is None or left > 0:
        size = PAGE if left is None else min(PAGE, left)
        page = store.list_articles(where, after, size, query)
        yield from page
        if len(page) < size:
            return
        after = list_key(page[-1])
        left = None if left is None else left - len(page)


def export_record(article: StoredArticle) -> dict[str, str | None]:
    """An article as ``newsrag ingest`` reads it back: the loaders' own field names."""
    return {
        "id": article.article_id,
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "source": article.source,
        "author": article.author,
        "published": article.published,
    }


def _filter(
    store: DocumentStore, source: list[str] | None, since: str | None, until: str | None
) -> SearchFilter:
    """The filter, or a usage error (exit 2) naming the part that can match nothing."""
    sources = tuple(source or ())
    since = _period(date_option(since, "--since", partial=True), last=False)
    until = _period(date_option(until, "--until", partial=True), last=True)
    try:
        check_filter(store, sources, since, until)
    except FilterError as exc:
        raise fail(f"--{exc.field}: {exc}", 2) from None
    return SearchFilter(sources, since, until)


def _period(value: str | None, last: bool) -> str | None:
    """A year or month typed as a bound covers all of it: ``--until 2015`` is 2015-12-31,
    ``--since 2015-02`` is 2015-02-01."""
    if value is None or len(value) == 10:
        return value
    year = int(value[:4])
    month = int(value[5:7]) if len(value) == 7 else (12 if last else 1)
    day = calendar.monthrange(year, month)[1] if last else 1
    return f"{year:04d}-{month:02d}-{day:02d}"


SinceOption = Annotated[
    str | None, typer.Option(help="Only articles published on/after (YYYY-MM-DD, YYYY-MM, YYYY).")
]
UntilOption = Annotated[
    str | None, typer.Option(help="Only articles published on/before (a year or month: all of it).")
]
SourceOption = Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")]


def list_articles(
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    query: Annotated[
        str | None, typer.Option(help="Only articles whose title or text holds every word.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most N articles.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Indexed articles, newest first: id, date, outlet, title."""
    store = open_index(settings_for(index, store_uri))
    where = _filter(store, source, since, until)
    table = Table("id", "published", "outlet", "title", box=None)
    shown = 0
    for article in articles_matching(store, where, query, limit):
        shown += 1
        if as_json:
            record = export_record(article)
            del record["text"]
            sys.stdout.write(json.dumps({**record, "chars": len(article.text)}) + "\n")
            continue
        table.add_row(
            article.article_id,
            article.published or "-",
            printable(article.source or "-"),
            printable(article.title),
        )
    if shown:
        if not as_json:
            out.print(table, highlight=False)
        return
    why = empty_filter_notice(store, where.sources, where.since, where.until)
    message = why or (
        f"no article holds every word of {query!r}" if query else "the index is empty"
    )
    err.print(printable(message), highlight=False)


def show(
    article_id: Annotated[str, typer.Argument(help="Article id (from `list` or `ask --json`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """One article: its metadata and full text."""
    store = open_index(settings_for(index, store_uri))
    article = store.article(article_id)
    if article is None:
        raise fail(f"no article {article_id!r} in {store.location}")
    if as_json:
        record = export_record(article)
        chunks = [[s, e] for _, s, e in store.article_chunks(article_id)]
        sys.stdout.write(json.dumps({**record, "chunks": chunks}, indent=2) + "\n")
        return
    out.print(f"[bold]{printable(article.title)}[/bold]", highlight=False)
    meta = [article.article_id, article.source, article.author, article.published, article.url]
    out.print(" · ".join(printable(m) for m in meta if m), highlight=False)
    out.print("")
    out.print(article.text, highlight=False, markup=False)


def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")
    ] = None,
    export_format: Annotated[str, typer.Option("--format", help="jsonl.")] = "jsonl",
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    index: IndexOption = None,
    store_uri: StoreOption = None,
) -> None:
    """Write the articles as JSONL (id, title, text, url, source, author, published), which
    `newsrag ingest` reads back to the same articles."""
    if export_format not in EXPORT_FORMATS:
        raise fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}, not {export_format!r}", 2)
    store = open_index(settings_for(index, store_uri))
    where = _filter(store, source, since, until)
    if output is None:
        _write(sys.stdout, articles_matching(store, where))
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            count = _write(stream, articles_matching(store, where))
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    err.print(f"exported {count} articles to {output}", highlight=False)


def _write(stream: TextIO, articles: Iterator[StoredArticle]) -> int:
    count = 0
    for article in articles:
        stream.write(json.dumps(export_record(article), ensure_ascii=False) + "\n")
        count += 1
    stream.flush()
    return count
