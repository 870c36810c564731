"""Evaluation over HTTP against the real API server (api.app.create_app) under uvicorn on
127.0.0.1: the same questions must score exactly as they do in-process."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.settings import Settings
from index.embedding import Embedder
from rag.evaluation.backends import BackendError
from rag.evaluation.http_client import HttpBackend
from rag.evaluation.runner import EvalRequest, run_request
from rag.schema import Citation
from tests.conftest import ARMS_RACE_QUOTE

DATA = Path(__file__).resolve().parents[2] / "data" / "eval"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(settings: Settings, embedder: Embedder) -> Iterator[str]:
    from api.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, embedder), host="127.0.0.1", port=port,
                       log_level="warning", lifespan="on")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert thread.is_alive(), "the server stopped while starting"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        pytest.fail("the server did not become ready in 120 s")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def server(index_copy: Path, embedder: Embedder) -> Iterator[str]:
    settings = Settings(index_dir=index_copy, rate_limit_per_minute=0, max_k=100)
    yield from serve(settings, embedder)


@pytest.fixture
def capped_server(index_copy: Path, embedder: Embedder) -> Iterator[str]:
    yield from serve(Settings(index_dir=index_copy, rate_limit_per_minute=0, max_k=20), embedder)


def test_eval_over_http_matches_in_process(
    server: str, index_copy: Path, embedder: Embedder
) -> None:
    modes = ("hybrid", "bm25")
    remote, warnings = run_request(
        EvalRequest(DATA / "qa.jsonl", url=server, modes=modes), Settings(), lambda _: embedder
    )
    assert warnings == []
    local, _ = run_request(
        EvalRequest(DATA / "qa.jsonl", index=index_copy, modes=modes),
        Settings(),
        lambda _: embedder,
    )
    assert remote.target == server
    for name in modes:
        there, here = remote.modes[name], local.modes[name]
        assert [r.ranked for r in there.records] == [r.ranked for r in here.records]
        assert [r.answer for r in there.records] == [r.answer for r in here.records]
        assert there.retrieval.ndcg_at_10 == here.retrieval.ndcg_at_10
        assert there.answers == here.answers
        assert there.abstention == here.abstention
        c = there.citations
        assert c is not None and c.citations > 0
        # every quote was checked through POST /search, and every one is exact
        assert c.quotes_checked == c.citations and c.quote_exactness == 1.0
        assert c.precision == here.citations.precision  # type: ignore[union-attr]
        assert "request_ms" in there.latency_ms and "answer_ms" in there.latency_ms


def test_quote_check_through_search_catches_a_wrong_quote(server: str) -> None:
    client = HttpBackend(server)
    try:
        answer = client.ask("What did Xi say about arms races?", None, "hybrid")
        [first, *_] = answer.citations
        assert ARMS_RACE_QUOTE in first.quote
        assert client.check_quote(first) is True
        shifted = first.model_copy(update={"start": first.start + 1, "end": first.end + 1})
        assert client.check_quote(shifted) is False
        unknown = Citation(n=1, article_id="0" * 16, title="x", quote="no such words zzqx",
                           start=0, end=18, score=0.0)  # fmt: skip
        assert client.check_quote(unknown) is None  # not found: unchecked, never "passed"
    finally:
        client.close()


def test_server_errors_are_explained(capped_server: str) -> None:
    client = HttpBackend(capped_server)
    try:
        with pytest.raises(BackendError, match="--depth"):
            client.search("stampede", 100, "hybrid")
        assert len(client.search("stampede", 20, "hybrid").hits) == 20
    finally:
        client.close()


def test_an_unreachable_server_is_named() -> None:
    client = HttpBackend(f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(BackendError, match="cannot reach the newsrag server"):
        client.search("anything", 5, "bm25")
    client.close()
