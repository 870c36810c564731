"""``MilvusStore``: the reading side of the Milvus backend, the same answers as the SQLite
backend's ``Store`` (tests/index/test_store_backends.py holds both to that).

An article is visible once all its pieces are there (piece 0, written last, is the commit
mark, docs/scale.md); a chunk only while its article is visible with the same content hash,
so chunks left behind by an interrupted write are never returned. Filters run inside each
Milvus search; fusion of dense and BM25 hits stays in newsrag (rag/fusion.py), as for SQLite.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from index.errors import IndexCorruptError, IndexMissingError, IndexVersionError
from index.keyword import COMMON_MIN, COMMON_SHARE
from index.milvus import analysis, schema
from index.milvus.location import MilvusLocation
from index.records import SearchFilter, StoredArticle, StoredChunk
from index.stats import Stats

Hits = list[tuple[int, float]]
DF_CACHE_WORDS = 100_000
POOL = 4  # BM25 candidates from Milvus per hit returned, re-scored as FTS5 scores
K1, B, TITLE_WEIGHT = 1.2, 0.75, 0.3  # FTS5's bm25() constants, and the title's weight
IDS_PER_QUERY = 100
CHUNK_FIELDS = ["chunk_id", "article_id", "content_hash", "position", "start", "end"]


class MilvusStore:
    """One index in Milvus; readers may share it across threads."""

    def __init__(self, location: MilvusLocation, client: Any, meta: dict[str, str]):
        self._where = location
        self.client = client
        names = schema.names(location)
        self.meta_name, self.articles_name, self.chunks_name, self.terms_name = names
        self.model = meta.get("model", "")
        self.dimension = int(meta.get("dimension", "0"))
        self.generation = int(meta.get("generation", "0"))
        self.ef = 128  # HNSW breadth: at least k, and enough for exact-search parity
        self._vector_index: str | None = None  # the chunks' vector index type, read once
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one writer per process; docs/scale.md: per index
        self._cache: tuple[int, dict[str, int], int] = (-1, {}, 0)
        self._latest: tuple[int, str | None] | None = None

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def create_or_open(cls, location: MilvusLocation, model: str, dimension: int) -> MilvusStore:
        """Open for writing, creating the collections when the prefix has none."""
        client = schema.connect(location)
        meta_name = schema.names(location)[0]
        schema.create(client, location, dimension)
        wanted = {
            "schema_version": schema.SCHEMA_VERSION,
            "model": model,
            "dimension": str(dimension),
            "generation": "0",
        }
        rows = client.get(meta_name, ids=list(wanted), output_fields=["key", "value"])
        have = {r["key"]: r["value"] for r in rows}
        missing = [{"key": k, "value": v, "v": schema.DUMMY} for k, v in wanted.items()]
        if missing := [row for row in missing if row["key"] not in have]:
            client.insert(meta_name, missing)
        # What was just written is known: not read back, as Milvus's C++ engine (Lite 2.5)
        # may not serve a new collection's first rows to the very next get.
        store = cls._checked(location, client, {**wanted, **have})
        if store.model != model:
            raise IndexCorruptError(
                f"the index at {location} was built with model {store.model!r}, not {model!r}; "
                "use the same NEWSRAG_MODEL or another collection prefix"
            )
        return store

    @classmethod
    def open(cls, location: MilvusLocation, client: Any = None) -> MilvusStore:
        client = client or schema.connect(location)
        if not all(client.has_collection(n) for n in schema.names(location)):
            raise IndexMissingError(
                f"no index at {location}: run `newsrag ingest PATH --store {location}` first"
            )
        return cls._checked(location, client, _read_meta(client, schema.names(location)[0]))

    @classmethod
    def _checked(cls, location: MilvusLocation, client: Any, meta: dict[str, str]) -> MilvusStore:
        found = meta.get("schema_version")
        if found != schema.SCHEMA_VERSION:
            raise IndexVersionError(
                f"the index at {location} has schema version {found or 'unknown'}; this "
                f"newsrag reads version {schema.SCHEMA_VERSION}: ingest into a new prefix"
            )
        return cls(location, client, meta)

    # ---- reading -------------------------------------------------------------------------

    @property
    def location(self) -> str:
        return str(self._where)

    def refresh(self) -> None:
        """Pick up another writer's commit: one primary-key look-up."""
        self.generation = _generation(self.client, self.meta_name)

    def search_dense(self, vector: np.ndarray, k: int, where: SearchFilter | None = None) -> Hits:
        if k <= 0:
            return []
        found = self.client.search(
            self.chunks_name,
            data=[np.asarray(vector, dtype=np.float32).reshape(-1).tolist()],
            anns_field="vector",
            limit=k,
            filter=analysis.filter_expr(where),
            output_fields=["chunk_id"],
            search_params={"metric_type": "IP", "params": self._vector_params(k)},
        )
        return [(int(h["chunk_id"]), float(h["distance"])) for h in found[0]]

    def _vector_params(self, k: int) -> dict[str, int]:
        """HNSW's search breadth; FLAT and AUTOINDEX take no parameter."""
        if self._vector_index is None:
            found = self.client.describe_index(self.chunks_name, "vector") or {}
            self._vector_index = str(found.get("index_type", "HNSW")).upper()
        return {"ef": max(self.ef, k)} if self._vector_index == "HNSW" else {}

    def search_bm25(
        self,
        words: Sequence[str],
        k: int,
        where: SearchFilter | None = None,
        common_share: float = COMMON_SHARE,
        common_min: int = COMMON_MIN,
    ) -> Hits:
        """BM25 over title and body, scored as the SQLite backend's FTS5 scores it.

        Milvus's BM25 (one field, the title weighing as much as the body) finds a pool of
        candidates, ``POOL`` times k; newsrag then scores them exactly as FTS5's
        ``bm25(chunks_fts, 0.3, 1.0)``: per term, IDF ``log((N - n + 0.5) / (n + 0.5))``
        (at least 1e-6) times ``f (k1 + 1) / (f + k1 (1 - b + b D / avgdl))``, with ``f`` =
        0.3 × title hits + body hits, ``D`` the chunk's terms, k1 = 1.2, b = 0.75; and the
        same common-word rule (index/keyword.py): when a question has rare and common
        words, chunks holding only common ones drop out. Scores are positive, higher is
        better."""
        terms = list(dict.fromkeys(t for w in words for t in analysis.fts_terms(w)))
        if not terms or k <= 0:
            return []
        found = self.client.search(
            self.chunks_name,
            data=[" ".join(terms)],
            anns_field="sparse",
            limit=max(k * POOL, 50),
            filter=analysis.filter_expr(where),
            output_fields=["chunk_id", "terms", "title_terms"],
            search_params={"metric_type": "BM25"},
        )
        counts, chunks, total_terms = self._term_counts(terms)
        cutoff = max(common_share * chunks, common_min)
        rare = {t for t in terms if counts[t] <= cutoff}
        split = bool(rare) and len(rare) < len(terms)
        avgdl = total_terms / chunks if chunks else 1.0
        idf = {t: max(math.log((chunks - n + 0.5) / (n + 0.5)), 1e-6) for t, n in counts.items()}
        hits = []
        for hit in found[0]:
            row = hit.get("entity", hit)
            tokens = row["terms"].split()
            title = Counter(tokens[: int(row["title_terms"])])
            body = Counter(tokens[int(row["title_terms"]) :])
            if split and not any(title[t] or body[t] for t in rare):
                continue
            norm = K1 * (1 - B + B * len(tokens) / avgdl)
            score = 0.0
            for t in terms:
                f = TITLE_WEIGHT * title[t] + body[t]
                if f:
                    score += idf[t] * f * (K1 + 1) / (f + norm)
            if score > 0:
                hits.append((int(row["chunk_id"]), score))
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k]

    def _term_counts(self, terms: list[str]) -> tuple[dict[str, int], int, int]:
        """Chunks holding each analyzed term, the chunk count and the number of terms in
        all chunks (for the average length), cached per generation."""
        cache, total = self._df_cache()
        slots = {t: "\0" + t for t in [*terms, schema.TOTAL]}
        missing = [t for t, slot in slots.items() if slot not in cache]
        for batch in schema.batched(missing):
            rows = self.client.get(self.terms_name, ids=batch, output_fields=["term", "df"])
            found = {r["term"]: int(r["df"]) for r in rows}
            for t in batch:
                cache[slots[t]] = found.get(t, 0)
        return {t: cache[slots[t]] for t in terms}, total, cache[slots[schema.TOTAL]]

    def document_frequencies(self, words: Iterable[str]) -> tuple[dict[str, int], int]:
        """Chunks containing each word (stemmed as at indexing), read from the term-count
        collection and cached per generation, and the chunk count. A word of several terms
        ("U.S.") counts as its rarest term: an upper bound of FTS5's phrase count."""
        cache, total = self._df_cache()
        words = list(dict.fromkeys(words))
        terms = {w: list(dict.fromkeys(analysis.fts_terms(w))) for w in words if w not in cache}
        wanted = list({t for ts in terms.values() for t in ts})
        found: dict[str, int] = {}
        for batch in schema.batched(wanted):
            rows = self.client.get(self.terms_name, ids=batch, output_fields=["term", "df"])
            found.update({r["term"]: int(r["df"]) for r in rows})
        for word, parts in terms.items():
            cache[word] = min((found.get(t, 0) for t in parts), default=0)
        return {w: cache[w] for w in words}, total

    def _df_cache(self) -> tuple[dict[str, int], int]:
        with self._lock:
            generation, cache, _ = self._cache
            if generation != self.generation or len(cache) > DF_CACHE_WORDS:
                total = schema.count(self.client, self.chunks_name)
                self._cache = (self.generation, {}, total)
            return self._cache[1], self._cache[2]

    def chunks(self, chunk_ids: Sequence[int]) -> list[StoredChunk]:
        """In the order asked; ids deleted since the search (or orphans) are skipped."""
        if not chunk_ids:
            return []
        rows = self.client.get(self.chunks_name, ids=list(chunk_ids), output_fields=CHUNK_FIELDS)
        found = {a.article_id: a for a in self.articles({r["article_id"] for r in rows})}
        by_id = {}
        for r in rows:
            article = found.get(r["article_id"])
            if article is not None and article.content_hash == r["content_hash"]:
                by_id[int(r["chunk_id"])] = StoredChunk(
                    int(r["chunk_id"]), article, int(r["position"]), int(r["start"]), int(r["end"])
                )
        return [by_id[i] for i in chunk_ids if i in by_id]

    def articles(self, article_ids: Iterable[str]) -> list[StoredArticle]:
        ids = list(dict.fromkeys(article_ids))
        out: list[StoredArticle] = []
        for batch in schema.batched(ids, IDS_PER_QUERY):
            rows = self.client.query(
                self.articles_name,
                filter=f"article_id in {analysis.any_literal(batch)}",
                output_fields=["article_id", "piece", "pieces", "body"],
                limit=16_384,
            )
            out.extend(assemble(list(rows)))
        return out

    def article(self, article_id: str) -> StoredArticle | None:
        found = self.articles([article_id])
        return found[0] if found else None

    def article_chunks(self, article_id: str) -> list[tuple[int, int, int]]:
        article = self.article(article_id)
        if article is None:
            return []
        expr = (
            f"article_id == {analysis.literal(article_id)} and "
            f"content_hash == {analysis.literal(article.content_hash)}"
        )
        rows = schema.all_rows(self.client, self.chunks_name, expr, CHUNK_FIELDS)
        rows.sort(key=lambda r: int(r["position"]))
        return [(int(r["chunk_id"]), int(r["start"]), int(r["end"])) for r in rows]

    def fingerprints(self) -> dict[str, str]:
        return {r["article_id"]: r["content_hash"] for r in self._heads(["content_hash"])}

    def ids_by_origin(self, origin: str) -> list[str]:
        expr = f"piece == 0 and origin == {analysis.literal(origin)}"
        rows = schema.all_rows(self.client, self.articles_name, expr, ["article_id"])
        return [r["article_id"] for r in rows]

    def list_articles(
        self,
        where: SearchFilter | None = None,
        after: tuple[str, str] | None = None,
        limit: int = 50,
        query: str | None = None,
    ) -> list[StoredArticle]:
        """A page in ``list_key`` order (index.protocols.Documents.list_articles): the
        commit marks are scanned and ordered here (Milvus queries have no ORDER BY), then
        only the page's articles are read."""
        heads = [
            (r["published"], r["article_id"])
            for r in self._heads(["source", "published"])
            if passes(where, r["source"], r["published"])
        ]
        heads.sort(key=lambda h: h[1])
        heads.sort(key=lambda h: h[0], reverse=True)
        if after is not None:
            heads = [h for h in heads if h[0] < after[0] or (h[0] == after[0] and h[1] > after[1])]
        words = [w.casefold() for w in (query or "").split()]
        page: list[StoredArticle] = []
        step = max(limit, 50)
        for start in range(0, len(heads), step):
            if len(page) >= limit:
                break
            ids = [h[1] for h in heads[start : start + step]]
            found = {a.article_id: a for a in self.articles(ids)}
            for article_id in ids:
                article = found.get(article_id)
                text = f"{article.title} {article.text}".casefold() if article else ""
                if article and all(w in text for w in words) and len(page) < limit:
                    page.append(article)
        return page

    def latest_published(self) -> str | None:
        """The newest date, one scan of the commit marks per generation."""
        generation = self.generation
        cached = self._latest
        if cached is None or cached[0] != generation:
            dates = [r["published"] for r in self._heads(["published"]) if r["published"]]
            cached = self._latest = (generation, max(dates) if dates else None)
        return cached[1]

    def stats(self) -> Stats:
        """Counts by scanning the articles' first pieces (one paged query); Milvus reports
        no size a client can trust, so ``size_bytes`` is 0."""
        heads = list(self._heads(["source", "published"]))
        sources: dict[str, int] = {}
        for r in heads:
            name = r["source"] or "(unknown)"
            sources[name] = sources.get(name, 0) + 1
        dates = [r["published"] for r in heads if r["published"]]
        return Stats(
            articles=len(heads),
            chunks=schema.count(self.client, self.chunks_name),
            sources=dict(sorted(sources.items(), key=lambda item: -item[1])),
            oldest=min(dates) if dates else None,
            newest=max(dates) if dates else None,
            model=self.model,
            generation=self.generation,
            size_bytes=0,
            undated=len(heads) - len(dates),
            months=dict(sorted(Counter(d[:7] for d in dates).items())),
        )

    def _heads(self, fields: list[str], expr: str = "piece == 0") -> Iterator[dict]:
        """Piece 0 of every article (the commit marks), with ``fields``."""
        yield from schema.rows(self.client, self.articles_name, expr, ["article_id", *fields])

    # ---- writing -------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Any]:
        """Staged writes, applied in commit order at a clean exit (index/milvus/writer.py)."""
        from index.milvus.writer import MilvusWriter

        with self._write_lock:
            self.refresh()
            writer = MilvusWriter(self)
            writer.recover()
            yield writer  # an exception drops what is staged: nothing was written
            writer.commit()


