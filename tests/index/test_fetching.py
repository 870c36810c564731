"""Fetching pages over real HTTP from a loopback site: metadata, identity, robots.txt, the
per-host rate, and a clear reason for every URL that fails."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from index.fetching import (
    FEED_TYPES,
    Fetcher,
    FetchError,
    FetchPolicy,
    fetch_article,
    fetch_urls,
    is_url,
)
from index.loaders import Defaults
from tests.index.site import PARAGRAPHS, Site, article_page, serving

QUICK = FetchPolicy(timeout_s=1.0, min_interval_s=0.0)


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        running.put(
            "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
        )
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(QUICK) as client:
        yield client


def test_a_page_becomes_an_article_with_its_metadata(site: Site, fetcher: Fetcher) -> None:
    url = site.put("/local/ferry?utm_source=rss", article_page("Ferries to Sel twice more a day"))
    article = fetch_article(fetcher, url)
    assert article.title == "Ferries to Sel twice more a day"
    assert "two crossings a day to the island of Sel" in article.text
    assert "eleven years" in article.text and "dinner" in article.text
    assert "Home" not in article.text and "©" not in article.text
    assert article.published == "2024-05-14"
    assert article.source == "Avel Courier"
    assert article.author == "Jonas Berg"
    assert article.url == url
    assert article.origin == url


def test_the_canonical_url_on_the_same_host_is_the_identity(site: Site, fetcher: Fetcher) -> None:
    canonical = site.url + "/local/ferry"
    first = fetch_article(
        fetcher, site.put("/a?utm_source=x", article_page("Ferries", canonical=canonical))
    )
    assert first.url == canonical
    # A page cannot claim another site's article: its own URL is kept.
    other = fetch_article(
        fetcher, site.put("/b", article_page("Ferries", canonical="https://example.com/x"))
    )
    assert other.url == site.url + "/b"


def test_a_redirect_is_followed_and_the_final_url_kept(site: Site, fetcher: Fetcher) -> None:
    target = site.put("/local/ferry", article_page("Ferries"))
    moved = site.put("/old", "", status=301, headers={"Location": "/local/ferry"})
    assert fetch_article(fetcher, moved).url == target


def test_each_failing_url_is_named_with_its_reason_and_the_rest_load(site: Site) -> None:
    good = site.put("/good", article_page("Ferries"))
    slow = site.put("/slow", article_page("Slow"), delay_s=3.0)
    pdf = site.put("/report.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    nav = site.put(
        "/nav", "<html><body><nav><a href='/'>Home</a> | <a>World</a></nav></body></html>"
    )
    huge = site.put("/huge", article_page("Huge", PARAGRAPHS * 400))
    private = site.put("/private/memo", article_page("Memo"))
    loop = site.put("/loop", "", status=302, headers={"Location": "/loop"})
    ftp = site.put("/to-ftp", "", status=302, headers={"Location": "ftp://127.0.0.1/x"})
    missing = site.url + "/gone"
    policy = FetchPolicy(timeout_s=0.5, max_bytes=200_000, max_redirects=3, min_interval_s=0.0)
    urls = [missing, good, slow, pdf, nav, huge, private, loop, ftp]
    with Fetcher(policy) as fetcher:
        result = fetch_urls(urls, fetcher, Defaults(source="Fallback"))
    assert [a.url for a in result.articles] == [good]
    assert result.articles[0].source == "Avel Courier"  # the page's own outlet wins
    reasons = {f.path: f.reason for f in result.failures}
    assert reasons[missing] == "HTTP 404 Not Found"
    assert reasons[slow] == "timed out after 0.5 s (NEWSRAG_FETCH_TIMEOUT_S)"
    assert reasons[pdf] == "not HTML: content type 'application/pdf'"
    assert reasons[nav].startswith("no main text")
    assert reasons[huge].startswith("too large:") and "NEWSRAG_FETCH_MAX_BYTES" in reasons[huge]
    assert reasons[private] == "disallowed by robots.txt"
    assert reasons[loop] == "more than 3 redirects"
    assert reasons[ftp] == "not an http(s) URL (redirected to ftp://127.0.0.1/x)"
    assert len(result.failures) == len(urls) - 1


def test_a_redirect_into_a_disallowed_path_is_refused(site: Site, fetcher: Fetcher) -> None:
    site.put("/private/page", article_page("Memo"))
    sneaky = site.put("/public", "", status=302, headers={"Location": "/private/page"})
    with pytest.raises(FetchError) as caught:
        fetch_article(fetcher, sneaky)
    assert caught.value.reason.startswith("disallowed by robots.txt (redirected to")
    assert "/private/page" not in site.paths()


def test_robots_txt_is_read_once_per_host_and_a_server_error_closes_the_host() -> None:
    with serving() as site, Fetcher(QUICK) as fetcher:
        site.put("/robots.txt", "User-agent: newsrag\nDisallow: /\n", content_type="text/plain")
        page = site.put("/a", article_page("A"))
        assert not fetcher.allowed(page)  # the rules name our agent
        assert not fetcher.allowed(site.url + "/b")
        assert site.paths().count("/robots.txt") == 1
    with serving() as site, Fetcher(QUICK) as fetcher:
        site.put("/robots.txt", "oops", status=503, content_type="text/plain")
        with pytest.raises(FetchError, match=r"robots\.txt answered HTTP 503, so not fetched"):
            fetcher.get(site.put("/a", article_page("A")))
        assert "/a" not in site.paths()
    with serving() as site, Fetcher(QUICK) as fetcher:  # no robots.txt at all: allowed
        assert fetch_article(fetcher, site.put("/a", article_page("A"))).title == "A"


def test_one_host_is_asked_at_most_once_per_interval() -> None:
    with serving() as site, Fetcher(FetchPolicy(timeout_s=2.0, min_interval_s=0.5)) as fetcher:
        pages = [site.put(f"/p{n}", article_page(f"P{n}")) for n in range(3)]
        for page in pages:
            fetcher.get(page)
        times = [hit.at for hit in site.hits]  # robots.txt, then the three pages
        assert len(times) == 4
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 0.4, gaps  # 0.5 s, less the server's own scheduling jitter
        # Another host (same server under another name) does not wait for this one.
        fetcher.get(pages[0].replace("127.0.0.1", "localhost"))  # its robots.txt, then p0
        assert [hit.path for hit in site.hits[4:]] == ["/robots.txt", "/p0"]
        assert site.hits[4].at - times[-1] < 0.35  # at once: 127.0.0.1's turn is not its turn
        assert site.hits[5].at - site.hits[4].at >= 0.4


def test_the_per_host_clock_spaces_requests_exactly() -> None:
    """The same rule on a clock the test drives: each wait is what is left of the interval."""
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    fetcher = Fetcher(FetchPolicy(min_interval_s=2.0), clock=lambda: now[0], sleep=sleep)
    for url in ("http://a.test/1", "http://a.test/2", "http://b.test/1", "http://a.test/3"):
        fetcher._wait_turn(url)
        now[0] += 0.5  # the request itself
    assert slept == [1.5, 1.0]  # a.test/2 and a.test/3 wait; b.test's first turn is free
    fetcher.close()


def test_conditional_get_answers_not_modified(site: Site, fetcher: Fetcher) -> None:
    url = site.put("/feed.xml", "<rss/>", content_type="application/rss+xml", etag='"v1"')
    first = fetcher.get(url, FEED_TYPES)
    assert first.etag == '"v1"' and not first.not_modified
    again = fetcher.get(url, FEED_TYPES, etag=first.etag)
    assert again.not_modified and again.body == b""
    assert site.hits[-1].headers.get("If-None-Match") == '"v1"'


def test_the_charset_of_the_response_decodes_the_page(site: Site, fetcher: Fetcher) -> None:
    page = article_page("Ålesund ferry", ("Fjord crossings to Ålesund resume. " * 20,))
    url = site.put(
        "/latin",
        page.encode("latin-1", errors="replace"),
        content_type="text/html; charset=iso-8859-1",
    )
    article = fetch_article(fetcher, url)
    assert article.title == "Ålesund ferry"
    assert "Ålesund resume" in article.text


def test_only_http_urls_are_urls() -> None:
    assert is_url("https://example.com/a") and is_url("HTTP://x")
    assert not is_url("samples/corpus") and not is_url("ftp://x") and not is_url("/tmp/https://")


def test_a_server_fetcher_refuses_non_public_addresses(site: Site) -> None:
    page = site.put("/a", article_page("A"))
    with Fetcher(FetchPolicy(allow_private=False)) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.get(page)
        assert caught.value.reason == (
            "refused: 127.0.0.1 is a non-public address (127.0.0.1); "
            "NEWSRAG_FETCH_PRIVATE_HOSTS allows it"
        )
        with pytest.raises(FetchError, match="refused: localhost is a non-public address"):
            fetcher.get(page.replace("127.0.0.1", "localhost"))
    assert site.hits == []
