"""Fetch article pages and feeds over HTTP, politely, and turn a page into an article.

A newsroom's articles live at URLs, so ``newsrag ingest URL...`` and the feed watcher
(index/feeds.py) read them through one ``Fetcher``, which is the only thing in newsrag that
makes outbound requests to publishers. It is polite and bounded:

- robots.txt is honoured (``urllib.robotparser``, cached per host for an hour); as RFC 9309
  says, a robots.txt that is missing (4xx) allows everything and one that cannot be read
  (5xx, timeout) disallows the whole host until it can;
- each host is asked at most once per ``min_interval_s`` (NEWSRAG_FETCH_HOST_INTERVAL_S), the
  robots.txt request included, however many threads share the fetcher;
- a response is bounded in time (NEWSRAG_FETCH_TIMEOUT_S), size (NEWSRAG_FETCH_MAX_BYTES,
  read as a stream and abandoned past the limit) and redirects (each hop checked again
  against robots.txt and the http(s) scheme), and its content type is checked;
- conditional GET (ETag / If-Modified-Since) for the feed watcher: a 304 is ``not_modified``.

Every failure is a ``FetchError`` naming the URL and the reason (HTTP 404, timeout,
disallowed by robots.txt, not HTML, too large), which callers report per URL like a file
that could not be loaded, so one bad URL never stops the others.

Pages become articles with trafilatura (``index.loaders.load_html``: main text, title,
date, outlet, author, with hidden elements removed). The article's URL is the page's
canonical URL when it names one on the same host, else the URL the page was served from,
so tracking-parameter variants and redirects of one story share one article id.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from index.documents import Article
from index.loaders import Defaults, Limits, LoadError, LoadFailure, LoadResult, load_html
from index.settings import IndexSettings

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "text/plain",  # many servers send feeds as plain text; feedparser judges the body
)
ROBOTS_TTL_S = 3600.0
_REDIRECTS = (301, 302, 303, 307, 308)


def is_url(text: str) -> bool:
    """An http(s) URL given where a path could be (``newsrag ingest`` takes both)."""
    return bool(re.match(r"(?i)https?://", text.strip()))


@dataclass(frozen=True)
class FetchPolicy:
    """How polite and how bounded fetching is (NEWSRAG_FETCH_* settings)."""

    timeout_s: float = 15.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    min_interval_s: float = 1.0
    user_agent: str = "newsrag/0.1 (news question answering; honours robots.txt)"
    # False for a server fetching what its callers name: no loopback, private, link-local
    # or reserved address (cloud metadata, the host's own admin ports) is ever asked.
    allow_private: bool = True

    @classmethod
    def of(cls, settings: IndexSettings) -> FetchPolicy:
        """From the NEWSRAG_FETCH_* settings (redirects stay at 5, private hosts allowed)."""
        return cls(
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.fetch_max_bytes,
            min_interval_s=settings.fetch_host_interval_s,
            user_agent=settings.fetch_user_agent,
        )


class FetchError(Exception):
    """One URL that could not be fetched or read; ``reason`` says why in a few words."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass
class Fetched:
    """A response worth reading, or ``not_modified`` (a 304 to a conditional GET)."""

    url: str  # as requested
    final_url: str  # after redirects
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    def text(self) -> str:
        """The body decoded: the header's charset, else a <meta charset>, else UTF-8."""
        charset = _charset(self.content_type) or _meta_charset(self.body[:4096]) or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")


