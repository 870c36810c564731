"""An ingest killed with SIGKILL at any moment leaves an index that loads and answers."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.store import Store
from rag.pipeline import NewsRAG
from tests.conftest import ROOT, SAMPLES


def ingest_command(index: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "api.cli",
        "ingest",
        str(SAMPLES / "wikinews"),
        str(SAMPLES / "corpus"),
        "--index",
        str(index),
    ]


def generation(index: Path) -> int:
    try:
        with sqlite3.connect(index / "newsrag.sqlite", timeout=5) as db:
            return int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    except (sqlite3.Error, TypeError):
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("commits_before_kill", [1, 3])
def test_sigkill_midway_leaves_a_working_index(
    tmp_path: Path, embedder: Embedder, commits_before_kill: int
) -> None:
    index = tmp_path / "idx"
    process = subprocess.Popen(
        ingest_command(index),
        cwd=ROOT,
        env={**os.environ, "NEWSRAG_COMMIT_EVERY": "24"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while generation(index) < commits_before_kill and time.monotonic() < deadline:
        assert process.poll() is None, "ingest ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()

    store = Store.open(index)  # raises if FAISS and SQLite disagree
    stats = store.stats()
    assert 0 < stats.articles < 44
    # every committed article is searchable, and answers quote the stored text exactly
    rag = NewsRAG(Settings(index_dir=index), embedder, store)
    for article in store.articles(list(store.fingerprints())[:5]):
        found = rag.retrieve(article.title, k=10).passages
        assert article.article_id in {p.chunk.article.article_id for p in found}, article.title
    answer = rag.ask("What did Xi say about arms races?")
    for citation in answer.citations:
        stored = store.article(citation.article_id)
        assert stored is not None and stored.text[citation.start : citation.end] == citation.quote

    # a second run completes the job, skipping what was committed
    resumed = subprocess.run(
        ingest_command(index),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"unchanged {stats.articles}" in resumed.stdout
    assert Store.open(index).stats().articles == 44
