"""An ingest's progress for a person: a live rich line on a terminal, and plain lines every
``every`` seconds when stderr is a log file or a pipe (rich's live display would write
nothing useful there, and a line per article would flood the log)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from index.ingest_progress import IngestStatus, StatusCallback


@contextmanager
def ingest_display(
    console: Console, articles: int, every: float = 10.0
) -> Iterator[StatusCallback]:
    """Yields the ``status`` callback to pass to ``Ingestor.run``."""
    if console.is_terminal:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            "{task.fields[line]}",
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("ingesting", total=articles, line="")

            def live(status: IngestStatus) -> None:
                bar.update(task, completed=status.articles_done, line=status.describe())

            yield live
        return
    lines = _PlainLines(console, every)
    yield lines.hear
    lines.finish()


class _PlainLines:
    """A line at most every ``every`` seconds, and the final state at the end."""

    def __init__(self, console: Console, every: float):
        self._console = console
        self._every = every
        self._printed = time.monotonic()
        self._newest: IngestStatus | None = None
        self._last = ""

    def hear(self, status: IngestStatus) -> None:
        self._newest = status
        if time.monotonic() - self._printed >= self._every:
            self._print(status)

    def finish(self) -> None:
        if self._newest is not None:
            self._print(self._newest)

    def _print(self, status: IngestStatus) -> None:
        line = f"ingest: {status.describe()}"
        if line != self._last:  # the final state, already printed by the last period
            self._console.print(line, highlight=False, soft_wrap=True)
            self._last = line
        self._printed = time.monotonic()
