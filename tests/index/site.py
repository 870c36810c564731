"""A small news site on a loopback port for the fetching and feed tests: real HTTP (the
standard library's threaded server), pages and feeds that tests change between requests,
ETag / If-None-Match with 304s, robots.txt, slow and broken responses, and a log of every
request so tests can see what newsrag asked for. Nothing here reaches past 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    at: float


class Site:
    """Resources by path; every request is logged in ``hits``."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.hits: list[Hit] = []
        self.url = ""

    def put(self, path: str, body: str | bytes, **kwargs: object) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.resources[path] = Resource(data, **kwargs)  # type: ignore[arg-type]
        return self.url + path

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append(Hit(self.path, dict(self.headers), time.monotonic()))
            resource = site.resources.get(self.path)
            if resource is None:
                self._send(404, b"<html><body>Not found</body></html>", "text/html")
                return
            if resource.delay_s:
                time.sleep(resource.delay_s)
            if resource.etag and self.headers.get("If-None-Match") == resource.etag:
                self.send_response(304)
                self.send_header("ETag", resource.etag)
                self.end_headers()
                return
            extra = dict(resource.headers)
            if resource.etag:
                extra["ETag"] = resource.etag
            self._send(resource.status, resource.body, resource.content_type, extra)

        def _send(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(site: Site | None = None) -> Iterator[Site]:
    site = site or Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


PARAGRAPHS = (
    "The harbour authority of Port Avel said on Tuesday that the new ferry timetable will "
    "start on the first Monday of June, adding two crossings a day to the island of Sel.",
    "Captain Mira Olsen, who has run the morning crossing for eleven years, said the extra "
    "boats were long overdue. \u201cIn summer we leave people on the quay every weekend,\u201d "
    "she said, adding that the crews had asked for the change since 2019.",
    "The council expects the timetable to cost 1.2 million crowns a year, paid from the "
    "regional transport budget. Residents of Sel will travel free in the winter months.",
    "Shop owners on the island welcomed the news. Several said late-evening boats would let "
    "visitors stay for dinner instead of rushing back to the mainland at six o'clock.",
)


def article_page(
    title: str,
    paragraphs: tuple[str, ...] = PARAGRAPHS,
    published: str = "2024-05-14",
    canonical: str | None = None,
    author: str = "Jonas Berg",
    site_name: str = "Avel Courier",
) -> str:
    """A news page as publishers write them: metadata in <head>, navigation, the article."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {site_name}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site_name}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{published}T08:00:00Z">
{link}
</head><body>
<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
<p class="byline">By {author}</p>
{body}
</article>
<footer>&copy; 2024 {site_name}</footer>
</body></html>"""


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed; an item's ``content`` becomes content:encoded."""
    parts = []
    for item in items:
        content = (
            f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>"
            if "content" in item
            else ""
        )
        parts.append(
            f"<item><title>{item['title']}</title><link>{item['link']}</link>"
            f"<guid>{item['guid']}</guid>"
            f"<pubDate>{item.get('date', 'Tue, 14 May 2024 08:00:00 GMT')}</pubDate>"
            f"<description>{item.get('summary', 'A short summary.')}</description>"
            f"{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{title}</title><link>http://127.0.0.1/</link>"
        f"<description>News</description>{''.join(parts)}</channel></rss>"
    )
