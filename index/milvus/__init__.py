"""The Milvus backend of the store interface (``index.protocols.DocumentStore``): articles,
chunks, dense vectors and BM25 in three Milvus collections, so one index can outgrow one
machine (docs/scale.md). Selected by ``NEWSRAG_STORE_URI=milvus://host:port/prefix``
(index/backends.py); pymilvus is imported only when it is.

Modules: ``location`` (the URI), ``analysis`` (FTS5-compatible terms and filter
expressions), ``collections`` (schemas, batched reads), ``store`` (the reader),
``writer`` (staged writes, commit order and crash recovery).
"""

from index.milvus.location import MilvusLocation, parse_store_uri
from index.milvus.store import MilvusStore

__all__ = ["MilvusLocation", "MilvusStore", "parse_store_uri"]
