"""REST and SSE against a real uvicorn server on loopback, with httpx."""

import threading
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running, sse_events
from tests.conftest import ARMS_RACE_QUOTE

XI = "What did Xi say about arms races?"


def test_health_and_readiness(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_ask_returns_the_answer_schema(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": XI, "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert not body["abstained"]
    assert any(ARMS_RACE_QUOTE in c["quote"] for c in body["citations"])
    assert response.headers["x-request-id"]
    article = client.get(f"/articles/{body['citations'][0]['article_id']}").json()
    for c in body["citations"]:
        assert (
            article["text"][c["start"] : c["end"]] == c["quote"]
            or c["article_id"] != article["article_id"]
        )


def test_ask_filters(client: httpx.Client) -> None:
    assert client.post("/ask", json={"question": XI, "source": "Wikinews"}).json()["abstained"]
    found = client.post("/search", json={"question": "stampede", "since": "2015-01-01"}).json()
    assert found["passages"] and all(p["published"] >= "2015-01-01" for p in found["passages"])


@pytest.mark.parametrize("how", ["path", "accept"])
def test_ask_streams_server_sent_events(client: httpx.Client, how: str) -> None:
    url, headers = (
        ("/ask/stream", {}) if how == "path" else ("/ask", {"Accept": "text/event-stream"})
    )
    with client.stream("POST", url, json={"question": XI}, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    names = [name for name, _ in events]
    assert names[0] == "retrieval" and names[-2:] == ["citations", "done"]
    assert "sentence" in names
    sentences = " ".join(str(d["text"]) for n, d in events if n == "sentence")  # type: ignore[index]
    done = events[-1][1]
    assert isinstance(done, dict) and sentences == done["answer"]
    assert events[-2][1] == done["citations"]


def test_search_returns_passages_with_offsets(client: httpx.Client) -> None:
    body = client.post("/search", json={"question": "Hajj stampede", "k": 3}).json()
    assert len(body["passages"]) == 3
    top = body["passages"][0]
    article = client.get(f"/articles/{top['article_id']}").json()
    assert article["text"][top["start"] : top["end"]] == top["text"]
    assert [top["start"], top["end"]] in article["chunks"]


def test_article_lifecycle_over_http(client: httpx.Client) -> None:
    batch = {
        "articles": [
            {
                "title": "Harbour city opens floating library",
                "text": "The floating library opened on Saturday with 12,000 books, the mayor said",
                "url": "https://harbour.example/library",
                "source": "Harbour Times",
                "published": "2025-05-03",
            }
        ]
    }
    added = client.post("/articles", json=batch).json()
    assert (added["added"], added["chunks"]) == (1, 1)
    assert client.post("/articles", json=batch).json()["unchanged"] == 1
    [article_id] = added["article_ids"]
    answer = client.post(
        "/ask", json={"question": "How many books does the floating library have?"}
    ).json()
    assert not answer["abstained"] and "12,000" in answer["answer"]
    [books] = [c for c in answer["citations"] if "12,000" in c["quote"]]
    assert books["source"] == "Harbour Times"
    assert client.get(f"/articles/{article_id}").json()["published"] == "2025-05-03"
    assert client.delete(f"/articles/{article_id}").json() == {"deleted": article_id}
    gone = client.get(f"/articles/{article_id}")
    assert gone.status_code == 404 and "no article" in gone.json()["error"]
    assert client.delete(f"/articles/{article_id}").status_code == 404


def test_file_upload_ingests_and_reports_bad_files(client: httpx.Client) -> None:
    page = (
        "<html><head><title>Dam repairs finish early</title></head><body><article>"
        "<p>Repairs to the old river dam finished two weeks early, the water board said on "
        "Monday, and the road over it reopens on Friday.</p></article></body></html>"
    )
    files = [
        ("file", ("dam.html", page, "text/html")),
        ("file", ("blob.txt", b"\x00\x01binary", "application/octet-stream")),
    ]
    report = client.post("/articles", files=files).json()
    assert report["added"] == 1
    assert report["failed"] == [{"path": "blob.txt", "reason": "binary file (contains NUL bytes)"}]
    stats = client.get("/stats").json()
    assert stats["articles"] >= 45

    def upload(text: str) -> dict[str, object]:
        return client.post("/articles", files=[("file", ("note.txt", text, "text/plain"))]).json()

    assert upload("Ferry note\n\nThe ferry leaves at nine.")["added"] == 1
    edited = upload("Ferry note\n\nThe ferry now leaves at ten.")
    assert (edited["added"], edited["updated"]) == (0, 1)  # same upload name: replaced
    assert client.get("/stats").json()["articles"] == stats["articles"] + 1


def test_posting_an_article_without_url_loses_no_earlier_article(client: httpx.Client) -> None:
    def post(title: str, text: str, **extra: str) -> dict[str, object]:
        body = {"articles": [{"title": title, "text": text, **extra}]}
        return client.post("/articles", json=body).json()

    with_urls = [
        post(
            f"Bridge report {n}",
            f"The bridge inspection {n} found rust.",
            url=f"https://b.example/{n}",
        )
        for n in range(3)
    ]
    first_note = post("Ferry note", "The ferry leaves at nine.")
    second_note = post("Bus note", "The bus leaves at ten.")  # no URL, no id: a new article
    assert (second_note["added"], second_note["updated"]) == (1, 0)
    for report in [*with_urls, first_note]:
        [article_id] = report["article_ids"]  # type: ignore[misc]
        assert client.get(f"/articles/{article_id}").status_code == 200

    assert post("Tram note", "The tram leaves at six.", id="tram-1")["added"] == 1
    edited = post("Tram note", "The tram now leaves at seven.", id="tram-1")
    assert (edited["added"], edited["updated"]) == (0, 1)  # same id: the new version replaces
    [old_id] = with_urls[0]["article_ids"]  # type: ignore[misc]
    assert client.get(f"/articles/{old_id}").status_code == 200


def test_metrics_count_requests_and_stages(client: httpx.Client) -> None:
    client.post("/ask", json={"question": XI})
    text = client.get("/metrics").text
    assert 'newsrag_requests_total{method="POST",route="/ask",status="200"}' in text
    assert 'newsrag_stage_seconds_count{stage="embed"}' in text
    assert "newsrag_index_chunks " in text


@pytest.mark.parametrize(
    ("method", "url", "payload", "code", "field"),
    [
        ("POST", "/ask", {}, 422, "question"),
        ("POST", "/ask", {"question": ""}, 422, "question"),
        ("POST", "/ask", {"question": "   "}, 422, "question"),
        ("POST", "/ask", {"question": "x" * 2001}, 422, "question"),
        ("POST", "/ask", {"question": "Xi?", "k": 0}, 422, "k"),
        ("POST", "/ask", {"question": "Xi?", "k": 51}, 422, "k"),
        ("POST", "/ask", {"question": "Xi?", "since": "yesterday"}, 422, "since"),
        ("POST", "/ask", {"question": "Xi?", "mode": "magic"}, 422, "mode"),
        ("POST", "/ask", {"question": "Xi?", "answer_mode": "poetry"}, 422, "answer_mode"),
        ("POST", "/ask", {"question": "Xi?", "answer_mode": "llm"}, 422, "answer_mode"),
        ("POST", "/ask", {"question": "Xi?", "extra": 1}, 422, "extra"),
        ("POST", "/ask", {"question": 5}, 422, "question"),
        ("POST", "/articles", {"articles": []}, 422, "articles"),
        ("POST", "/articles", {"articles": [{"title": "t"}]}, 422, "articles.0.text"),
        ("POST", "/v1/chat/completions", {"messages": []}, 422, "messages"),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "system", "content": "hi"}]},
            422,
            "messages",
        ),
    ],
)
def test_bad_requests_get_json_4xx_naming_the_field(
    client: httpx.Client, method: str, url: str, payload: dict[str, object], code: int, field: str
) -> None:
    response = client.request(method, url, json=payload)
    assert response.status_code == code
    body = response.json()
    assert field in body["error"], body
    assert body["request_id"]


