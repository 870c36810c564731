"""Answer-quality tests on both backends: SQLite + FAISS (the default) and Milvus.

A test opts in by asking for ``backend`` (directly, or through ``rag_on_backend`` or
``store_uri``): it then runs once per backend, with the same articles and the same
assertions, so the Milvus store is held to every answer the default one gives. ``backend``
is module-scoped, so a module's own index (built by a module-scoped fixture) is ingested once
per backend, and the tests run grouped by backend. Milvus is the session's server
(tests/milvus_server.py: ``milvus-lite server``, or the cluster that
``NEWSRAG_TEST_MILVUS_URI`` names); without either, the Milvus runs skip and say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from rag.pipeline import NewsRAG

BACKENDS = ("sqlite", "milvus")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend a test runs on: each test that asks for it runs on both."""
    return str(request.param)


def store_uri(request: pytest.FixtureRequest, backend: str) -> str:
    """``Settings.store_uri`` for an index a test builds itself: empty for SQLite (its
    ``index_dir`` holds it), a fresh collection prefix on the session's Milvus otherwise."""
    if backend == "sqlite":
        return ""
    return str(request.getfixturevalue("milvus_server").uri())


@pytest.fixture(scope="session")
def milvus_rag(milvus_sample_uri: str, embedder: Embedder) -> NewsRAG:
    """The sample articles in Milvus, opened as a user configures it (NEWSRAG_STORE_URI)."""
    return NewsRAG(Settings(store_uri=milvus_sample_uri), embedder)


@pytest.fixture
def rag_on_backend(request: pytest.FixtureRequest, backend: str) -> NewsRAG:
    """The sample articles (``sample_index``) on ``backend``: the same chunks and vectors."""
    return request.getfixturevalue("sqlite_rag" if backend == "sqlite" else "milvus_rag")


def sample_settings(request: pytest.FixtureRequest, backend: str, sample_index: Path) -> Settings:
    """Settings that open the sample articles on ``backend`` (read-only, as ``sample_index``)."""
    uri = "" if backend == "sqlite" else str(request.getfixturevalue("milvus_sample_uri"))
    return Settings(index_dir=sample_index, store_uri=uri)
