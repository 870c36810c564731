"""HTTP ingests run as jobs: 202 + GET/DELETE /jobs/{id}, bounded batches, hostile uploads
named instead of a 500, and a client that goes away stops its ingest."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running


def batch(prefix: str, count: int, sentences: int = 30) -> dict[str, Any]:
    return {
        "articles": [
            {
                "title": f"{prefix} report {i}",
                "url": f"https://{prefix}.example/{i}",
                "text": " ".join(
                    f"The {prefix} board met for session {i} and approved item {j}."
                    for j in range(sentences)
                ),
            }
            for i in range(count)
        ]
    }


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[str]:
    settings = Settings(
        index_dir=tmp_path_factory.mktemp("jobs") / "idx",
        rate_limit_per_minute=0,
        commit_every=16,
        max_body_bytes=2_000_000,
    )
    with running(settings, embedder) as base:
        yield base


@pytest.fixture
def http(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=300) as client:
        yield client


def wait_for(http: httpx.Client, job_id: str, seconds: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = http.get(f"/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {seconds} s")


def test_async_ingest_returns_a_job_to_poll(http: httpx.Client) -> None:
    response = http.post("/articles?wait=false", json=batch("async", 3))
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['job_id']}"
    assert job["status"] in ("queued", "running", "done")
    finished = wait_for(http, job["job_id"])
    assert finished["status"] == "done"
    assert finished["result"]["added"] == 3 and finished["result"]["job_id"] == job["job_id"]
    assert (finished["done"], finished["total"]) == (3, 3)
    missing = http.get("/jobs/0123456789abcdef")
    assert missing.status_code == 404 and "no job" in missing.json()["error"]


def test_a_small_upload_gets_in_while_a_large_one_runs(http: httpx.Client) -> None:
    large = http.post("/articles?wait=false", json=batch("large", 60)).json()
    before = 3  # from the test above
    deadline = time.monotonic() + 120
    while http.get("/stats").json()["articles"] == before:  # a first batch is committed
        assert time.monotonic() < deadline
        time.sleep(0.1)
    started = time.monotonic()
    small = http.post(
        "/articles",
        files={"file": ("small.txt", b"Small note\n\nThe pier reopened on Monday morning.")},
    )
    elapsed = time.monotonic() - started
    assert small.status_code == 200 and small.json()["added"] == 1
    assert http.get(f"/jobs/{large['job_id']}").json()["status"] == "running", (
        f"the small upload waited for the whole large one ({elapsed:.1f} s)"
    )
    cancelled = http.delete(f"/jobs/{large['job_id']}")
    assert cancelled.status_code == 200
    final = wait_for(http, large["job_id"])
    assert final["status"] == "cancelled" and final["result"]["cancelled"]
    stored = http.get("/stats").json()["articles"]
    assert 0 < final["result"]["added"] < 60  # the batches committed before the cancel stay
    assert len(final["result"]["article_ids"]) == final["result"]["added"]
    assert stored == before + 1 + final["result"]["added"]
    assert http.delete(f"/jobs/{large['job_id']}").json()["status"] == "cancelled"


def test_hostile_upload_is_named_and_the_good_file_kept(http: httpx.Client) -> None:
    files = [
        ("file", ("deep.json", b"[" * 100_000, "application/json")),
        (
            "file",
            ("nav.html", b"<html><body><nav>Home | World | Sport</nav></body></html>", "text/html"),
        ),
        (
            "file",
            (
                "good.txt",
                b"Good note\n\nThe harbour master retired after forty years.",
                "text/plain",
            ),
        ),
        (
            "file",
            (
                "dated.jsonl",
                b'{"title": "T", "text": "Ferry times changed.", "published": 1709632800000}\n'
                b'{"title": "U", "text": "Another ferry note here.", "published": "soonish"}\n',
                "application/json",
            ),
        ),
    ]
    response = http.post("/articles", files=files)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["added"] == 3
    failed = {f["path"]: f["reason"] for f in report["failed"]}
    assert failed == {
        "deep.json": "invalid JSON (nested too deeply)",
        "nav.html": "no main text: the page holds only navigation or link lists",
    }
    [warning] = report["warnings"]
    assert warning["path"] == "dated.jsonl#2" and "'soonish'" in warning["reason"]
    stats = http.get("/stats").json()
    assert stats["undated"] >= 2  # good.txt and the unreadable date; the epoch ms one is dated


def test_json_batch_dates_warn_and_overlong_text_fails(http: httpx.Client) -> None:
    body = batch("dated", 2)
    body["articles"][0]["published"] = "1709632800000"
    body["articles"][1]["published"] = "the other day"
    report = http.post("/articles", json=body).json()
    assert report["added"] == 2
    assert [w["path"] for w in report["warnings"]] == ["articles[1]"]
    article = http.get(f"/articles/{report['article_ids'][0]}").json()
    assert article["published"] == "2024-03-05"


def test_a_client_that_disconnects_stops_its_ingest(http: httpx.Client, url: str) -> None:
    before = http.get("/stats").json()["articles"]
    with pytest.raises(httpx.ReadTimeout), httpx.Client(base_url=url, timeout=2) as impatient:
        impatient.post("/articles", json=batch("gone", 80))
    time.sleep(3)  # the job sees the disconnect within a poll and stops at its next slice
    settled = http.get("/stats").json()["articles"]
    time.sleep(3)
    assert http.get("/stats").json()["articles"] == settled < before + 80


def test_jobs_belong_to_their_caller(tmp_path: Path, embedder: Embedder) -> None:
    keys = ["first-key-0123456789", "second-key-0123456789"]
    settings = Settings(index_dir=tmp_path / "idx", api_keys=keys, rate_limit_per_minute=0)
    with running(settings, embedder) as base, httpx.Client(base_url=base, timeout=120) as http:
        first, second = ({"Authorization": f"Bearer {k}"} for k in keys)
        job = http.post("/articles?wait=false", json=batch("own", 1), headers=first).json()
        assert http.get(f"/jobs/{job['job_id']}", headers=second).status_code == 404
        assert http.delete(f"/jobs/{job['job_id']}", headers=second).status_code == 404
        assert wait_for_with(http, job["job_id"], first)["status"] == "done"


def wait_for_with(http: httpx.Client, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(600):
        job = http.get(f"/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError("job did not finish")
