"""Read news articles from files: text, Markdown, HTML, JSON/JSONL records and RSS/Atom feeds.

The format is picked by extension, then confirmed or overridden by sniffing the content, so
a feed saved as ``.xml`` or an HTML page saved as ``.txt`` still loads. Every failure names
the file and the reason and never stops the other files from loading: a FIFO, a device, a
file over the size limit, JSON nested 100,000 deep or a page of navigation links is a
named, skipped input. A publication date that cannot be read is a warning: the article is
kept, undated (index/dates.py).

HTML is read as a browser shows it: elements hidden from readers (``hidden``,
``aria-hidden="true"``, ``<template>``, ``display:none``, ``visibility:hidden``,
``font-size:0``, ``opacity:0``) are removed before text extraction, so text planted for
machines is neither stored nor quoted.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.cleaning import clean_text, clean_title, has_main_text
from index.dates import DateError, normalize_date, parse_date
from index.documents import Article

if TYPE_CHECKING:
    from lxml.html import HtmlElement

from index.identity import RECORD_ID_FIELDS, record_origin

__all__ = ["normalize_date"]  # re-exported: callers read dates through the loaders

# Field names of records in JSON/JSONL files, the first present wins: newsrag's own, common
# scraper and API exports, and schema.org's NewsArticle (headline, articleBody,
# datePublished, author.name, publisher.name; also found inside an "@graph").
TITLE_FIELDS = ("title", "headline")
TEXT_FIELDS = ("text", "body", "articleBody", "article_body", "content", "article", "maintext")
URL_FIELDS = ("url", "link", "canonical_url", "mainEntityOfPage")
SOURCE_FIELDS = ("source", "outlet", "publisher", "site", "sitename", "site_name")
DATE_FIELDS = (
    "published",
    "date",
    "published_at",
    "publishedAt",
    "datePublished",
    "date_published",
    "pubDate",
    "datetime",
)
AUTHOR_FIELDS = ("author", "authors", "byline", "creator")
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
    """A skipped input (or, in ``LoadResult.warnings``, a kept one with a problem)."""

    path: str
    reason: str


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    warnings: list[LoadFailure] = field(default_factory=list)  # e.g. unreadable dates


@dataclass(frozen=True)
class Limits:
    """Bounds on one input, so that no file can take the process's memory or hours of
    work: ``max_file_bytes`` for a file read from disk (a JSONL collection may be large),
    ``max_article_chars`` for one article's text (NEWSRAG_MAX_FILE_BYTES and
    NEWSRAG_MAX_ARTICLE_CHARS in index/settings.py)."""

    max_file_bytes: int = 64_000_000
    max_article_chars: int = 2_000_000

    @classmethod
    def of(cls, settings: Any) -> Limits:
        return cls(settings.max_file_bytes, settings.max_article_chars)


@dataclass
class Defaults:
    """Metadata applied where a file lacks it (the CLI's --source and --published)."""

    source: str | None = None
    published: str | None = None


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths, directories walked recursively, hidden files skipped.
    Anything that is not a directory is yielded (a FIFO or device too), so that the reader
    can name it as skipped rather than have it vanish."""
    for path, _ in _walk(paths):
        yield path


def _walk(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for each input, or (path, reason) where even looking at it failed."""
    for path in paths:
        try:
            is_dir = path.is_dir()
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte, no permission
            yield path, _os_reason(exc)
            continue
        if not is_dir:
            yield path, None
            continue
        try:
            children = sorted(path.rglob("*"))
        except OSError as exc:
            yield path, _os_reason(exc)
            continue
        for child in children:
            rel = child.relative_to(path).parts
            if any(p.startswith(".") for p in rel):
                continue
            try:
                if child.is_dir():
                    continue
            except OSError as exc:
                yield child, _os_reason(exc)
                continue
            yield child, None


def load_paths(
    paths: Iterable[Path], defaults: Defaults | None = None, limits: Limits | None = None
) -> LoadResult:
    """Every article under ``paths``; each input that yields none is a named failure and
    the others still load, whatever is wrong with it."""
    result = LoadResult()
    for file, problem in _walk(paths):
        if problem:
            result.failures.append(LoadFailure(str(file), problem))
            continue
        try:
            found = read_file(file, defaults, limits)
        except LoadError as exc:
            result.failures.append(LoadFailure(str(file), str(exc)))
            continue
        except Exception as exc:  # a parser's own bug must not end the batch
            reason = f"could not be read ({type(exc).__name__}: {str(exc)[:200]})"
            result.failures.append(LoadFailure(str(file), reason))
            continue
        result.articles.extend(found.articles)
        result.failures.extend(found.failures)
        result.warnings.extend(found.warnings)
    return result


def load_file(
    path: Path, defaults: Defaults | None = None, limits: Limits | None = None
) -> list[Article]:
    """Articles in one file; raises LoadError naming the reason when there are none."""
    return read_file(path, defaults, limits).articles


def read_file(
    path: Path, defaults: Defaults | None = None, limits: Limits | None = None
) -> LoadResult:
    """Articles in one file with the records skipped and the warnings, each named
    ``path`` or ``path#record``; raises LoadError when the file yields no article."""
    defaults = defaults or Defaults()
    limits = limits or Limits()
    text = read_text(path, limits.max_file_bytes)
    kind = detect_format(path, text)
    single_limit = limits.max_article_chars * (5 if kind == "html" else 1)  # markup
    if kind in ("text", "markdown", "html") and len(text) > single_limit:
        raise LoadError(
            f"{len(text):,} characters of {kind}, more than the article limit of "
            f"{single_limit:,} (NEWSRAG_MAX_ARTICLE_CHARS)"
        )
    origin = str(path.resolve())
    notes: list[LoadFailure] = []
    try:
        loaded = _LOADERS[kind](text, origin, notes)
    except RecursionError:
        raise LoadError(f"nested too deeply to read ({kind})") from None
    except MemoryError:
        raise LoadError(f"too large to parse in memory ({kind})") from None
    result = LoadResult(warnings=[_renamed(n, origin, str(path)) for n in notes])
    for article in loaded:
        if not article.text:
            continue
        if len(article.text) > limits.max_article_chars:
            result.failures.append(
                LoadFailure(
                    _renamed_path(article.origin, origin, str(path)),
                    f"article text of {len(article.text):,} characters is over the limit of "
                    f"{limits.max_article_chars:,} (NEWSRAG_MAX_ARTICLE_CHARS)",
                )
            )
            continue
        result.articles.append(article)
    if not result.articles:
        if result.failures and len(result.failures) == 1 and "#" not in article_origin(loaded):
            raise LoadError(result.failures[0].reason)
        if not result.failures:
            raise LoadError(f"no article text found ({kind})")
    default_date = parse_date(defaults.published, fuzzy=False) if defaults.published else None
    for article in result.articles:
        article.source = article.source or defaults.source
        article.published = article.published or default_date
    return result


def article_origin(articles: list[Article]) -> str:
    return articles[0].origin if articles else ""


def _renamed(note: LoadFailure, origin: str, shown: str) -> LoadFailure:
    return LoadFailure(_renamed_path(note.path, origin, shown), note.reason)


def _renamed_path(path: str, origin: str, shown: str) -> str:
    """Report a record as the user named its file, not by its resolved path."""
    return shown + path[len(origin) :] if path.startswith(origin) else path


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError):
        return f"unreadable: {exc.strerror or exc}"
    return f"not a usable path ({exc})"