class Fetcher:
    """One per process or run: it holds the connection pool, the robots.txt cache and the
    per-host clock. Thread-safe. ``close`` (or ``with``) releases the connections."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.policy = policy or FetchPolicy()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_s),
            follow_redirects=False,  # followed by hand: each hop is checked
            headers={"User-Agent": self.policy.user_agent},
        )
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_turn: dict[str, float] = {}
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | str]] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        accept: tuple[str, ...] = HTML_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """The response to GET ``url`` with a content type in ``accept``; raises FetchError."""
        current = url
        for _ in range(self.policy.max_redirects + 1):
            _check_scheme(url, current)
            if not self.policy.allow_private:
                _check_public(url, current)
            self._check_robots(url, current)
            headers = {"Accept": ", ".join((*accept, "*/*;q=0.1"))}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            self._wait_turn(current)
            try:
                with self._client.stream("GET", current, headers=headers) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    return self._read(url, current, response, accept)
            except httpx.TimeoutException:
                raise FetchError(
                    url, f"timed out after {self.policy.timeout_s:g} s (NEWSRAG_FETCH_TIMEOUT_S)"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(url, f"request failed ({type(exc).__name__}: {exc})") from None
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets newsrag fetch ``url`` (fetching robots.txt if needed)."""
        try:
            self._check_robots(url, url)
        except FetchError:
            return False
        return True

    # ---- inside --------------------------------------------------------------------------

    def _read(
        self, url: str, current: str, response: httpx.Response, accept: tuple[str, ...]
    ) -> Fetched:
        headers = response.headers
        if response.status_code == 304:
            return Fetched(url, current, b"", "", headers.get("etag"), None, not_modified=True)
        if response.status_code >= 400:
            phrase = response.reason_phrase or ""
            raise FetchError(url, f"HTTP {response.status_code} {phrase}".strip())
        if response.status_code != 200:
            raise FetchError(url, f"unexpected HTTP {response.status_code}")
        content_type = headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if accept and media not in accept:
            wanted = "HTML" if accept == HTML_TYPES else "a feed"
            raise FetchError(url, f"not {wanted}: content type {media or 'missing'!r}")
        limit = self.policy.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, _too_large(int(declared), limit))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(url, _too_large(size, limit, more=True))
            chunks.append(chunk)
        return Fetched(
            url,
            current,
            b"".join(chunks),
            content_type,
            headers.get("etag"),
            headers.get("last-modified"),
        )

    def _wait_turn(self, url: str) -> None:
        """Sleep until this host's next turn: at most one request per min_interval_s."""
        host = _host(url)
        with self._lock:
            now = self._clock()
            turn = max(now, self._next_turn.get(host, now))
            self._next_turn[host] = turn + self.policy.min_interval_s
        if turn > now:
            self._sleep(turn - now)

    def _check_robots(self, url: str, current: str) -> None:
        rules = self._robots_for(current)
        if isinstance(rules, str):
            raise FetchError(url, rules)
        if not rules.can_fetch(self.policy.user_agent, current):
            shown = "" if current == url else f" (redirected to {current})"
            raise FetchError(url, f"disallowed by robots.txt{shown}")

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | str:
        host = _host(url)
        with self._lock:
            cached = self._robots.get(host)
        if cached and self._clock() - cached[0] < ROBOTS_TTL_S:
            return cached[1]
        rules = self._load_robots(host)
        with self._lock:
            self._robots[host] = (self._clock(), rules)
        return rules

    def _load_robots(self, host: str) -> urllib.robotparser.RobotFileParser | str:
        """The host's rules, or the reason the whole host is off limits (RFC 9309 §2.3.1)."""
        parser = urllib.robotparser.RobotFileParser(host + "/robots.txt")
        try:
            status, text = self._robots_text(host + "/robots.txt")
        except (httpx.HTTPError, FetchError) as exc:
            name = exc.reason if isinstance(exc, FetchError) else type(exc).__name__
            return f"robots.txt could not be read ({name}), so not fetched"
        if status >= 500:
            return f"robots.txt answered HTTP {status}, so not fetched"
        parser.parse([] if status >= 300 else text.splitlines())  # none (4xx): all allowed
        return parser

    def _robots_text(self, url: str) -> tuple[int, str]:
        """robots.txt's status and text, redirects followed (at most 5, each hop checked),
        at most ``max_bytes`` read."""
        for _ in range(5):
            _check_scheme(url, url)
            if not self.policy.allow_private:
                _check_public(url, url)
            self._wait_turn(url)
            with self._client.stream("GET", url) as response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.policy.max_bytes:
                        break
                return response.status_code, body[: self.policy.max_bytes].decode(
                    "utf-8", errors="replace"
                )
        return 404, ""  # a redirect loop: treated as no robots.txt, like RFC 9309 says


def fetch_article(fetcher: Fetcher, url: str, limits: Limits | None = None) -> Article:
    """The article at ``url``: fetched, its main text and metadata read by trafilatura.
    Raises FetchError naming the URL and the reason."""
    limits = limits or Limits()
    page = fetcher.get(url)
    html = page.text()
    if len(html) > limits.max_article_chars * 5:
        raise FetchError(url, f"page of {len(html):,} characters is over the article limit")
    notes: list[LoadFailure] = []
    try:
        found = load_html(html, url, notes)
    except LoadError as exc:
        raise FetchError(url, str(exc)) from None
    except Exception as exc:  # a parser's own bug must not end the batch
        raise FetchError(url, f"could not be read ({type(exc).__name__})") from None
    if not found or not found[0].text:
        raise FetchError(url, "no article text found in the page")
    article = found[0]
    if len(article.text) > limits.max_article_chars:
        raise FetchError(
            url,
            f"article text of {len(article.text):,} characters is over the limit of "
            f"{limits.max_article_chars:,} (NEWSRAG_MAX_ARTICLE_CHARS)",
        )
    article.url = _article_url(page.final_url, article.url)
    article.origin = url
    return article


def fetch_urls(
    urls: Iterable[str],
    fetcher: Fetcher,
    defaults: Defaults | None = None,
    limits: Limits | None = None,
) -> LoadResult:
    """Every article at ``urls``; each URL that fails is a named failure, like a file that
    cannot be loaded (``LoadFailure(url, reason)``), and the others still load."""
    from index.dates import parse_date

    defaults = defaults or Defaults()
    default_date = parse_date(defaults.published, fuzzy=False) if defaults.published else None
    result = LoadResult()
    for url in urls:
        try:
            article = fetch_article(fetcher, url, limits)
        except FetchError as exc:
            result.failures.append(LoadFailure(url, exc.reason))
            continue
        article.source = article.source or defaults.source
        article.published = article.published or default_date
        result.articles.append(article)
    return result


def _article_url(served_from: str, canonical: str | None) -> str:
    """The canonical URL when the page names one on its own host (a page cannot claim
    another site's identity), else the URL it was served from."""
    if canonical:
        absolute = urljoin(served_from, canonical)
        if _host(absolute) == _host(served_from):
            return absolute
    return served_from


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _check_scheme(url: str, current: str) -> None:
    parts = urlsplit(current)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        where = "" if current == url else f" (redirected to {current[:100]})"
        raise FetchError(url, f"not an http(s) URL{where}")


def _check_public(url: str, current: str) -> None:
    """Refuse a host that is, or resolves to, a non-public address (each redirect hop is
    checked again). A name that does not resolve is left to the request to report."""
    import ipaddress
    import socket

    host = urlsplit(current).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            where = "" if current == url else f" (redirected to {current[:100]})"
            raise FetchError(
                url,
                f"refused: {host} is a non-public address ({address}){where}; "
                "NEWSRAG_FETCH_PRIVATE_HOSTS allows it",
            )


def _too_large(size: int, limit: int, more: bool = False) -> str:
    amount = f"more than {limit:,}" if more else f"{size:,}"
    return f"too large: {amount} bytes, over the limit of {limit:,} (NEWSRAG_FETCH_MAX_BYTES)"


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _meta_charset(head: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", head, re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None
