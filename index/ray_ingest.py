"""Ingestion on Ray Data: the same load -> clean -> chunk -> embed -> store as ``Ingestor``,
spread over a Ray cluster (``newsrag ingest PATH... --ray [--ray-address ADDRESS]``).

Why this shape: embedding is the cost (docs/benchmarks.md), and the idiomatic way to run a
sentence-transformers model over many documents on a cluster is a Ray Data actor pool that
loads the model once per actor. Files are listed on the driver; loading, cleaning and
chunking run in parallel Ray tasks: one file per loading task, then blocks of a few articles
per chunking task, so one large JSONL file is spread too (the tokenizer is cached per worker
process, which Ray reuses); embedding runs in a pool of embedding actors. Writes stay on the
driver, through the store's one ``StoreWriter`` with a commit every ``commit_every`` chunks, so the
same code serves SQLite/FAISS and Milvus, and a crash keeps every batch committed before it.

The identity rules are ``Ingestor``'s own (its helpers are called, not copied): an article
whose content hash is unchanged is skipped before it is chunked or embedded, a changed one
replaces its earlier version, an edited URL-less file replaces the version it came from. To
apply them the driver must know every article of the run before the first write, so the
loaded and chunked articles are materialized in Ray's object store (spilled to disk when
large) between the two stages; only their ids, hashes and origins come to the driver.

The workers read the files themselves: on a remote cluster (``auto``, ``ray://...``) the
paths must be visible to every node (a shared filesystem) and newsrag installed there.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.chunking import Chunker
from index.documents import Article, Chunk
from index.embedding import Embedder
from index.ingest import Ingestor, IngestReport, PendingArticle, apply_batch
from index.ingest_progress import StatusCallback, StatusTracker
from index.loaders import Defaults, Limits, LoadFailure, iter_files, load_paths
from index.protocols import DocumentStore
from index.settings import IndexSettings

EMBED_BATCH_ARTICLES = 16  # articles per embedding call (~250 chunks); chosen, not yet tuned
_ADDRESS = re.compile(r"^(auto|local|ray://\S+|[\w.-]+:\d+)$")


class RayUnavailableError(RuntimeError):
    """Ray is not installed, or the cluster named cannot be joined; the message says how."""


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide to run. ``address``: "" or "local" starts a local cluster with the
    machine's CPUs; "auto" joins the cluster this machine belongs to; "ray://host:port" (or
    "host:port") joins that one. ``embed_actors`` 0 means one per CPU of the cluster."""

    address: str = ""
    embed_actors: int = 0
    batch_articles: int = EMBED_BATCH_ARTICLES


def check_address(address: str) -> str:
    """``address`` as given, or ValueError naming it and what is accepted (a path given
    after ``--ray`` by mistake lands here)."""
    if address and not _ADDRESS.match(address):
        raise ValueError(
            f"--ray address {address!r} is not 'auto', 'ray://host:port' or 'host:port' "
            "(leave it empty for a local cluster)"
        )
    return address


def ray_ingest(
    settings: IndexSettings,
    embedder: Embedder,
    paths: Iterable[Path],
    defaults: Defaults | None = None,
    status: StatusCallback | None = None,
    options: RayOptions | None = None,
    store: DocumentStore | None = None,
) -> IngestReport:
    """Ingest ``paths`` on Ray: failures and warnings per file as ``load_paths`` names them,
    counts as ``Ingestor.run_paths`` gives them. ``status`` hears each article written."""
    options = options or RayOptions()
    ray = _import_ray()
    started_cluster = _connect(ray, check_address(options.address))
    try:
        return _run(ray, settings, embedder, list(paths), defaults, status, options, store)
    finally:
        if started_cluster:
            ray.shutdown()


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayUnavailableError(
            "--ray needs Ray Data: pip install 'newsrag[ray]' (or make setup)"
        ) from exc
    return ray