def test_malformed_bodies_and_unknown_routes(client: httpx.Client) -> None:
    bad_json = client.post(
        "/ask", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 422 and bad_json.json()["error"]
    huge = client.post(
        "/ask",
        content=b'{"question": "' + b"a" * 300_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]

    def chunks():  # no Content-Length: the limit must count
        for _ in range(40):
            yield b"a" * 10_000

    streamed = client.post(
        "/articles", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and "larger than" in streamed.json()["error"]
    assert client.get("/nowhere").json()["error"] == "Not Found"
    wrong_method = client.put("/ask", json={})
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]
    assert (
        client.post(
            "/articles", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
        ).status_code
        == 422
    )


def test_questions_are_answered_while_an_ingest_runs(client: httpx.Client, base_url: str) -> None:
    """Readers never see a half-written index: every answer's quotes match the article text."""
    articles = [
        {
            "title": f"Council minutes {i}",
            "url": f"https://minutes.example/{i}",
            "text": " ".join(
                f"Item {j} of meeting {i}: the council approved budget line {j}." for j in range(40)
            ),
        }
        for i in range(30)
    ]
    result: dict[str, object] = {}

    def ingest() -> None:
        with httpx.Client(base_url=base_url, timeout=600) as writer:
            result["report"] = writer.post("/articles", json={"articles": articles}).json()

    thread = threading.Thread(target=ingest)
    thread.start()
    answered = 0
    while thread.is_alive() or answered < 3:
        response = client.post("/ask", json={"question": XI})
        assert response.status_code == 200
        body = response.json()
        assert not body["abstained"]
        for citation in body["citations"]:
            text = client.get(f"/articles/{citation['article_id']}").json()["text"]
            assert text[citation["start"] : citation["end"]] == citation["quote"]
        answered += 1
    thread.join()
    assert result["report"]["added"] == 30  # type: ignore[index]
    assert answered >= 3


def test_api_keys_and_rate_limit(tmp_path: Path, sample_index: Path, embedder: Embedder) -> None:
    import shutil

    shutil.copytree(sample_index, tmp_path / "idx")
    settings = Settings(
        index_dir=tmp_path / "idx",
        api_keys=["s3cret-key-0123456", "other-key-0123456"],
        rate_limit_per_minute=3,
        cors_origins=["https://news.example"],
    )
    with running(settings, embedder) as url, httpx.Client(base_url=url) as http:
        assert http.get("/healthz").status_code == 200  # probes need no key
        missing = http.post("/ask", json={"question": XI})
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert (
            http.post(
                "/ask", json={"question": XI}, headers={"Authorization": "Bearer wrong"}
            ).status_code
            == 401
        )
        good = {"Authorization": "Bearer s3cret-key-0123456"}
        codes = [http.get("/stats", headers=good).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = http.get("/stats", headers=good)
        assert (
            limited.json()["error"].startswith("rate limit")
            and int(limited.headers["retry-after"]) >= 1
        )
        other = http.get("/stats", headers={"Authorization": "Bearer other-key-0123456"})
        assert other.status_code == 200  # the limit is per key
        preflight = http.options(
            "/ask",
            headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == "https://news.example"


def test_wrong_keys_are_throttled_per_address(
    tmp_path: Path, sample_index: Path, embedder: Embedder
) -> None:
    import shutil

    from api.security import FAILED_KEYS_PER_MINUTE

    shutil.copytree(sample_index, tmp_path / "idx")
    settings = Settings(index_dir=tmp_path / "idx", api_keys=["s3cret-key-0123456"])
    with running(settings, embedder) as url, httpx.Client(base_url=url) as http:
        empty = http.get("/stats", headers={"Authorization": "Bearer"})
        assert empty.status_code == 401
        codes = [
            http.get("/stats", headers={"Authorization": f"Bearer guess-{n}"}).status_code
            for n in range(FAILED_KEYS_PER_MINUTE + 5)
        ]
        assert codes[: FAILED_KEYS_PER_MINUTE - 1] == [401] * (FAILED_KEYS_PER_MINUTE - 1)
        assert codes[-5:] == [429] * 5
        limited = http.get("/stats", headers={"Authorization": "Bearer s3cret-key-0123456"})
        assert limited.status_code == 200  # the right key still works
