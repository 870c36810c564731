from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running


@pytest.fixture(scope="module")
def server_index(tmp_path_factory: pytest.TempPathFactory, sample_index: Path) -> Path:
    """A writable copy of the sample index per test module."""
    import shutil

    target = tmp_path_factory.mktemp("server") / "index"
    shutil.copytree(sample_index, target)
    return target


@pytest.fixture(scope="module")
def base_url(server_index: Path, embedder: Embedder) -> Iterator[str]:
    settings = Settings(index_dir=server_index, rate_limit_per_minute=0, max_body_bytes=200_000)
    with running(settings, embedder) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        yield http
