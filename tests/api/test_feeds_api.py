"""POST /feeds and GET /feeds on a real server, polling a feed served from a second loopback
site: the job's result, conditional GET on the next poll, state, keys and bad requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running
from tests.index.site import Site, article_page, rss, serving

KEY = "feeds-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serving() as running_site:
        for name in ("one", "two"):
            running_site.put(f"/news/{name}", article_page(f"Story {name}"))
        items = [
            {"title": f"Story {n}", "link": f"{running_site.url}/news/{n}", "guid": n}
            for n in ("one", "two", "gone")
        ]
        running_site.put("/rss", rss("Courier", items), content_type="text/xml", etag='"v1"')
        yield running_site


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[httpx.Client]:
    index: Path = tmp_path_factory.mktemp("feeds-api") / "index"
    settings = Settings(
        index_dir=index,
        api_keys=[KEY],  # type: ignore[list-item]
        rate_limit_per_minute=0,
        fetch_host_interval_s=0.0,
        fetch_private_hosts=True,  # the site is on loopback
    )
    with running(settings, embedder) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield http


def test_a_feed_is_registered_polled_and_listed(client: httpx.Client, site: Site) -> None:
    feed = site.url + "/rss"
    first = client.post("/feeds", json={"urls": [feed]}, headers=AUTH)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "done" and body["job_id"]
    [poll] = body["feeds"]
    assert (poll["url"], poll["status"], poll["new_items"], poll["added"]) == (feed, "ok", 3, 2)
    assert poll["failed"] == [{"path": site.url + "/news/gone", "reason": "HTTP 404 Not Found"}]

    again = client.post("/feeds", json={"urls": [feed]}, headers=AUTH).json()
    assert again["feeds"][0]["status"] == "not modified"
    assert site.hits[-1].path == "/rss" and site.hits[-1].headers["If-None-Match"] == '"v1"'

    [state] = client.get("/feeds", headers=AUTH).json()
    assert state["url"] == feed and state["title"] == "Courier"
    assert (state["polls"], state["items_seen"], state["articles_added"]) == (2, 2, 2)
    assert state["last_status"] == "not modified" and state["etag"] == '"v1"'
    stats = client.get("/stats", headers=AUTH).json()
    assert stats["articles"] == 2


def test_polling_without_waiting_is_a_job(client: httpx.Client, site: Site) -> None:
    site.put("/news/three", article_page("Story three"))
    item = {"title": "Story three", "link": f"{site.url}/news/three", "guid": "three"}
    site.put("/other", rss("Other", [item]), content_type="application/rss+xml")
    started = client.post("/feeds?wait=false", json={"urls": [site.url + "/other"]}, headers=AUTH)
    assert started.status_code == 202 and started.headers["Location"].startswith("/jobs/")
    deadline = time.monotonic() + 60
    while True:
        job = client.get(started.headers["Location"], headers=AUTH).json()
        if job["status"] in ("done", "failed", "cancelled") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "done" and job["result"]["added"] == 1


def test_bad_requests_and_missing_keys_are_refused(client: httpx.Client, site: Site) -> None:
    assert client.post("/feeds", json={"urls": [site.url + "/rss"]}).status_code == 401
    assert client.get("/feeds").status_code == 401
    for body in (
        {"urls": ["file:///etc/passwd"]},
        {"urls": []},
        {"urls": "http://x/feed"},
        {"urls": [site.url + "/rss"], "every": "1m"},
        {},
    ):
        refused = client.post("/feeds", json=body, headers=AUTH)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/json")
    named = client.post("/feeds", json={"urls": ["file:///etc/passwd"]}, headers=AUTH).text
    assert "file:///etc/passwd" in named and "not an http(s) feed URL" in named


def test_by_default_the_server_fetches_no_private_address(
    tmp_path: Path, embedder: Embedder, site: Site
) -> None:
    settings = Settings(index_dir=tmp_path / "index", rate_limit_per_minute=0)
    before = len(site.hits)
    with running(settings, embedder) as url:
        polled = httpx.post(url + "/feeds", json={"urls": [site.url + "/rss"]}, timeout=60)
    [feed] = polled.json()["feeds"]
    assert feed["status"] == "error"
    assert feed["error"].startswith("refused: 127.0.0.1 is a non-public address")
    assert len(site.hits) == before  # not even robots.txt was asked
