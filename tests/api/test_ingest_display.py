"""The ingest's progress as a person sees it: live on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from rich.console import Console

from api.ingest_display import ingest_display
from index.ingest_progress import IngestStatus


def statuses() -> list[IngestStatus]:
    return [IngestStatus(n, 3, 10 * n, 1000 * n, 3000, float(n)) for n in (1, 2, 3)]


def test_a_log_gets_plain_periodic_lines_and_the_final_state() -> None:
    buffer = io.StringIO()
    with ingest_display(Console(file=buffer, width=200), 3, every=0.0) as status:
        for item in statuses():
            status(item)
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "ingest: 1/3 articles, 10 chunks, 10.0 chunks/s, 0m02s left"
    assert lines[-1] == "ingest: 3/3 articles, 30 chunks, 10.0 chunks/s, 0m00s left"
    assert "\x1b" not in buffer.getvalue()  # no terminal codes in a log


def test_a_log_is_not_flooded() -> None:
    buffer = io.StringIO()
    with ingest_display(Console(file=buffer, width=200), 3, every=3600.0) as status:
        for item in statuses():
            status(item)
    assert buffer.getvalue().splitlines() == [
        "ingest: 3/3 articles, 30 chunks, 10.0 chunks/s, 0m00s left"
    ]


def test_a_terminal_gets_the_live_line() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=True)
    with ingest_display(console, 3) as status:
        for item in statuses():
            status(item)
    drawn = buffer.getvalue()
    assert "3/3 articles, 30 chunks, 10.0 chunks/s" in drawn  # the last state, drawn live
    assert "\x1b[" in drawn and "ingest: " not in drawn  # a live bar, not log lines