_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def read_text(path: Path, max_bytes: int = Limits.max_file_bytes) -> str:
    """The decoded text of a regular file of at most ``max_bytes``.

    Opened without blocking and checked with fstat on the open descriptor (no race with a
    swap to a FIFO after a stat), then read to at most ``max_bytes + 1`` bytes: a pipe, a
    device such as /dev/zero or a file that grows while read can neither hang the reader
    nor fill its memory."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:
        if isinstance(exc, IsADirectoryError):
            raise LoadError("is a directory") from None
        raise LoadError(_os_reason(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise LoadError(f"not a regular file: {kind}")
        chunks = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise LoadError(_os_reason(exc)) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise LoadError(f"larger than the limit of {max_bytes:,} bytes (NEWSRAG_MAX_FILE_BYTES)")
    data = b"".join(chunks)
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


def _split_title(text: str) -> tuple[str, str]:
    lines = text.strip().split("\n", 1)
    return lines[0].strip(), (lines[1] if len(lines) > 1 else "")


# A "title" that only names the outlet or the dateline: "CNN —", "(CNN)", "WASHINGTON (AP) -",
# "LONDON, March 5 (Reuters) –". Wire copy puts these on the first line.
_DASHES = " \t-–—:|"
_DATELINE = re.compile(
    r"(?:[A-Z][A-Z.'’ -]*(?:,\s*[A-Z][a-z]+\.?\s+\d{1,2})?\s*)?(?:\([A-Za-z0-9 .&'’-]+\))?"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s")
TITLE_WORDS = 14  # words of the first sentence a stand-in title keeps


def is_placeholder_title(title: str, source: str | None = None) -> bool:
    """True for a title that names only the outlet or the dateline (or is a bare date), so
    that a reader could not tell the article from any other of that outlet."""
    bare = title.strip(_DASHES)
    if not bare:
        return True
    if source and bare.lower() == source.strip().lower():
        return True
    dashed = title.rstrip() != title.rstrip().rstrip("-–—:|").rstrip()
    if _DATELINE.fullmatch(bare) and (dashed or bare.startswith("(") or bare.endswith(")")):
        return True
    if len(bare) <= 40:
        try:
            return parse_date(bare, fuzzy=False) is not None  # a bare date, nothing else
        except DateError:
            return False
    return False


HEADLINE_WORDS = 25  # a longer first line is a paragraph, not a headline


def _reads_as_headline(line: str, source: str | None = None) -> bool:
    """A first line that can be a title: short, not a dateline or outlet, and not ending
    like a sentence (a lede ends in a full stop; a headline may end in "?" or "!")."""
    return (
        not is_placeholder_title(line, source)
        and len(line.split()) <= HEADLINE_WORDS
        and not re.search(r"[.…][\"'”’)]?$", line)
    )


def title_from_text(text: str) -> str:
    """A stand-in title: the first sentence's words (its dateline removed), at most
    ``TITLE_WORDS`` of them."""
    body = text.strip()
    lead = re.match(r"(?:" + _DATELINE.pattern + r")\s*[-–—:]+\s+", body)
    if lead and lead.group(0).strip(_DASHES):
        body = body[lead.end() :]
    first = _SENTENCE_END.split(body, maxsplit=1)[0].split("\n\n", 1)[0]
    words = first.split()
    title = " ".join(words[:TITLE_WORDS]).rstrip(".,;:")
    return title + ("…" if len(words) > TITLE_WORDS else "")


Notes = list[LoadFailure]


def load_text(text: str, origin: str, notes: Notes) -> list[Article]:
    """Plain text: the first non-empty line is the title, unless it is only a dateline or
    an outlet ("CNN —"): then it stays in the text and the first sentence titles it."""
    title, body = _split_title(text)
    if is_placeholder_title(title):
        body = text
        title = title_from_text(clean_text(body)) or title
    return [Article(title=clean_title(title), text=clean_text(body), origin=origin)]


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def load_markdown(text: str, origin: str, notes: Notes) -> list[Article]:
    """Markdown: optional ``key: value`` front matter. The title is front matter's
    ``title:``, else the first line when it is a ``#`` heading, else the first line; a
    paragraph is never taken for the title when the front matter names one."""
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[match.end() :]
    first = text.strip().split("\n", 1)[0]
    heading_match = re.match(r"\s{0,3}#{1,6}\s+(.*)", first)
    heading = None
    lines = []
    for line in text.splitlines():
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        line = re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(?=\S))", "", line)
        if re.fullmatch(r"\s*([-*_]\s*){3,}", line):
            continue
        lines.append(line)
    if heading_match:  # the first line, its "#" removed above
        heading = next(line.strip() for line in lines if line.strip())
    body = "\n".join(lines)
    title = meta.get("title") or meta.get("headline") or ""
    if heading is not None and (not title or clean_title(heading) == clean_title(title)):
        title = title or heading  # the heading is the title: not part of the text
        body = body.replace(heading, "", 1)
    elif not title:
        title, body = _split_title(body)  # no title anywhere: the first line, as in text
    record = {**meta, "title": title, "text": body}
    article = _from_record(record, origin, notes)
    return [article] if article else []


def load_html(text: str, origin: str, notes: Notes) -> list[Article]:
    """The page's main text and metadata, by trafilatura, from what a reader would see.

    Dates come from the page's metadata only (htmldate without its extensive search, which
    falls back to a copyright year and reports it as January 1st)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        _visible_tree(text),
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        return []
    data = doc if isinstance(doc, dict) else doc.as_dict()
    if data.get("text") and not has_main_text(str(data["text"])):
        raise LoadError("no main text: the page holds only navigation or link lists")
    record = {
        "title": data.get("title"),
        "text": data.get("text"),
        "url": data.get("url"),
        "source": data.get("sitename"),
        "author": data.get("author"),
        "published": data.get("date"),
    }
    article = _from_record(record, origin, notes)
    return [article] if article else []


