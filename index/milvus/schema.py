"""The three collections of a Milvus index and the reads every part shares.

``<prefix>_terms``: how many chunks hold each analyzed term (the answerer's document
frequencies: counting with a ``text_match`` filter scans every row in milvus-lite).
``<prefix>_meta``: rows of record (schema version, model, dimension, generation) and the
``pending:<article id>`` intent rows a writer leaves before it touches an article.
``<prefix>_articles``: each article as its JSON record cut into pieces (a VARCHAR holds at
most 65,535 bytes; an article may be 2 MB), with the fields searches and listings filter on
in piece 0. ``<prefix>_chunks``: offsets, the article's content hash, outlet and date (so a
filter runs inside the search), the analyzed terms with their BM25 sparse vector, and the
dense vector under HNSW (inner product; FLAT or AUTOINDEX when the store URI says
``?index=``).

Milvus needs a vector field in every collection: meta, articles and terms carry a constant
2-d one. The scalar fields filters and look-ups use have INVERTED indexes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from index.errors import StoreError
from index.milvus.location import MilvusLocation

SCHEMA_VERSION = "1"
PIECE_CHARS = 16_000  # 4 bytes a character at most: under a VARCHAR's 65,535 bytes
ID_CHARS = 512
TOTAL = " total"  # the terms row counting every term of every chunk (BM25's average length)
BATCH = 512  # rows per insert or query page
HNSW = {"M": 16, "efConstruction": 200}
DUMMY = [0.0, 1.0]


def names(location: MilvusLocation) -> tuple[str, str, str, str]:
    p = location.prefix
    return f"{p}_meta", f"{p}_articles", f"{p}_chunks", f"{p}_terms"


# pymilvus pings every 10 s even when idle; a server that allows fewer pings (milvus-lite,
# gRPC's default of one per 5 minutes without data) answers GOAWAY "too_many_pings" and the
# shared channel dies between two test modules or two quiet hours of a server.
GRPC_OPTIONS = {"grpc.keepalive_time_ms": 300_000, "grpc.keepalive_permit_without_calls": False}


def connect(location: MilvusLocation) -> Any:
    """A pymilvus client; its calls are thread-safe (one gRPC channel)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the Milvus backend needs pymilvus: pip install 'newsrag[milvus]'"
        ) from exc
    # milvus-lite has no MVCC timestamp API; pymilvus warns on every paged query and falls
    # back to a client-side timestamp, which is what newsrag wants.
    logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
    options = {"uri": location.address, "token": location.token, "timeout": 10}
    try:
        return MilvusClient(**options, grpc_options=GRPC_OPTIONS)
    except Exception:  # pymilvus raises its own exception types, varying by version
        pass  # the shared channel may have been closed by the server: one fresh one
    try:
        return MilvusClient(**options, grpc_options=GRPC_OPTIONS, dedicated=True)
    except Exception as exc:
        raise StoreError(
            f"cannot reach Milvus at {location} ({type(exc).__name__}: {exc}); start it or "
            "fix NEWSRAG_STORE_URI / --store"
        ) from exc


def create(client: Any, location: MilvusLocation, dimension: int) -> None:
    """Create whichever of the four collections is missing (idempotent)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    meta, articles, chunks, terms = names(location)
    if not client.has_collection(terms):
        s = MilvusClient.create_schema(auto_id=False)
        s.add_field("term", DataType.VARCHAR, is_primary=True, max_length=1024)
        s.add_field("df", DataType.INT64)
        s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
        _create(client, terms, s, {"v": ("FLAT", "L2", {})})
    if not client.has_collection(meta):
        s = MilvusClient.create_schema(auto_id=False)
        s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=ID_CHARS + 16)
        s.add_field("value", DataType.VARCHAR, max_length=65_535)
        s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
        _create(client, meta, s, {"v": ("FLAT", "L2", {})})
    if not client.has_collection(articles):
        s = MilvusClient.create_schema(auto_id=False)
        s.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=ID_CHARS + 16)
        s.add_field("article_id", DataType.VARCHAR, max_length=ID_CHARS)
        s.add_field("piece", DataType.INT64)
        s.add_field("pieces", DataType.INT64)
        s.add_field("body", DataType.VARCHAR, max_length=65_535)
        s.add_field("content_hash", DataType.VARCHAR, max_length=128)
        s.add_field("source", DataType.VARCHAR, max_length=2048)
        s.add_field("published", DataType.VARCHAR, max_length=32)
        s.add_field("origin", DataType.VARCHAR, max_length=65_535)
        s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
        inverted: tuple[str, str, dict] = ("INVERTED", "", {})
        indexes = {"v": ("FLAT", "L2", {}), "article_id": inverted, "piece": inverted}
        _create(client, articles, s, {**indexes, "origin": inverted})
    if not client.has_collection(chunks):
        s = MilvusClient.create_schema(auto_id=False)
        s.add_field("chunk_id", DataType.INT64, is_primary=True)
        s.add_field("article_id", DataType.VARCHAR, max_length=ID_CHARS)
        s.add_field("content_hash", DataType.VARCHAR, max_length=128)
        s.add_field("position", DataType.INT64)
        s.add_field("start", DataType.INT64)
        s.add_field("end", DataType.INT64)
        s.add_field("source", DataType.VARCHAR, max_length=2048)
        s.add_field("published", DataType.VARCHAR, max_length=32)
        s.add_field(
            "terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=True, enable_match=True
        )
        s.add_field("title_terms", DataType.INT64)  # how many of ``terms`` are the title's
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        s.add_function(
            Function(
                name="terms_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["terms"],
                output_field_names=["sparse"],
            )
        )
        _create(
            client,
            chunks,
            s,
            {
                "vector": (location.index, "IP", HNSW if location.index == "HNSW" else {}),
                "sparse": ("SPARSE_INVERTED_INDEX", "BM25", {}),
                "article_id": ("INVERTED", "", {}),
                "source": ("INVERTED", "", {}),
                "published": ("INVERTED", "", {}),
            },
        )


def _create(client: Any, name: str, schema: Any, indexes: dict[str, tuple[str, str, dict]]) -> None:
    params = client.prepare_index_params()
    for field, (kind, metric, options) in indexes.items():
        if metric:
            params.add_index(field_name=field, index_type=kind, metric_type=metric, params=options)
        else:
            params.add_index(field_name=field, index_type=kind)
    client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
    client.load_collection(name)


def rows(client: Any, collection: str, expr: str, fields: list[str]) -> Iterator[dict]:
    """Every row matching ``expr``, page by page (a plain query is capped at 16,384 rows)."""
    iterator = client.query_iterator(
        collection, batch_size=BATCH * 4, filter=expr, output_fields=fields
    )
    try:
        while True:
            page = iterator.next()
            if not page:
                return
            yield from page
    finally:
        iterator.close()


def all_rows(client: Any, collection: str, expr: str, fields: list[str]) -> list[dict]:
    """A query expected to match fewer than 16,384 rows (one article's chunks, one file's
    articles): one round trip instead of an iterator's several."""
    return list(client.query(collection, filter=expr, output_fields=fields, limit=16_384))


def count(client: Any, collection: str, expr: str = "") -> int:
    result = client.query(collection, filter=expr, output_fields=["count(*)"])
    return int(result[0]["count(*)"]) if result else 0


def batched(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
