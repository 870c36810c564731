"""Which backend holds the index: the one place that reads ``store_uri``.

Empty (the default): SQLite + FAISS in ``index_dir`` (index/store.py). ``milvus://host:port/
prefix``: Milvus (index/milvus/, needs the ``[milvus]`` extra). Everything that opens an
index goes through ``open_store`` (to write, creating it when missing) or ``open_existing``
(to read), so retrieval, answering, the API and evaluation never name a backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.errors import StoreError
from index.protocols import DocumentStore
from index.settings import IndexSettings
from index.store import Store

if TYPE_CHECKING:
    from index.embedding import Embedder
    from index.milvus import MilvusLocation


def describe(settings: IndexSettings) -> str:
    """Where the index is, for messages: the store URI or the index directory."""
    return settings.store_uri.strip() or str(settings.index_dir)


def open_store(settings: IndexSettings, embedder: Embedder) -> DocumentStore:
    """Open the index for writing, creating it when there is none."""
    uri = settings.store_uri.strip()
    if not uri:
        return Store.create_or_open(settings.index_dir, embedder.identity, embedder.dimension)
    from index.milvus import MilvusStore

    return MilvusStore.create_or_open(_location(uri), embedder.identity, embedder.dimension)


def open_existing(settings: IndexSettings) -> DocumentStore:
    """Open an index that must exist (IndexMissingError, naming it, when it does not)."""
    uri = settings.store_uri.strip()
    if not uri:
        return Store.open(settings.index_dir)
    from index.milvus import MilvusStore

    return MilvusStore.open(_location(uri))


def _location(uri: str) -> MilvusLocation:
    """A bad URI is a store error naming it, as a missing index is."""
    from index.milvus import parse_store_uri

    try:
        return parse_store_uri(uri)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
