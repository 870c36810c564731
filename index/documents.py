"""The records that travel between modules: articles as loaded, chunks as stored."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PARAMS = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|cmpid$|ncid$)")
_WEB_SCHEMES = ("http", "https")
log = logging.getLogger("newsrag.index")


@dataclass
class Article:
    """One news article after loading and cleaning; ``text`` is what citations quote."""

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    origin: str = ""  # where it was read from: "path" or "path#record"

    def __post_init__(self) -> None:
        # Every loader, the HTTP batch and the evaluation sets build articles here, so this
        # is the one place that keeps a "javascript:" URL out of the index (it becomes a link).
        self.url = web_url(self.url, self.title or self.origin)

    @property
    def article_id(self) -> str:
        return article_id(self.url, self.title, self.text)

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.text, self.source, self.published, self.author)


@dataclass
class Chunk:
    """A span of an article's text, the unit that is embedded and searched."""

    article_id: str
    position: int
    start: int
    end: int
    text: str  # == article.text[start:end]
    embed_text: str  # header + text: what the model sees
    chunk_id: int = -1  # assigned by the store
    # embed_text's word-piece ids with the model's special tokens, when the chunker built
    # them from the sentences it counted (so ingest tokenizes once); None: tokenize it.
    embed_ids: list[int] | None = None


def web_url(url: str | None, article: str = "") -> str | None:
    """``url`` when it is an absolute http(s) URL, else None with a warning naming the article.

    Article URLs are shown as links (chat page, Slack, OpenAI-compatible text); any other
    scheme (``javascript:``, ``data:``, ``file:``) would run or open something in the reader's
    browser, so it is never stored.
    """
    if url is None or not url.strip():
        return None
    url = url.strip()
    # Browsers ignore tabs and newlines inside a scheme ("java\tscript:"): judge what they see.
    visible = re.sub(r"[\x00-\x20]", "", url)
    parts = urlsplit(visible)
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc:
        log.warning("article %r: URL dropped, only http(s) links are stored: %r", article, url[:80])
        return None
    return url


def normalize_url(url: str) -> str:
    """Same article, same key: lower-case host, no fragment, tracking or trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAMS.match(k))
    )
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower() or "https", host, path, query, ""))


def _normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def article_id(url: str | None, title: str, text: str) -> str:
    """Stable id: from the URL when there is one, else from the normalized content."""
    if url:
        key = "url:" + normalize_url(url)
    else:
        key = "text:" + _normalize_text(title) + "\n" + _normalize_text(text)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def content_hash(*parts: str | None) -> str:
    """Detects a changed article under the same id (metadata included)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha256(joined.encode()).hexdigest()
