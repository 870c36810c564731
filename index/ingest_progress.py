"""Where a running ingest stands, in the terms a person waiting for it asks about.

The embedding is the cost (docs/benchmarks.md), so progress moves when chunks are embedded,
not when articles are read: the rate is chunks per second, and the time left is the
characters still to embed at the characters-per-second rate so far (articles differ in
length by 100x, so counting articles would mislead).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IngestStatus:
    articles_done: int  # articles whose chunks are embedded (or that needed none)
    articles_total: int
    chunks_done: int
    characters_done: int
    characters_total: int
    seconds: float

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_done / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """None until something has been embedded: there is no rate to go by yet."""
        if self.characters_done <= 0 or self.seconds <= 0:
            return None
        rate = self.characters_done / self.seconds
        return max(0.0, (self.characters_total - self.characters_done) / rate)

    def describe(self) -> str:
        """One line, e.g. "120/1,000 articles, 1,530 chunks, 12.3 chunks/s, 2m05s left"."""
        left = self.seconds_left
        return (
            f"{self.articles_done:,}/{self.articles_total:,} articles, "
            f"{self.chunks_done:,} chunks, {self.chunks_per_second:.1f} chunks/s, "
            + (f"{_clock(left)} left" if left is not None else "estimating time left")
        )


StatusCallback = Callable[[IngestStatus], None]


class StatusTracker:
    """Counts what an ``Ingestor.run`` has embedded and tells ``callback`` after each step."""

    def __init__(self, callback: StatusCallback | None, articles: int, characters: int):
        self._callback = callback
        self._articles = articles
        self._characters = characters
        self._started = time.perf_counter()
        self.articles_done = 0
        self.chunks_done = 0
        self.characters_done = 0

    def add(self, articles: int = 0, chunks: int = 0, characters: int = 0) -> None:
        self.articles_done += articles
        self.chunks_done += chunks
        self.characters_done += characters
        if self._callback is not None:
            self._callback(
                IngestStatus(
                    self.articles_done,
                    self._articles,
                    self.chunks_done,
                    self.characters_done,
                    self._characters,
                    time.perf_counter() - self._started,
                )
            )


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