def _connect(ray: Any, address: str) -> bool:
    """Join or start a cluster; whether this call started it (and so must stop it)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: never phone home
    if ray.is_initialized():
        return False
    try:
        if address in ("", "local"):
            ray.init(
                num_cpus=os.cpu_count() or 1,
                include_dashboard=False,
                logging_level="WARNING",
                log_to_driver=False,
            )
        else:
            ray.init(address=address, logging_level="WARNING", log_to_driver=False)
    except Exception as exc:  # ConnectionError, TimeoutError, ray's own errors
        raise RayUnavailableError(
            f"cannot start or join the Ray cluster {address or 'local'!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return True


def _run(
    ray: Any,
    settings: IndexSettings,
    embedder: Embedder,
    paths: list[Path],
    defaults: Defaults | None,
    status: StatusCallback | None,
    options: RayOptions,
    store: DocumentStore | None,
) -> IngestReport:
    started = time.perf_counter()
    ingestor = Ingestor(settings, embedder, store)  # checks the chunk size; opens the store
    embedder.encode(["warm-up"])  # makes the ONNX export once, before the actors need it
    report = IngestReport()
    files = [str(p) for p in iter_files(paths)]
    if not files:
        report.seconds = time.perf_counter() - started
        return report
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    worker_settings = settings.model_copy(  # one core per actor, the driver's passage encoder
        update={
            "torch_threads": settings.torch_threads or 1,
            "passage_backend": embedder.passage_backend,
        }
    )
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # same order, same chunk ids, as serial
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # its plan and timing lines
    known = ingestor.store.fingerprints()

    items = [{"seq": number, "path": path} for number, path in enumerate(files)]
    read = (
        ray.data.from_items(items, override_num_blocks=min(len(items), cpus * 4))
        .flat_map(
            _load, fn_kwargs={"settings": worker_settings, "defaults": defaults or Defaults()}
        )
        .materialize()
    )
    # Blocks of a few articles, so that one large file is chunked and embedded in parallel.
    blocks = max(1, min(read.count() // options.batch_articles + 1, 10_000))
    loaded = (
        read.repartition(blocks)
        .map_batches(
            _chunk,
            fn_kwargs={"settings": worker_settings, "known": known},
            batch_size=None,
            batch_format="numpy",
        )
        .materialize()
    )
    meta = sorted(loaded.drop_columns(["payload"]).iter_rows(), key=lambda r: (r["seq"], r["pos"]))
    for row in meta:
        if row["kind"] == "failure":
            report.failed.append(LoadFailure(row["path"], row["reason"]))
        elif row["kind"] == "warning":
            report.warnings.append(LoadFailure(row["path"], row["reason"]))
    articles = [row for row in meta if row["kind"] == "article"]
    tracker = StatusTracker(status, len(articles), sum(row["chars"] for row in articles))
    replaces = _decide(ingestor, articles, known, report, tracker)
    if replaces:
        # Chosen inside the actors: a filter stage of its own would wait for a CPU that
        # the actor pool holds (a deadlock when the pool is as wide as the cluster).
        embedded = loaded.map_batches(
            _Embed,
            fn_constructor_kwargs={"settings": worker_settings, "wanted": set(replaces)},
            batch_size=options.batch_articles,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(options.embed_actors or cpus, blocks)),
        )
        report.chunks = _write(ingestor, embedded.iter_rows(), replaces, settings, tracker)
    report.seconds = time.perf_counter() - started
    return report


def _decide(
    ingestor: Ingestor,
    articles: list[dict[str, Any]],
    known: dict[str, str],
    report: IngestReport,
    tracker: StatusTracker,
) -> dict[tuple[int, int], list[str]]:
    """``Ingestor.run``'s rules over the whole run: (seq, pos) of each article to embed and
    write, with the earlier versions it replaces; counts the others as unchanged."""
    in_run = {row["article_id"] for row in articles}
    seen: set[str] = set()
    chosen: dict[tuple[int, int], list[str]] = {}
    for row in articles:
        article_id = row["article_id"]
        report.article_ids.append(article_id)
        if article_id in seen or known.get(article_id) == row["hash"]:
            report.unchanged += 1
            tracker.add(articles=1, characters=row["chars"])
            continue
        seen.add(article_id)
        # ``replaced_by`` reads only the URL, origin and title: the text stays on the workers.
        stub = Article(title=row["title"], text="", url=row["url"] or None, origin=row["origin"])
        replaced = ingestor.replaced_by(stub, article_id, in_run)
        if article_id in known or replaced:
            report.updated += 1
        else:
            report.added += 1
        chosen[(row["seq"], row["pos"])] = replaced
    return chosen


def _write(
    ingestor: Ingestor,
    rows: Iterator[dict[str, Any]],
    replaces: dict[tuple[int, int], list[str]],
    settings: IndexSettings,
    tracker: StatusTracker,
) -> int:
    """Write embedded articles as they arrive, committing every ``commit_every`` chunks."""
    batch: list[PendingArticle] = []
    parts: list[np.ndarray] = []
    batch_chunks = written = 0
    for row in rows:
        article, article_id, chunks = _unpack(row["payload"])
        vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(chunks), -1)
        replaced = replaces[(row["seq"], row["pos"])]
        batch.append(PendingArticle(article, article_id, chunks, replaced))
        parts.append(vectors)
        batch_chunks += len(chunks)
        tracker.add(1, len(chunks), len(article.text))
        if batch_chunks >= settings.commit_every:
            written += _commit(ingestor, batch, parts)
            batch, parts, batch_chunks = [], [], 0
    if batch:
        written += _commit(ingestor, batch, parts)
    return written


def _commit(ingestor: Ingestor, batch: list[PendingArticle], parts: list[np.ndarray]) -> int:
    dimension = ingestor.embedder.dimension
    vectors = np.concatenate(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
    with ingestor.store.writer() as writer:
        apply_batch(writer, batch, vectors)
        writer.commit()
    return len(vectors)


_CHUNKERS: dict[str, Chunker] = {}  # per worker process: Ray reuses them across tasks


def _chunker(settings: IndexSettings) -> Chunker:
    """The tokenizer loads once per worker process, not once per file."""
    key = settings.model_dump_json()
    if key not in _CHUNKERS:
        embedder = Embedder.from_settings(settings)
        _CHUNKERS[key] = Chunker(
            embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap, embedder.max_tokens
        )
    return _CHUNKERS[key]


def _load(
    item: dict[str, Any], settings: IndexSettings, defaults: Defaults
) -> list[dict[str, Any]]:
    """A loading task: reads one file, emits one row per article, failure and warning."""
    seq, path = int(item["seq"]), str(item["path"])
    result = load_paths([Path(path)], defaults, Limits.of(settings))
    rows = [_note(seq, n - 30_000, "failure", f) for n, f in enumerate(result.failures)]
    rows += [_note(seq, n - 20_000, "warning", w) for n, w in enumerate(result.warnings)]
    for pos, article in enumerate(result.articles):
        rows.append(
            {
                **_row(seq, pos, "article"),
                "path": path,
                "article_id": article.article_id,
                "hash": article.content_hash,
                "title": article.title,
                "url": article.url or "",
                "origin": article.origin,
                "chars": len(article.text),
                "payload": _pack(article, article.article_id, []),
            }
        )
    return rows


def _pack(article: Article, article_id: str, chunks: list[Chunk]) -> bytes:
    """An article and its chunks as JSON bytes for Ray's object store (no pickle: the text
    came from a user's file)."""
    record = {
        "article": dataclasses.asdict(article),
        "id": article_id,
        "chunks": [dataclasses.asdict(c) for c in chunks],
    }
    return json.dumps(record).encode("utf-8")


