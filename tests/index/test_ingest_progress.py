"""What an ingest tells the person waiting for it: articles and chunks embedded, rate, time left."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from index.ingest_progress import IngestStatus
from index.loaders import load_paths

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_status_reports_every_slice_and_ends_complete(tmp_path: Path, embedder: Embedder) -> None:
    articles = load_paths([SAMPLES / "wikinews"]).articles[:8]
    settings = Settings(index_dir=tmp_path / "index", commit_every=20)
    seen: list[IngestStatus] = []
    report = Ingestor(settings, embedder).run([*articles, articles[0]], status=seen.append)
    assert len(seen) > 2  # several commits, each heard
    for before, after in itertools.pairwise(seen):
        assert after.articles_done >= before.articles_done
        assert after.chunks_done >= before.chunks_done
        assert after.seconds >= before.seconds
    last = seen[-1]
    assert last.articles_total == 9 and last.articles_done == 9  # the repeat counts as done
    assert last.chunks_done == report.chunks > 0
    characters = sum(len(a.text) for a in [*articles, articles[0]])
    assert last.characters_total == characters
    assert abs(last.characters_done - characters) <= len(seen)  # rounded per slice
    assert last.seconds_left is not None and last.seconds_left <= 1.0
    assert last.describe().startswith(f"9/9 articles, {report.chunks:,} chunks, ")


def test_time_left_comes_from_the_character_rate() -> None:
    status = IngestStatus(10, 40, 100, 25_000, 100_000, seconds=50.0)
    assert status.chunks_per_second == pytest.approx(2.0)
    assert status.seconds_left == pytest.approx(150.0)  # 75,000 characters at 500/s
    assert status.describe() == "10/40 articles, 100 chunks, 2.0 chunks/s, 2m30s left"
    assert IngestStatus(0, 40, 0, 0, 100_000, 0.0).seconds_left is None
    assert "estimating time left" in IngestStatus(0, 40, 0, 0, 100_000, 1.0).describe()
    assert "1h01m left" in IngestStatus(1, 2, 1, 1_000, 3_661_000 + 1_000, 1.0).describe()