_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)"
    r"|font-size\s*:\s*0*\.?0+(?:px|pt|em|rem|%|vw|vh|ex|ch)?|opacity\s*:\s*0*\.?0+)"
    r"\s*(?:!\s*important\s*)?(?:;|$)",
    re.IGNORECASE,
)
_HIDDEN_XPATH = "//*[@hidden] | //template | //*[@aria-hidden] | //*[@style]"


def _drop_hidden(root: HtmlElement, also: tuple[str, ...] = ()) -> HtmlElement:
    """Remove what a browser would not show a reader (and the tags in ``also``); the text
    after a removed element is kept."""
    for element in root.xpath(_HIDDEN_XPATH + "".join(f" | //{tag}" for tag in also)):
        if _is_hidden(element, also) and element.getparent() is not None:
            element.drop_tree()
    return root


def _is_hidden(element: HtmlElement, also: tuple[str, ...]) -> bool:
    if element.tag == "template" or element.tag in also or element.get("hidden") is not None:
        return True
    if (element.get("aria-hidden") or "").strip().lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def _visible_tree(html: str) -> HtmlElement:
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8")
    return _drop_hidden(lxml.html.document_fromstring(html.encode("utf-8"), parser=parser))


# schema.org types whose objects are articles (JSON-LD); others in an "@graph" (the
# WebPage, the Organization, the BreadcrumbList) are metadata around them.
ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
}


