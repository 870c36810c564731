"""`newsrag ingest URL...`, `newsrag watch` and `newsrag feeds` as a user runs them, against
a news site on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_newsrag
from tests.index.site import article_page, rss, serving

QUICK = {"NEWSRAG_FETCH_HOST_INTERVAL_S": "0", "NEWSRAG_FETCH_TIMEOUT_S": "2"}


@pytest.mark.slow
def test_ingest_takes_files_and_urls_and_names_each_failing_url(tmp_path: Path) -> None:
    local = tmp_path / "local.txt"
    local.write_text("Harbour fees\n\nThe harbour master said mooring fees rise by ten percent.")
    with serving() as site:
        site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        good = site.put("/news/ferry", article_page("Ferries to Sel twice more a day"))
        private = site.put("/private/memo", article_page("Memo"))
        missing = site.url + "/news/gone"
        index = tmp_path / "idx"
        result = run_newsrag(
            "ingest", str(local), good, missing, private, "--index", str(index), env=QUICK
        )
    assert result.returncode == 0, result.stderr
    assert "added 2, updated 0, unchanged 0, failed 2" in result.stdout
    assert f"skipped {missing}: HTTP 404 Not Found" in result.stderr
    assert f"skipped {private}: disallowed by robots.txt" in result.stderr
    question = "How many crossings a day does the new ferry timetable add?"
    asked = run_newsrag("ask", question, "--json", "--index", str(index))
    answer = json.loads(asked.stdout)  # the page is an article under its URL, with its metadata
    cited = answer["citations"][0]
    assert (cited["url"], cited["source"], cited["published"]) == (
        good,
        "Avel Courier",
        "2024-05-14",
    )
    assert "two crossings a day" in answer["answer"]


@pytest.mark.slow
def test_watch_polls_once_and_feeds_shows_the_state(tmp_path: Path) -> None:
    index = tmp_path / "idx"
    with serving() as site:
        site.put("/news/one", article_page("Ferries to Sel twice more a day"))
        items = [{"title": "Ferries", "link": site.url + "/news/one", "guid": "one"}]
        feed = site.put("/rss", rss("Courier", items), content_type="text/xml", etag='"a"')
        first = run_newsrag("watch", feed, "--once", "--index", str(index), env=QUICK)
        assert first.returncode == 0, first.stderr
        assert f"{feed}: 1 new, added 1, updated 0, failed 0" in first.stdout
        again = run_newsrag("watch", "--once", "--index", str(index), env=QUICK)  # registered
        assert again.returncode == 0, again.stderr
        assert f"{feed}: not modified" in again.stdout
    shown = run_newsrag("feeds", "--json", "--index", str(index))
    [state] = json.loads(shown.stdout)
    assert (state["url"], state["title"], state["polls"], state["articles_added"]) == (
        feed,
        "Courier",
        2,
        1,
    )
    table = run_newsrag("feeds", "--index", str(index))
    assert feed in table.stdout and "not modified" in table.stdout


def test_watch_refuses_bad_feeds_and_intervals(tmp_path: Path) -> None:
    index = str(tmp_path / "idx")
    bad = run_newsrag("watch", "feeds.xml", "--once", "--index", index)
    assert bad.returncode == 2 and "'feeds.xml' is not an http(s) feed URL" in bad.stderr
    often = run_newsrag("watch", "http://127.0.0.1:9/rss", "--every", "10s", "--index", index)
    assert often.returncode == 2 and "too often" in often.stderr
    garbled = run_newsrag("watch", "http://127.0.0.1:9/rss", "--every", "soon", "--index", index)
    assert garbled.returncode == 2 and "'soon' is not a duration" in garbled.stderr
    none = run_newsrag("watch", "--once", "--index", index)
    assert none.returncode == 2 and "no feeds" in none.stderr
    assert not (tmp_path / "idx").exists()  # refusing made nothing
