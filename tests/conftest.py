"""Shared fixtures: the real model, loaded once, and a real index of the sample articles."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.embedding import Embedder
from index.ingest import Ingestor
from index.settings import Settings
from index.store import Store
from rag.pipeline import NewsRAG

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
XI_ARTICLE = SAMPLES / "corpus" / "xi-wic-2023-ai-unity.txt"
ARMS_RACE_QUOTE = (
    "We should uphold the principle of common security and avoid bloc confrontation "
    "and arms race in cyberspace."
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
def rag(sample_index: Path, embedder: Embedder) -> NewsRAG:
    settings = Settings(index_dir=sample_index)
    return NewsRAG(settings, embedder, Store.open(sample_index))


@pytest.fixture
def index_copy(sample_index: Path, tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the sample index, for tests that change it."""
    target = tmp_path / "index"
    shutil.copytree(sample_index, target)
    yield target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index")
