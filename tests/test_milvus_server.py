"""The opt-in run against a real Milvus: ``NEWSRAG_TEST_MILVUS_URI`` names the server the
Milvus tests use instead of a milvus-lite they start (tests/milvus_server.py). The session's
milvus-lite stands in for the cluster here: it is reached only through the URI."""

from __future__ import annotations

import pytest

from index.milvus import MilvusStore, parse_store_uri
from tests.api.server import free_port
from tests.milvus_server import MilvusServer, external_server


def test_the_uri_names_the_server_the_tests_use_and_clean_up(milvus_server: MilvusServer) -> None:
    from pymilvus import MilvusClient

    option = f"?index={milvus_server.index}" if milvus_server.index else ""
    server = external_server(f"milvus://127.0.0.1:{milvus_server.port}/ignored{option}")
    assert (server.host, server.port, server.index) == (
        "127.0.0.1",
        milvus_server.port,
        milvus_server.index,
    )
    uri = server.uri()  # a fresh prefix, on that server
    prefix = parse_store_uri(uri).prefix
    assert prefix != "ignored" and prefix.startswith("t")
    MilvusStore.create_or_open(parse_store_uri(uri), "test-model", 8)
    client = MilvusClient(uri=f"http://127.0.0.1:{milvus_server.port}")
    try:
        assert any(name.startswith(prefix + "_") for name in client.list_collections())
        server.drop_all()  # what the fixture does at the end of a session on a cluster
        assert not any(name.startswith(prefix + "_") for name in client.list_collections())
    finally:
        client.close()


def test_a_server_that_does_not_answer_is_named_not_replaced_by_milvus_lite() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(RuntimeError, match=rf"NEWSRAG_TEST_MILVUS_URI: .*127\.0\.0\.1:{port}"):
        external_server(f"milvus://127.0.0.1:{port}", wait_s=1)


def test_a_malformed_uri_is_named() -> None:
    with pytest.raises(RuntimeError, match="NEWSRAG_TEST_MILVUS_URI: store URI 'http://x'"):
        external_server("http://x")