def passes(where: SearchFilter | None, source: str, published: str) -> bool:
    """``SearchFilter`` on an article's outlet and date, as ``SearchFilter.sql`` decides
    (and a question's dates, as ``rag.retrieval.DatedFilter.sql`` does)."""
    if where is None or not where.active:
        return True
    if not analysis.dated_passes(where, published):
        return False
    if where.sources and source.casefold() not in {s.casefold() for s in where.sources}:
        return False
    if (where.since or where.until) and not published:
        return False
    if where.since and not (
        published >= where.since or published in (where.since[:4], where.since[:7])
    ):
        return False
    return not (where.until and published > where.until)


def assemble(rows: list[dict]) -> list[StoredArticle]:
    """Articles from their pieces; one with a piece missing (a write under way) is skipped."""
    grouped: dict[str, dict[int, dict]] = {}
    for r in rows:
        grouped.setdefault(r["article_id"], {})[int(r["piece"])] = r
    out = []
    for pieces in grouped.values():
        head = pieces.get(0)
        if head is None or len(pieces) != int(head["pieces"]):
            continue
        record = json.loads("".join(pieces[i]["body"] for i in range(len(pieces))))
        out.append(StoredArticle(**record))
    return out


def _read_meta(client: Any, meta_name: str) -> dict[str, str]:
    keys = ["schema_version", "model", "dimension", "generation"]
    rows = client.get(meta_name, ids=keys, output_fields=["key", "value"])
    return {r["key"]: r["value"] for r in rows}


def _generation(client: Any, meta_name: str) -> int:
    rows = client.get(meta_name, ids=["generation"], output_fields=["value"])
    return int(rows[0]["value"]) if rows else 0
