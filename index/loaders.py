"""Read news articles from files: text, Markdown, HTML, JSON/JSONL records and RSS/Atom feeds.

The format is picked by extension, then confirmed or overridden by sniffing the content, so
a feed saved as ``.xml`` or an HTML page saved as ``.txt`` still loads. Every failure names
the file and the reason and never stops the other files from loading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from index.cleaning import clean_text, clean_title
from index.documents import Article

TEXT_FIELDS = ("text", "body", "content", "article", "maintext")
URL_FIELDS = ("url", "link", "canonical_url")
SOURCE_FIELDS = ("source", "outlet", "publisher", "site", "sitename", "site_name")
DATE_FIELDS = ("published", "date", "published_at", "publishedAt", "pubDate", "datetime")
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}


class LoadError(Exception):
    """A file (or one record in it) that cannot become an article; the message says why."""


@dataclass
class LoadFailure:
    path: str
    reason: str


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)


@dataclass
class Defaults:
    """Metadata applied where a file lacks it (the CLI's --source and --published)."""

    source: str | None = None
    published: str | None = None


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths, directories walked recursively, hidden files skipped."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if child.is_file() and not any(p.startswith(".") for p in rel):
                    yield child
        else:
            yield path


def load_paths(paths: Iterable[Path], defaults: Defaults | None = None) -> LoadResult:
    result = LoadResult()
    for file in iter_files(paths):
        try:
            articles = load_file(file, defaults)
        except LoadError as exc:
            result.failures.append(LoadFailure(str(file), str(exc)))
            continue
        result.articles.extend(articles)
    return result


def load_file(path: Path, defaults: Defaults | None = None) -> list[Article]:
    """Articles in one file; raises LoadError naming the reason when there are none."""
    defaults = defaults or Defaults()
    text = read_text(path)
    kind = detect_format(path, text)
    loader = _LOADERS[kind]
    articles = [a for a in loader(text, str(path.resolve())) if a.text]
    if not articles:
        raise LoadError(f"no article text found ({kind})")
    for article in articles:
        article.source = article.source or defaults.source
        article.published = article.published or normalize_date(defaults.published)
    return articles


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError("file not found") from None
    except IsADirectoryError:
        raise LoadError("is a directory") from None
    except OSError as exc:
        raise LoadError(f"unreadable: {exc.strerror or exc}") from None
    if not data.strip():
        raise LoadError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        if b"\x00" in data[:8192]:
            raise LoadError("binary file (contains NUL bytes)")
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not valid {encoding.upper().removesuffix('-SIG')} text "
            f"(byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def detect_format(path: Path, text: str) -> str:
    head = text.lstrip()[:2048].lower()
    if head.startswith(("{", "[")):
        by_ext = EXTENSIONS.get(path.suffix.lower())
        if by_ext in ("json", "jsonl"):
            return by_ext
        first_line = head.split("\n", 1)[0].strip()
        return "jsonl" if first_line.startswith("{") and first_line.endswith("}") else "json"
    if head.startswith("<"):
        if re.search(r"<(rss|feed|rdf:rdf)[\s>]", head):
            return "feed"
        if re.search(r"<(!doctype html|html|body|article|div|p)[\s>]", head):
            return "html"
    by_ext = EXTENSIONS.get(path.suffix.lower(), "text")
    return "text" if by_ext in ("feed", "json", "jsonl") else by_ext


def normalize_date(value: Any, fuzzy: bool = True) -> str | None:
    """ISO ``YYYY-MM-DD`` from the many shapes dates take in feeds and JSON; ``fuzzy=False``
    for dates people type, where a guess would be worse than an error."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value)).strftime("%Y-%m-%d")
    from dateutil import parser

    try:
        return parser.parse(str(value), fuzzy=fuzzy).strftime("%Y-%m-%d")
    except (ValueError, OverflowError):
        return None


def _split_title(text: str) -> tuple[str, str]:
    lines = text.strip().split("\n", 1)
    return lines[0].strip(), (lines[1] if len(lines) > 1 else "")


def load_text(text: str, origin: str) -> list[Article]:
    """Plain text: the first non-empty line is the title."""
    title, body = _split_title(text)
    return [Article(title=clean_title(title), text=clean_text(body), origin=origin)]


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def load_markdown(text: str, origin: str) -> list[Article]:
    """Markdown: optional ``key: value`` front matter, title from the first heading."""
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[match.end() :]
    lines = []
    for line in text.splitlines():
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        line = re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(?=\S))", "", line)
        if re.fullmatch(r"\s*([-*_]\s*){3,}", line):
            continue
        lines.append(line)
    title, body = _split_title("\n".join(lines))
    article = _from_record({**meta, "title": meta.get("title") or title, "text": body}, origin)
    return [article] if article else []


def load_html(text: str, origin: str) -> list[Article]:
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False)
    if doc is None:
        return []
    data = doc if isinstance(doc, dict) else doc.as_dict()
    record = {
        "title": data.get("title"),
        "text": data.get("text"),
        "url": data.get("url"),
        "source": data.get("sitename"),
        "author": data.get("author"),
        "published": data.get("date"),
    }
    article = _from_record(record, origin)
    return [article] if article else []


def _records(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("articles", "items", "data", "records", "results"):
            if isinstance(value.get(key), list):
                return list(value[key])
        return [value]
    raise LoadError("JSON holds neither an object nor a list of objects")


def load_json(text: str, origin: str) -> list[Article]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return _articles_from_records(_records(value), origin)


def load_jsonl(text: str, origin: str) -> list[Article]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise LoadError(f"invalid JSON on line {number} ({exc.msg})") from None
    return _articles_from_records(records, origin)


def _articles_from_records(records: list[Any], origin: str) -> list[Article]:
    articles = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            continue
        article = _from_record(record, f"{origin}#{number}")
        if article:
            articles.append(article)
    return articles


def _first(record: dict[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = _first(value, ("name", "title", "value", "href"))
    elif isinstance(value, list):
        value = ", ".join(str(_as_text(v)) for v in value if v)
    return str(value).strip() or None


def _from_record(record: dict[str, Any], origin: str) -> Article | None:
    body = _as_text(_first(record, TEXT_FIELDS))
    if not body:
        return None
    if re.search(r"<(p|div|br|span|a)[\s/>]", body, re.IGNORECASE):
        body = _html_fragment_text(body)
    title = clean_title(_as_text(record.get("title")) or "")
    text = clean_text(body)
    if not title:
        title, rest = _split_title(text)
        text = rest.strip() or text
    return Article(
        title=title,
        text=text,
        url=_as_text(_first(record, URL_FIELDS)),
        source=_as_text(_first(record, SOURCE_FIELDS)),
        author=_as_text(record.get("author") or record.get("authors")),
        published=normalize_date(_first(record, DATE_FIELDS)),
        origin=origin,
    )


def _html_fragment_text(fragment: str) -> str:
    """Feed and JSON bodies are often HTML fragments: keep paragraphs, drop tags."""
    import lxml.html

    fragment = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", fragment)
    try:
        return str(lxml.html.fromstring(f"<div>{fragment}</div>").text_content())
    except Exception:  # lxml raises several parser errors; fall back to stripping tags
        return re.sub(r"<[^>]+>", " ", fragment)


def load_feed(text: str, origin: str) -> list[Article]:
    import feedparser

    feed = feedparser.parse(text)
    if not feed.entries:
        if feed.bozo:
            raise LoadError(f"not a readable RSS/Atom feed ({feed.bozo_exception})")
        return []
    outlet = feed.feed.get("title")
    articles = []
    for number, entry in enumerate(feed.entries, start=1):
        contents = entry.get("content") or []
        body = max((c.get("value", "") for c in contents), key=len, default="")
        if len(body) < len(entry.get("summary", "")):
            body = entry.get("summary", "")
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        record = {
            "title": entry.get("title"),
            "text": body,
            "url": entry.get("link"),
            "source": outlet,
            "author": entry.get("author"),
            "published": datetime(*parsed[:6]) if parsed else entry.get("published"),
        }
        article = _from_record(record, f"{origin}#{number}")
        if article:
            articles.append(article)
    return articles


_LOADERS = {
    "text": load_text,
    "markdown": load_markdown,
    "html": load_html,
    "json": load_json,
    "jsonl": load_jsonl,
    "feed": load_feed,
}
