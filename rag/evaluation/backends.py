"""Where an evaluation asks its questions: the pipeline in this process, or a server.

Both implement :class:`Backend`, so the runner scores exactly the same thing either way: the
``Answer`` JSON that ``newsrag ask --json`` and ``POST /ask`` return, and the ranked passages
of ``NewsRAG.retrieve`` / ``POST /search``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from rag.citations import verify
from rag.evaluation.datasets import Hit
from rag.pipeline import NewsRAG
from rag.retrieval import Mode
from rag.schema import Answer, AnswerMode, Citation


class BackendError(RuntimeError):
    """The backend cannot answer (server unreachable, bad status); says what to check."""


@dataclass
class SearchResult:
    hits: list[Hit]  # one per retrieved passage, best first (an article may repeat)
    timings_ms: dict[str, float] = field(default_factory=dict)


class Backend(Protocol):
    @property
    def target(self) -> str:
        """The index directory or server URL, for the report."""
        ...

    def ask(
        self,
        question: str,
        k: int | None,
        mode: Mode,
        answer_mode: AnswerMode = "extractive",
        as_of: date | None = None,
    ) -> Answer: ...

    def search(
        self, question: str, k: int, mode: Mode, as_of: date | None = None
    ) -> SearchResult: ...

    def check_quote(self, citation: Citation) -> bool | None:
        """Does the quote equal the stored article text at its offsets? None: unknown."""
        ...


class LocalBackend:
    """The pipeline in this process; quotes are checked against the index's own text."""

    def __init__(self, rag: NewsRAG):
        self.rag = rag

    @property
    def target(self) -> str:
        return self.rag.store.location

    def ask(
        self,
        question: str,
        k: int | None,
        mode: Mode,
        answer_mode: AnswerMode = "extractive",
        as_of: date | None = None,
    ) -> Answer:
        return self.rag.ask(question, k, mode=mode, answer_mode=answer_mode, as_of=as_of)

    def search(self, question: str, k: int, mode: Mode, as_of: date | None = None) -> SearchResult:
        started = time.perf_counter()
        retrieval = self.rag.retrieve(question, k, mode=mode, as_of=as_of)
        timings = dict(retrieval.timings_ms)
        timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
        hits = [
            Hit(p.chunk.article.article_id, p.chunk.article.url, p.chunk.article.title)
            for p in retrieval.passages
        ]
        return SearchResult(hits, timings)

    def check_quote(self, citation: Citation) -> bool | None:
        article = self.rag.store.article(citation.article_id)
        return verify(citation, article.text) if article else False
