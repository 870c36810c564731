"""What the ``newsrag`` command modules share without importing api/cli.py: the consoles,
``--index``, usage errors, typed dates, printable names and opening the index.

api/cli.py imports the command modules to register their commands (``list``, ``show``,
``export``: api/cli_articles.py); they import this module, not api/cli.py, so that the
command line has no import cycle (tests/test_layering.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from api.settings import Settings, get_settings
from index.backends import open_existing
from index.dates import is_day, normalize_date
from index.embedding import Embedder, ModelLoadError
from index.protocols import DocumentStore
from index.settings import IndexSettings
from index.store import StoreError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index directory (env NEWSRAG_INDEX_DIR).")
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="milvus://host:port/collection-prefix to use Milvus instead of --index "
        "(env NEWSRAG_STORE_URI).",
    ),
]
# The question options ``ask`` and ``chat`` share.
KOption = Annotated[int | None, typer.Option(min=1, max=100, help="Passages to retrieve.")]
SinceOption = Annotated[str | None, typer.Option(help="Only articles published on/after.")]
UntilOption = Annotated[str | None, typer.Option(help="Only articles published on/before.")]
SourceOption = Annotated[list[str] | None, typer.Option(help="Only this outlet (repeatable).")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The question's date, YYYY-MM-DD (default today): nothing published later "
        "is used; 'this week', 'on Monday', 'recently' are read against it.",
    ),
]
RecencyOption = Annotated[
    bool | None,
    typer.Option(
        "--recency/--no-recency",
        help="Prefer articles published near the as-of date (default NEWSRAG_RECENCY).",
    ),
]
LlmOption = Annotated[
    bool | None,
    typer.Option(
        "--llm/--extractive",
        help="Let a chat model write the answer, each sentence checked against its quote "
        "(needs NEWSRAG_LLM_BASE_URL; default NEWSRAG_ANSWER_MODE).",
    ),
]


def settings_for(index: Path | None, store: str | None = None) -> Settings:
    """The settings, with ``--index`` and ``--store`` when given."""
    settings = get_settings()
    update: dict[str, object] = {"index_dir": index} if index else {}
    if store is not None:
        update["store_uri"] = store
    return settings.model_copy(update=update) if update else settings


def progress() -> Progress:
    """The one progress bar style: transient, on stderr, so stdout (a report, --json) stays
    clean."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def load_embedder(settings: IndexSettings) -> Embedder:
    """The model, checked now: a bad model fails before any work starts."""
    embedder = Embedder.from_settings(settings)
    try:
        embedder.check()
    except ModelLoadError as exc:
        raise fail(str(exc)) from None
    return embedder


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the result to exit with ``code`` (2: usage)."""
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def open_index(settings: Settings) -> DocumentStore:
    """The index to read, or exit 1 with the one line saying what to run."""
    try:
        return open_existing(settings)
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from None


def date_option(value: str | None, option: str, partial: bool = False) -> str | None:
    """A typed date; ``partial`` also takes a year or month alone ("2024", "2024-05")."""
    if value is None:
        return None
    parsed = normalize_date(value, fuzzy=False)
    if parsed is None or not (partial or is_day(parsed)):
        example = "YYYY-MM-DD, YYYY-MM or YYYY" if partial else "YYYY-MM-DD"
        raise fail(f"{option} {value!r} is not a date (use {example})", 2)
    return parsed


def as_of_option(value: str | None) -> dt.date | None:
    """--as-of: a real calendar date, YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"--as-of {value!r} is not a date (use YYYY-MM-DD)", 2) from None


def printable(text: str) -> str:
    """One plain line: control, bidi and other unprintable characters escaped as in
    Python's repr, rich markup escaped, so a hostile title cannot drive the terminal."""
    from rich.markup import escape

    shown = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )
    return escape(shown)