def _unpack(payload: bytes) -> tuple[Article, str, list[Chunk]]:
    record = json.loads(payload)
    chunks = [Chunk(**c) for c in record["chunks"]]
    return Article(**record["article"]), record["id"], chunks


def _chunk(
    batch: dict[str, np.ndarray], settings: IndexSettings, known: dict[str, str]
) -> dict[str, np.ndarray]:
    """A chunking task over a block of articles (a large JSONL file is spread over many):
    chunks each article unless its fingerprint is unchanged; one that cannot be chunked
    becomes a failure row naming its file."""
    kinds, reasons, payloads = list(batch["kind"]), list(batch["reason"]), list(batch["payload"])
    for row, kind in enumerate(kinds):
        if kind != "article" or known.get(str(batch["article_id"][row])) == batch["hash"][row]:
            continue
        article, article_id, _ = _unpack(payloads[row])
        try:
            chunks: list[Chunk] = _chunker(settings).run(article, article_id)
        except Exception as exc:  # one article's bug must not end the run
            kinds[row], payloads[row] = "failure", b""
            reasons[row] = f"could not be chunked ({type(exc).__name__}: {str(exc)[:200]})"
            continue
        payloads[row] = _pack(article, article_id, chunks)
    return {
        **batch,
        "kind": np.array(kinds, dtype=object),
        "reason": np.array(reasons, dtype=object),
        "payload": np.array(payloads, dtype=object),
    }


class _Embed:
    """An embedding actor: the model loaded once, a batch of articles' chunks per call;
    rows not chosen for writing (unchanged articles, failures) are dropped here."""

    def __init__(self, settings: IndexSettings, wanted: set[tuple[int, int]]):
        self.embedder = Embedder.from_settings(settings)
        self.wanted = wanted

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        keep = [
            (int(seq), int(pos)) in self.wanted
            for seq, pos in zip(batch["seq"], batch["pos"], strict=True)
        ]
        batch = {name: column[keep] for name, column in batch.items()}
        loaded = [_unpack(payload) for payload in batch["payload"]]
        flat = [chunk for _, _, chunks in loaded for chunk in chunks]
        vectors = self.embedder.encode(
            [c.embed_text for c in flat], True, [c.embed_ids for c in flat]
        )
        out, offset = [], 0
        for _, _, chunks in loaded:
            out.append(vectors[offset : offset + len(chunks)].astype(np.float32).tobytes())
            offset += len(chunks)
        return {
            "seq": batch["seq"],
            "pos": batch["pos"],
            "payload": batch["payload"],
            "vectors": np.array(out, dtype=object),
        }


def _row(seq: int, pos: int, kind: str) -> dict[str, Any]:
    """Every row has every column (empty where unused): blocks then share one schema."""
    return {
        "seq": seq,
        "pos": pos,
        "kind": kind,
        "path": "",
        "reason": "",
        "article_id": "",
        "hash": "",
        "title": "",
        "url": "",
        "origin": "",
        "chars": 0,
        "payload": b"",
    }


def _note(seq: int, pos: int, kind: str, note: LoadFailure) -> dict[str, Any]:
    return {**_row(seq, pos, kind), "path": note.path, "reason": note.reason}