def _records(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [r for item in value for r in _graph(item)]
    if isinstance(value, dict):
        for key in ("articles", "items", "data", "records", "results"):
            if isinstance(value.get(key), list):
                return [r for item in value[key] for r in _graph(item)]
        return _graph(value)
    raise LoadError("JSON holds neither an object nor a list of objects")


def _graph(record: Any) -> list[Any]:
    """A JSON-LD ``{"@graph": [...]}`` gives its article objects; anything else is itself."""
    if isinstance(record, dict) and isinstance(record.get("@graph"), list):
        return [r for r in record["@graph"] if _is_article_type(r)]
    return [record]


def _is_article_type(record: Any) -> bool:
    if not isinstance(record, dict):
        return False
    kinds = record.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(n, str) and n.lower() in ARTICLE_TYPES for n in names)


def load_json(text: str, origin: str, notes: Notes) -> list[Article]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise LoadError("invalid JSON (nested too deeply)") from None
    return _articles_from_records(_records(value), origin, notes)


def load_jsonl(text: str, origin: str, notes: Notes) -> list[Article]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise LoadError(f"invalid JSON on line {number} ({exc.msg})") from None
        except RecursionError:
            raise LoadError(f"invalid JSON on line {number} (nested too deeply)") from None
    return _articles_from_records(records, origin, notes)


def _articles_from_records(records: list[Any], origin: str, notes: Notes) -> list[Article]:
    articles = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            continue
        if isinstance(record.get("@graph"), list):  # a JSONL line holding a JSON-LD graph
            found = [r for r in _graph(record) if isinstance(r, dict)]
            if not found:
                continue
            record = found[0]
        record_id = _as_text(_first(record, RECORD_ID_FIELDS))
        article = _from_record(record, record_origin(origin, number, record_id), notes)
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
        value = _first(value, ("name", "title", "value", "href", "@id", "url"))
    elif isinstance(value, list):
        value = ", ".join(str(_as_text(v)) for v in value if v)
    return str(value).strip() or None


def _date_of(value: Any, origin: str, notes: Notes) -> str | None:
    """The publication date, or None with a warning naming the value: an article with an
    unreadable date is kept undated, never dated today."""
    try:
        return parse_date(value)
    except DateError as exc:
        notes.append(LoadFailure(origin, f"publication date not read, ingested undated: {exc}"))
        return None


def _from_record(record: dict[str, Any], origin: str, notes: Notes) -> Article | None:
    body = _as_text(_first(record, TEXT_FIELDS))
    if not body:
        return None
    if re.search(r"<(p|div|br|span|a)[\s/>]", body, re.IGNORECASE):
        body = _html_fragment_text(body)
    title = clean_title(_as_text(_first(record, TITLE_FIELDS)) or "")
    text = clean_text(body)
    source = _as_text(_first(record, SOURCE_FIELDS))
    if not title:  # the first line, when it reads as a headline; never the lede
        first, rest = _split_title(text)
        if _reads_as_headline(first, source) and rest.strip():
            title, text = first, rest.strip()
    if is_placeholder_title(title, source):  # "CNN —", or none: the first sentence's words
        title = title_from_text(text) or title
    return Article(
        title=title,
        text=text,
        url=_as_text(_first(record, URL_FIELDS)),
        source=source,
        author=_as_text(_first(record, AUTHOR_FIELDS)),
        published=_date_of(_first(record, DATE_FIELDS), origin, notes),
        origin=origin,
    )


def _html_fragment_text(fragment: str) -> str:
    """Feed and JSON bodies are often HTML fragments: keep paragraphs, drop tags."""
    import lxml.html

    fragment = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", fragment)
    try:
        root = lxml.html.fromstring(f"<div>{fragment}</div>")
        return str(_drop_hidden(root, ("script", "style")).text_content())
    except Exception:  # lxml raises several parser errors; fall back to stripping tags
        return re.sub(r"<[^>]+>", " ", fragment)


def load_feed(text: str, origin: str, notes: Notes) -> list[Article]:
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
        article = _from_record(record, record_origin(origin, number, entry.get("id")), notes)
        if article:
            articles.append(article)
    return articles


_LOADERS: dict[str, Callable[[str, str, Notes], list[Article]]] = {
    "text": load_text,
    "markdown": load_markdown,
    "html": load_html,
    "json": load_json,
    "jsonl": load_jsonl,
    "feed": load_feed,
}
