"""A client for a running newsrag server, written against its documented contract only:

- ``POST /ask`` takes ``{"question", "k", "source", "since", "until", "mode", "as_of"}`` and
  returns the ``Answer`` JSON of ``newsrag ask --json`` (``rag.schema.Answer``);
- ``POST /search`` takes ``{"question", "k", "mode", "as_of"}`` and returns
  ``rag.schema.SearchResponse`` (the API's own model: passages with their offsets).

Optional fields the evaluation does not use (filters, a default ``k``) are left out of the
request rather than sent as null, so the server applies its own defaults.

The server's index is out of reach, so a quote is checked through the contract too: a BM25
search for the quote's own words returns the stored passage that holds it, and the quote must
equal that passage's text at the same offsets; that search sends ``time_words: false`` and
``recency: false``, since a quote's "on Monday" is no time window. When no returned passage
covers the quote's span the check is reported as not done, never as passed.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import httpx
from pydantic import ValidationError

from rag.evaluation.backends import BackendError, SearchResult
from rag.evaluation.datasets import Hit
from rag.retrieval import Mode
from rag.schema import Answer, AnswerMode, Citation, SearchPassage, SearchResponse


class HttpBackend:
    """Synchronous httpx client; one connection pool for the whole evaluation."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_waits: int = 20,
    ):
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)
        self.max_waits = max_waits  # 429 answers waited out before giving up
        self._quotes: dict[tuple[str, int, int, str], bool | None] = {}

    @property
    def target(self) -> str:
        return self.base_url

    def close(self) -> None:
        self.client.close()

    def _post(self, path: str, body: dict[str, Any]) -> tuple[Any, float]:
        """POST, waiting out rate limiting (429 + Retry-After) a bounded number of times;
        the time reported is the successful request's own."""
        payload = {k: v for k, v in body.items() if v is not None}
        for _ in range(self.max_waits + 1):
            started = time.perf_counter()
            try:
                response = self.client.post(path, json=payload)
            except httpx.HTTPError as exc:
                raise BackendError(
                    f"cannot reach the newsrag server at {self.base_url} ({type(exc).__name__}: "
                    f"{exc}); is `newsrag serve` running there?"
                ) from None
            elapsed = round((time.perf_counter() - started) * 1000, 2)
            if response.status_code != 429:
                break
            time.sleep(min(60.0, float(response.headers.get("retry-after", "1") or 1)))
        if response.status_code == 422 and '"k"' in response.text:
            raise BackendError(
                f"POST {self.base_url}{path} rejected k={payload.get('k')}: "
                f"{response.text[:300]}; pass a smaller --depth or --k (or raise the server's "
                "NEWSRAG_MAX_K)"
            )
        if response.status_code != 200:
            raise BackendError(
                f"POST {self.base_url}{path} answered {response.status_code}: {response.text[:300]}"
            )
        try:
            return response.json(), elapsed
        except ValueError:
            raise BackendError(f"POST {self.base_url}{path} did not return JSON") from None

    def ask(
        self,
        question: str,
        k: int | None,
        mode: Mode,
        answer_mode: AnswerMode = "extractive",
        as_of: date | None = None,
    ) -> Answer:
        body = {"question": question, "k": k, "source": None, "since": None, "until": None,
                "mode": mode, "answer_mode": answer_mode,
                "as_of": as_of.isoformat() if as_of else None}  # fmt: skip
        data, elapsed = self._post("/ask", body)
        try:
            answer = Answer.model_validate(data)
        except ValidationError as exc:
            raise BackendError(f"POST /ask returned no Answer: {exc}") from None
        answer.timings_ms["request_ms"] = elapsed
        return answer

    def _search(
        self, question: str, k: int, mode: Mode, as_of: date | None = None, quote: bool = False
    ) -> tuple[list[SearchPassage], float]:
        body: dict[str, Any] = {"question": question, "k": k, "mode": mode,
                                "as_of": as_of.isoformat() if as_of else None}  # fmt: skip
        if quote:  # a quote is no question: its "on Monday" is no window, its date no prior
            body.update(time_words=False, recency=False)
        data, elapsed = self._post("/search", body)
        try:
            return SearchResponse.model_validate(data).passages, elapsed
        except ValidationError as exc:
            raise BackendError(f"POST /search returned no passages: {exc}") from None

    def search(self, question: str, k: int, mode: Mode, as_of: date | None = None) -> SearchResult:
        passages, elapsed = self._search(question, k, mode, as_of)
        hits = [Hit(p.article_id, p.url, p.title) for p in passages]
        return SearchResult(hits, {"request_ms": elapsed})

    def check_quote(self, citation: Citation) -> bool | None:
        key = (citation.article_id, citation.start, citation.end, citation.quote)
        if key not in self._quotes:
            self._quotes[key] = self._check(citation)
        return self._quotes[key]

    def _check(self, citation: Citation) -> bool | None:
        passages, _ = self._search(citation.quote, 10, "bm25", quote=True)
        for p in passages:
            covers = p.start <= citation.start < citation.end <= p.end
            if p.article_id == citation.article_id and covers:
                if len(p.text) != p.end - p.start:
                    return False  # the passage itself is not the span it claims to be
                offset = citation.start - p.start
                return p.text[offset : offset + citation.end - citation.start] == citation.quote
        return None
