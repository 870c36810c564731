"""Text analysis and filter expressions for the Milvus backend.

BM25 must rank as the SQLite backend's FTS5 does (``porter unicode61 remove_diacritics 2``),
but analyzers differ between Milvus builds (milvus-lite has no stemmer, Milvus's "english"
analyzer is Snowball, not Porter). So newsrag analyzes itself: ``fts_terms`` folds
diacritics, splits on what is not a letter or digit, lower-cases and Porter-stems, and the
Milvus field holds those terms joined by spaces; Milvus's standard tokenizer then only splits
them again. Questions go through the same function, so both sides always agree.

``filter_expr`` translates a ``SearchFilter`` into a Milvus boolean expression, applied
inside every search request (never only at the top of a hybrid search).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import Stemmer

from index.records import SearchFilter

_TERM = re.compile(r"[^\W_]+")
_PORTER = Stemmer.Stemmer("porter")
MAX_TERMS_BYTES = 60_000  # under a VARCHAR's 65,535 bytes


def fold(text: str) -> str:
    """Lower-case without diacritics ("Café" -> "cafe"), as FTS5's remove_diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fts_terms(text: str) -> list[str]:
    """The terms FTS5's porter tokenizer would index for ``text``, in order: as SQLite, a
    token of 1-2 or over 64 characters is kept as it is ("us" stays, "was" -> "wa")."""
    return [_stem(t) for t in _TERM.findall(fold(text))]


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    return str(_PORTER.stemWord(token)) if 2 < len(token) <= 64 else token


def terms_field(title: str, body: str) -> tuple[str, int]:
    """A chunk's analyzed text (title terms, then body terms, as the FTS5 row holds them),
    and how many of them are the title's."""
    title_terms = fts_terms(title)
    joined = " ".join(title_terms + fts_terms(body))
    encoded = joined.encode()
    if len(encoded) > MAX_TERMS_BYTES:
        joined = encoded[:MAX_TERMS_BYTES].decode(errors="ignore").rsplit(" ", 1)[0]
    return joined, len(title_terms)


def literal(value: str) -> str:
    """A Milvus string literal: quotes and backslashes escaped, so any value is only a value."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def any_literal(values: Iterable[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def filter_expr(where: SearchFilter | None) -> str:
    """The chunk-collection expression for a filter ("" when it filters nothing). Outlets
    match case-insensitively (stored lower-cased); a partial stored date matches when its
    period overlaps the range, and undated chunks (stored as "") match no date range,
    exactly as ``SearchFilter.sql``."""
    if where is None or not where.active:
        return ""
    clauses: list[str] = []
    if where.sources:
        clauses.append(f"source in {any_literal(s.lower() for s in where.sources)}")
    if where.since or where.until:
        clauses.append('published != ""')
    if where.since:
        since = where.since
        clauses.append(
            f"(published >= {literal(since)} or published in {any_literal([since[:4], since[:7]])})"
        )
    if where.until:
        clauses.append(f"published <= {literal(where.until)}")
    clauses.extend(_dated(where))
    return " and ".join(clauses)


def _dated(where: SearchFilter) -> list[str]:
    """The question's dates that retrieval adds (``rag.retrieval.DatedFilter``, read by
    name: index/ never imports rag/): ``as_of`` keeps undated articles and drops what was
    published after it; a time window holds dated articles only. A bound compares as
    ``published < next day``, so a stored timestamp counts as its day."""
    clauses: list[str] = []
    as_of: date | None = getattr(where, "as_of", None)
    since: date | None = getattr(where, "window_since", None)
    until: date | None = getattr(where, "window_until", None)
    if as_of:
        clauses.append(f'(published == "" or published < {literal(_next_day(as_of))})')
    if since:
        day = since.isoformat()
        clauses.append(
            f'published != "" and (published >= {literal(day)} or published in '
            f"{any_literal([day[:4], day[:7]])})"
        )
    if until:
        clauses.append(f'published != "" and published < {literal(_next_day(until))}')
    return clauses


def dated_passes(where: SearchFilter, published: str) -> bool:
    """``_dated`` for one article's date, in Python (a listing filters what it scanned)."""
    as_of: date | None = getattr(where, "as_of", None)
    since: date | None = getattr(where, "window_since", None)
    until: date | None = getattr(where, "window_until", None)
    if as_of and published and published >= _next_day(as_of):
        return False
    if (since or until) and not published:
        return False
    if since:
        day = since.isoformat()
        if not (published >= day or published in (day[:4], day[:7])):
            return False
    return not (until and published >= _next_day(until))


def _next_day(day: date) -> str:
    return (day + timedelta(days=1)).isoformat()


def match_any(field: str, terms: Iterable[str]) -> str:
    """Chunks holding any of ``terms`` (Milvus ``text_match`` is an OR over its tokens)."""
    return f"text_match({field}, {literal(' '.join(terms))})"


def match_all(field: str, terms: Iterable[str]) -> str:
    """Chunks holding every one of ``terms``."""
    return " and ".join(f"text_match({field}, {literal(t)})" for t in terms)
