"""The store's seams: the SQLite/FAISS backend implements the protocols, and its parts
(writer, keyword index) work through what they are given, not the store's insides."""

from __future__ import annotations

from pathlib import Path

from index import schema, vector_files
from index.protocols import (
    DenseIndex,
    Documents,
    DocumentStore,
    KeywordIndex,
    StoreWriter,
)
from index.store import Store
from index.vectors import VectorIndex
from index.writer import Writer


def test_the_sqlite_faiss_store_implements_every_protocol(sample_index: Path) -> None:
    store = Store.open(sample_index)
    for protocol in (DocumentStore, Documents, KeywordIndex, DenseIndex):
        assert isinstance(store, protocol), protocol.__name__
    assert store.location == str(sample_index)


def test_the_writer_needs_only_the_directory_vectors_and_an_install_hook(
    index_copy: Path,
) -> None:
    meta, ids = schema.read_snapshot(index_copy)
    before = int(meta["generation"])
    reader = Store.open(index_copy)
    article_id = next(iter(reader.fingerprints()))
    gone = {cid for cid, _, _ in reader.article_chunks(article_id)}
    installed: list[tuple[int, int]] = []

    def install(vectors: VectorIndex, generation: int) -> None:
        installed.append((vectors.size, generation))

    writer = Writer(index_copy, vector_files.load(index_copy, meta), install)
    assert isinstance(writer, StoreWriter)
    try:
        assert writer.delete(article_id)
        writer.commit()
    finally:
        writer.close()
    assert gone and installed == [(len(ids) - len(gone), before + 1)]
    reopened = Store.open(index_copy)  # FAISS and SQLite agree at the new generation
    assert reopened.generation == before + 1
    assert reopened.article(article_id) is None
    left = schema.read_snapshot(index_copy)[1]
    assert set(left.tolist()) == set(ids.tolist()) - gone


def test_document_frequencies_follow_a_commit(index_copy: Path) -> None:
    store = Store.open(index_copy)
    article = store.articles(list(store.fingerprints()))[0]
    word = "stampede" if "stampede" in article.text.lower() else article.title.split()[0].lower()
    counts, total = store.document_frequencies([word])
    assert counts[word] >= 1  # cached for this generation
    removed = len(store.article_chunks(article.article_id))
    with store.writer() as writer:
        writer.delete(article.article_id)
    after, after_total = store.document_frequencies([word])
    assert after_total == total - removed
    assert after[word] < counts[word]
