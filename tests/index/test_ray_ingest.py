"""``newsrag ingest --ray``: a real local Ray cluster (2 CPUs, offline, usage stats off), the
real model, a real SQLite/FAISS index, compared with the single-process ``Ingestor``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ray_ingest import RayOptions, check_address, ray_ingest
from index.store import Store
from tests.conftest import SAMPLES, run_newsrag

ray = pytest.importorskip("ray", reason="Ray is not installed (the [ray] extra: make setup)")

pytestmark = pytest.mark.slow  # a Ray cluster and its actors start in ~10-20 s


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


def _vectors(store: Store) -> dict[int, np.ndarray]:
    """chunk id -> stored vector (the FAISS matrix, read in place)."""
    view = store._vectors._flat_view()  # type: ignore[attr-defined]
    assert view is not None
    matrix, ids = view
    return {int(i): matrix[row].copy() for row, i in enumerate(ids)}


def _contents(store: Store) -> dict[str, tuple[str, list[tuple[int, int]]]]:
    """article id -> (text, chunk offsets), what citations depend on."""
    ids = store.fingerprints()
    return {
        a.article_id: (a.text, [(s, e) for _, s, e in store.article_chunks(a.article_id)])
        for a in store.articles(ids)
    }


def test_same_index_as_the_single_process_ingest(
    cluster: None, sample_index: Path, embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(index_dir=tmp_path / "ray")
    report = ray_ingest(settings, embedder, [SAMPLES / "corpus", SAMPLES / "wikinews"])
    assert (report.added, report.updated, report.unchanged) == (44, 0, 0)
    assert not report.failed
    serial, parallel = Store.open(sample_index), Store.open(tmp_path / "ray")
    assert parallel.fingerprints() == serial.fingerprints()
    assert _contents(parallel) == _contents(serial)
    assert report.chunks == serial.stats().chunks == parallel.stats().chunks
    mine, theirs = _vectors(parallel), _vectors(serial)
    for article_id in serial.fingerprints():
        pairs = zip(
            parallel.article_chunks(article_id), serial.article_chunks(article_id), strict=True
        )
        for (ours, _, _), (reference, _, _) in pairs:
            np.testing.assert_allclose(mine[ours], theirs[reference], atol=1e-5)

    again = ray_ingest(settings, embedder, [SAMPLES / "corpus", SAMPLES / "wikinews"])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 44, 0)


def test_edited_file_replaces_and_bad_file_is_named(
    cluster: None, embedder: Embedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLES / "corpus", corpus)
    settings = Settings(index_dir=tmp_path / "index")
    first = ray_ingest(settings, embedder, [corpus])
    assert first.added == len(list(corpus.iterdir())) and not first.failed

    edited = sorted(corpus.glob("*.txt"))[0]
    edited.write_text(edited.read_text() + "\n\nA correction was appended by the editors.\n")
    (corpus / "broken.json").write_text("{not json")
    second = ray_ingest(settings, embedder, [corpus])

    assert [f.path for f in second.failed] == [str(corpus / "broken.json")]
    assert "JSON" in second.failed[0].reason or "json" in second.failed[0].reason
    assert (second.added, second.updated) == (0, 1)
    assert second.unchanged == first.added - 1
    store = Store.open(tmp_path / "index")
    assert store.stats().articles == first.added  # replaced, not added beside the old one
    texts = [a.text for a in store.articles(store.fingerprints())]
    assert sum("A correction was appended" in t for t in texts) == 1


def test_cli_reports_like_the_normal_ingest(cluster: None, tmp_path: Path) -> None:
    """A subprocess: its own local cluster, started and stopped by the command."""
    result = run_newsrag(
        "ingest", str(SAMPLES / "wikinews"), "/nowhere", "--index", str(tmp_path), "--ray"
    )
    assert result.returncode == 0, result.stderr
    assert "skipped /nowhere: file not found" in result.stderr
    assert "added 43, updated 0, unchanged 0, failed 1" in result.stdout


def test_bad_address_is_named() -> None:
    assert check_address("auto") == "auto"
    assert check_address("ray://head:10001") == "ray://head:10001"
    with pytest.raises(ValueError, match="'samples/corpus'"):
        check_address("samples/corpus")
    assert RayOptions().address == ""
