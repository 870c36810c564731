"""Ingest throughput, ask latency at scale, and the plain LangChain baseline, on real news.

Why each measurement exists:

* newsrag ingest vs raw ``model.encode`` on the very same chunk texts and batch size: on a CPU
  the model is the cost that cannot be avoided, so the ratio shows what the pipeline around it
  (chunking, SQLite, FTS5, FAISS, atomic commits) costs. The goal is >= 0.9.
* ``NewsRAG.ask`` latency at 10k and 100k chunks: the dense search is exhaustive and BM25 reads
  postings, so both grow with the index; synthetic copies of the real chunks (real text, real
  vectors plus noise) make indexes of that size without hours of embedding.
* the LangChain pipeline a user would build first: the yardstick newsrag must not fall far
  behind on speed or memory while adding citations, BM25 and filters.

The load on a shared machine drifts by the minute, so the three ingests run slice by slice,
side by side, in rotating order. Every step runs in its own process so that its peak RSS
(VmHWM) is its own. The article texts are read from ``--data`` at run time and never copied
into the repository (licence); temporary indexes live under /tmp.

    .venv/bin/python bench/ingest_bench.py --articles 300 --scale 10000,100000 \
        --out bench/results/ingest-300.json

``--whole-process`` times ``newsrag ingest FILE`` from start to exit against the plain script
``bench/langchain_ingest.py FILE`` on the same JSONL slices instead (what a user waits for,
model load and imports included); ``--also NEWSRAG_CHUNK_OVERLAP=0`` adds a second
``newsrag ingest`` with other settings to the same alternation, so one LangChain run serves
both.

``--latency-only`` skips raw encode and LangChain (about 12 minutes instead of 30): the
newsrag ingest builds the base index, then ``ask`` is timed at each scale. ``--work-dir DIR``
keeps the indexes there, so one ``--phase ask --index DIR/scale-100000`` can be rerun alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere, without installing the repo
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from api.settings import Settings  # noqa: E402
from index.chunking import Chunker  # noqa: E402
from index.documents import Article  # noqa: E402
from index.embedding import Embedder  # noqa: E402
from index.loaders import load_paths  # noqa: E402

DEFAULT_DATA = REPO / "../shared/news/realtimeqa"
NOISE_SIGMA = 0.025  # per-dimension noise on synthetic vectors: cosine to the original ~0.9
FULL_SET_LANGCHAIN = {  # the figures for all 3,144 articles on this machine type
    "characters": 25_500_000,
    "seconds": 813.0,
    "chunks_per_s": 43.0,
    "peak_rss_mib": 2048.0,
    "search_p50_ms": 16.0,
}
Result = dict[str, Any]


# ---- measuring ------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM); one process per phase keeps peaks separate."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p95 (linear interpolation); with ~50 samples p95 sits between the 3rd and 2nd worst."""
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    array = np.asarray(values, dtype=float)
    return {
        "p50": round(float(np.percentile(array, 50)), 2),
        "p95": round(float(np.percentile(array, 95)), 2),
        "n": len(values),
    }


def elapsed(start: float) -> float:
    return round(time.perf_counter() - start, 3)


def dir_size_mib(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


# ---- data -----------------------------------------------------------------------------------


def load_articles(data: Path, limit: int | None) -> tuple[list[Article], float]:
    """The first ``limit`` articles as newsrag's own loader reads them, and the load seconds."""
    files = sorted(data.glob("articles-*.jsonl"))
    if not files:
        raise SystemExit(f"no articles-*.jsonl under {data}; pass --data")
    start = time.perf_counter()
    loaded = load_paths(files)
    seconds = elapsed(start)
    articles = loaded.articles[:limit] if limit else loaded.articles
    return articles, seconds


def unique_articles(articles: list[Article]) -> list[tuple[Article, str]]:
    """First occurrence of each article id: what the Ingestor actually embeds."""
    seen: dict[str, Article] = {}
    for article in articles:
        seen.setdefault(article.article_id, article)
    return [(article, article_id) for article_id, article in seen.items()]


@dataclasses.dataclass(frozen=True)
class Question:
    text: str
    article_id: str
    url: str | None
    published: str | None = None  # the article's date: the as-of date of its windowed twin


def make_questions(articles: list[Article], count: int) -> list[Question]:
    """Questions derived from titles of articles spread over the set (written at run time so no
    article text lands in the repository). They are easy for retrieval: they measure latency,
    and the hit rate is only a sanity check that answers still come from the right story."""
    usable = [
        (a, i)
        for a, i in unique_articles(articles)
        if len(a.title.split()) >= 5 and not a.title.rstrip().endswith(("...", "…"))
    ]
    step = max(1, len(usable) // count)
    picked = usable[::step][:count]
    return [
        Question(f"What is known about {a.title.rstrip('.?!')}?", i, a.url, a.published)
        for a, i in picked
    ]


def windowed(questions: list[Question]) -> list[tuple[Question, Question, dt.date]]:
    """Each dated question, and its twin asked about "this month" as of the article's date:
    the same search with a time window that holds the article (issue 12: a window must not
    slow ``ask``)."""
    return [
        (q, dataclasses.replace(q, text=f"{q.text[:-1]} this month?"), dt.date.fromisoformat(day))
        for q in questions
        if q.published and len(day := q.published[:10]) == 10
    ]


def make_chunker(embedder: Embedder, settings: Settings) -> Chunker:
    return Chunker(
        embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap, embedder.max_tokens
    )


def warm_up(model: Any, batch_size: int) -> None:
    """One untimed batch so neither side pays torch's first-call costs inside the timing."""
    model.encode(["warm up the model"] * batch_size, batch_size=batch_size)


# ---- phases (each runs in a child process) --------------------------------------------------


def slice_of(articles: list[Article], index: int, count: int) -> tuple[list[Article], list]:
    """Slice ``index`` of ``count``, and the articles first seen in it (the ones it embeds)."""
    size = -(-len(articles) // max(1, count))
    part = articles[index * size : (index + 1) * size]
    before = {a.article_id for a in articles[: index * size]}
    return part, [(a, i) for a, i in unique_articles(part) if i not in before]


def phase_raw(args: argparse.Namespace) -> Result:
    """SentenceTransformer.encode alone, with Embedder.encode's arguments, on the embed_text
    of exactly the chunks the Ingestor makes of this slice."""
    settings = Settings()
    embedder = Embedder(settings.model, settings.device, settings.batch_size)
    warm_up(embedder.model, settings.batch_size)
    articles, _ = load_articles(args.data, args.articles)
    _, fresh = slice_of(articles, args.slice, args.slices)
    chunker = make_chunker(embedder, settings)
    start = time.perf_counter()
    texts = [c.embed_text for a, i in fresh for c in chunker.run(a, i)]
    chunking_s = elapsed(start)
    start = time.perf_counter()
    vectors = embedder.model.encode(
        texts, batch_size=settings.batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
    seconds = elapsed(start)
    np.save(args.work / f"raw-{args.slice}.npy", np.asarray(vectors, dtype=np.float32))
    return {
        "chunks": len(texts),
        "seconds": seconds,
        "chunking_s": chunking_s,
        "batch_size": settings.batch_size,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def phase_pipeline(args: argparse.Namespace) -> Result:
    """index.ingest.Ingestor.run on this slice, appending to the one index all slices share."""
    from index.ingest import Ingestor

    settings = Settings(index_dir=args.work / "base")
    embedder = Embedder.from_settings(settings)  # the configured passage backend ...
    if args.passage_backend:  # ... or the one being measured
        embedder.passage_backend = args.passage_backend
    warm_up(embedder.model, settings.batch_size)
    embedder.encode(["warm up the passage encoder"] * settings.batch_size)  # export, untimed
    articles, _ = load_articles(args.data, args.articles)
    part, _ = slice_of(articles, args.slice, args.slices)
    ingestor = Ingestor(settings, embedder)
    start = time.perf_counter()
    report = ingestor.run(part)
    return {
        "passage_backend": embedder.encoder_name,
        "chunks": report.chunks,
        "seconds": elapsed(start),
        "added": report.added,
        "duplicates_skipped": report.unchanged,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def langchain_embeddings() -> Any:
    from bench.langchain_ingest import embeddings

    model = embeddings()
    model.embed_query("warm up the model")
    return model


def phase_langchain_ingest(args: argparse.Namespace) -> Result:
    """The plain pipeline on this slice: split, embed, FAISS.from_documents. Its vectors are
    kept (in the temporary directory) so the search phase needs no second embedding pass."""
    from bench.langchain_ingest import split_and_embed

    embeddings = langchain_embeddings()
    articles, _ = load_articles(args.data, args.articles)
    _, fresh = slice_of(articles, args.slice, args.slices)
    start = time.perf_counter()
    store, _ = split_and_embed(
        [a.text for a, _ in fresh], embeddings, [{"id": i} for _, i in fresh]
    )
    seconds = elapsed(start)
    vectors = store.index.reconstruct_n(0, store.index.ntotal)
    docs = [store.docstore.search(store.index_to_docstore_id[n]) for n in range(store.index.ntotal)]
    np.save(args.work / f"langchain-{args.slice}.npy", vectors)
    records = [{"text": d.page_content, "id": d.metadata["id"]} for d in docs]
    (args.work / f"langchain-{args.slice}.json").write_text(json.dumps(records))
    return {"chunks": len(records), "seconds": seconds, "peak_rss_mib": round(peak_rss_mib(), 1)}


def phase_langchain_search(args: argparse.Namespace) -> Result:
    """similarity_search(k=4) on the whole LangChain index, rebuilt from the slices' vectors
    with FAISS.from_embeddings (the same index from_documents builds, without re-embedding)."""
    from langchain_community.vectorstores import FAISS

    embeddings = langchain_embeddings()
    records, vectors = [], []
    for n in range(args.slices):
        records += json.loads((args.work / f"langchain-{n}.json").read_text())
        vectors.append(np.load(args.work / f"langchain-{n}.npy"))
    pairs = [(r["text"], v) for r, v in zip(records, np.concatenate(vectors), strict=True)]
    store = FAISS.from_embeddings(pairs, embeddings, metadatas=[{"id": r["id"]} for r in records])
    articles, _ = load_articles(args.data, args.articles)
    questions = make_questions(articles, args.questions)
    store.similarity_search("What happened this week?", k=4)
    walls = time_calls(lambda q: store.similarity_search(q, k=4), questions)
    hits = sum(
        any(d.metadata["id"] == q.article_id for d in store.similarity_search(q.text, k=4))
        for q in questions
    )
    one_thread_everywhere()
    one_thread = time_calls(lambda q: store.similarity_search(q, k=4), questions)
    return {
        "chunks": len(records),
        "search_k4_ms": walls,
        "search_k4_ms_one_thread": one_thread,
        "hit_rate_k4": round(hits / len(questions), 3),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def synthetic_article(article: Article, article_id: str, copy: int) -> Article:
    """A copy under a new URL (hence a new article id) that names the article it copies."""
    return dataclasses.replace(
        article, url=f"https://synthetic.invalid/{article_id}/{copy}", origin="synthetic"
    )


def noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Real vectors plus Gaussian noise, renormalized: near-duplicate stories, not exact ties."""
    mixed = vectors + rng.normal(0.0, NOISE_SIGMA, vectors.shape).astype(np.float32)
    return np.ascontiguousarray(mixed / np.linalg.norm(mixed, axis=1, keepdims=True))


def base_vectors(store: Any) -> dict[int, np.ndarray]:
    """chunk id -> the vector the pipeline stored for it: the build reuses real embeddings
    without needing the raw-encode phase."""
    import faiss

    index = store._vectors._index
    ids = faiss.vector_to_array(index.id_map)
    return {int(i): index.reconstruct(int(i)) for i in ids}


def phase_build(args: argparse.Namespace) -> Result:
    """Grow a copy of the real index to exactly ``--target`` chunks through Store.writer()."""
    from index.store import Store

    target, base = args.target, args.work / "base"
    directory = args.work / f"scale-{target}"
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(base, directory)
    settings = Settings()
    embedder = Embedder(settings.model, settings.device, settings.batch_size)
    chunker = make_chunker(embedder, settings)
    articles, _ = load_articles(args.data, args.articles)
    store = Store.open(directory)
    stored = base_vectors(store)
    pool = []
    for article, article_id in unique_articles(articles):
        ids = [cid for cid, _, _ in store.article_chunks(article_id)]
        if ids:
            pool.append((article, article_id, chunker.run(article, article_id), ids))
    rng = np.random.default_rng(target)
    start = time.perf_counter()
    count, copy = store.stats().chunks, 0
    with store.writer() as writer:
        while count < target:
            for article, article_id, chunks, ids in pool:
                take = min(target - count, len(chunks))
                if take <= 0:
                    break
                synth = synthetic_article(article, article_id, copy)
                copies = [
                    dataclasses.replace(c, article_id=synth.article_id) for c in chunks[:take]
                ]
                block = np.stack([stored[i] for i in ids[:take]])
                writer.upsert(synth, synth.article_id, copies, noisy(block, rng))
                count += take
            copy += 1
    return {
        "chunks": Store.open(directory).stats().chunks,
        "build_s": elapsed(start),
        "index_mib": dir_size_mib(directory),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def is_hit(question: Question, article_id: str, url: str | None) -> bool:
    """The cited article is the question's own or one of its synthetic copies."""
    return article_id == question.article_id or bool(url and f"/{question.article_id}/" in url)


@dataclasses.dataclass(frozen=True)
class Asked:
    wall_ms: float
    timings_ms: dict[str, float]
    abstained: bool
    hit: bool  # the question's own article (or a synthetic copy of it) is cited


def ask_one(rag: Any, question: Question, as_of: dt.date | None = None) -> Asked:
    start = time.perf_counter()
    answer = rag.ask(question.text, as_of=as_of)
    wall = (time.perf_counter() - start) * 1000
    hit = any(is_hit(question, c.article_id, c.url) for c in answer.citations)
    return Asked(wall, answer.timings_ms, answer.abstained, hit)


def summary(asked: list[Asked]) -> Result:
    """Wall time, per-stage times, and the sanity check."""
    stages: dict[str, list[float]] = {}
    for a in asked:
        for stage, ms in a.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    return {
        "wall_ms": percentiles([a.wall_ms for a in asked]),
        "stages_ms": {stage: percentiles(v) for stage, v in stages.items()},
        "cited_source_rate": round(sum(a.hit for a in asked) / len(asked), 3),
        "abstained": sum(a.abstained for a in asked),
    }


def ask_all(rag: Any, questions: list[Question]) -> Result:
    return summary([ask_one(rag, q) for q in questions])


def with_and_without_window(rag: Any, questions: list[Question]) -> Result:
    """Each question and its "this month" twin, both as of the article's date (so only the
    window differs), alternating which goes first so that neither side gains from the
    caches (sentence vectors, splits) the other warms."""
    plain: list[Asked] = []
    window: list[Asked] = []
    for n, (question, twin, as_of) in enumerate(windowed(questions)):
        runs = [(plain, question, as_of), (window, twin, as_of)]
        for into, asked, day in runs if n % 2 == 0 else runs[::-1]:
            into.append(ask_one(rag, asked, day))
    return {"questions": len(plain), "without": summary(plain), "with": summary(window)}


def time_calls(call: Callable[[str], object], questions: list[Question]) -> dict[str, float]:
    walls = []
    for question in questions:
        start = time.perf_counter()
        call(question.text)
        walls.append((time.perf_counter() - start) * 1000)
    return percentiles(walls)


def one_thread_everywhere() -> None:
    """torch and FAISS each run their own OpenMP pool; both matter for a one-query search."""
    import faiss
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)


def phase_ask(args: argparse.Namespace) -> Result:
    """NewsRAG.ask over the questions; model load and the first ask are excluded. Repeated
    with one thread: on a busy 2-core machine two OpenMP threads wait on each other for every
    operator, and the one-question embedding and search are where that shows."""
    import torch

    from index.store import Store
    from rag.pipeline import NewsRAG

    articles, _ = load_articles(args.data, args.articles)
    questions = make_questions(articles, args.questions)
    settings = Settings(index_dir=args.index)
    start = time.perf_counter()
    rag = NewsRAG(settings)  # loads the model and warms it up
    rag.ask("What happened this week?")  # first-query costs: SQLite pages, FTS5 vocab table
    startup_s = elapsed(start)
    result = ask_all(rag, questions)
    # a second answerer on the same index with its own embedder: its question and sentence
    # vector caches start cold, as they did for the first pass, on both sides alike (sharing
    # the first answerer's embedder gave the side without a window its cached question vectors)
    time_window = with_and_without_window(NewsRAG(settings, store=rag.store), questions)
    # like for like with LangChain's similarity_search(k=4): dense only, no answer
    dense = time_calls(lambda q: rag.retrieve(q, k=4, mode="dense"), questions)
    threads = torch.get_num_threads()
    one_thread_everywhere()
    one_thread = ask_all(rag, questions)
    return {
        "chunks": Store.open(args.index).stats().chunks,
        "settings": settings.model_dump(include={"k", "candidates", "fusion", "dense_weight"}),
        "questions": len(questions),
        "startup_s": startup_s,
        "torch_threads": threads,
        **result,
        "time_window": time_window,
        "retrieve_dense_k4_ms": dense,
        "one_thread": one_thread,
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


PHASES: dict[str, Callable[[argparse.Namespace], Result]] = {
    "raw": phase_raw,
    "pipeline": phase_pipeline,
    "langchain-ingest": phase_langchain_ingest,
    "langchain-search": phase_langchain_search,
    "build": phase_build,
    "ask": phase_ask,
}


# ---- orchestration --------------------------------------------------------------------------


def run_phase(args: argparse.Namespace, phase: str, *extra: str) -> Result:
    """Run one phase in a fresh interpreter and read back the JSON it wrote."""
    out = args.work / f"{phase}-{time.monotonic_ns()}.json"
    options: dict[str, object] = {
        "--phase": phase,
        "--work": args.work,
        "--data": args.data,
        "--phase-out": out,
        "--questions": args.questions,
        "--slices": args.slices,
    }
    if args.articles:
        options["--articles"] = args.articles
    if args.passage_backend:
        options["--passage-backend"] = args.passage_backend
    command = [sys.executable, str(Path(__file__).resolve())]
    command += [str(x) for item in options.items() for x in item] + list(extra)
    print(f"[bench] {phase} {' '.join(extra)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    result: Result = json.loads(out.read_text())
    print(f"[bench] {phase} done in {elapsed(started)} s", file=sys.stderr, flush=True)
    return result


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("nan")


def environment(note: str) -> Result:
    import torch

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "note": note,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


ORDERS = (
    ("raw", "pipeline", "langchain-ingest"),
    ("pipeline", "langchain-ingest", "raw"),
    ("langchain-ingest", "raw", "pipeline"),
)
ORDERS_NO_RAW = (("pipeline", "langchain-ingest"), ("langchain-ingest", "pipeline"))


def run_ingest(args: argparse.Namespace) -> Result:
    """Raw encode, the newsrag pipeline and LangChain, slice by slice with the order rotated:
    the load on a shared machine drifts by the minute, and a first attempt that ran them one
    after another (bench/results/ingest-300-first-attempt.json) saw raw encode differ by 35%
    between two runs. Side-by-side slices see the same load."""
    orders = ORDERS_NO_RAW if args.no_raw else ORDERS
    rows = []
    for n in range(args.slices):
        order = orders[n % len(orders)]
        rows.append({c: run_phase(args, c, "--slice", str(n)) for c in order})
    articles, _ = load_articles(args.data, args.articles)
    settings = Settings()
    characters = sum(len(a.text) for a, _ in unique_articles(articles))
    totals = {c: total(rows, c, characters) for c in orders[0]}
    result: Result = {
        "articles": len(articles),
        "characters": characters,
        "settings": settings.model_dump(
            include={
                "chunk_tokens",
                "chunk_overlap",
                "batch_size",
                "commit_every",
                "passage_backend",
            }
        ),
        "newsrag": totals["pipeline"],
        "langchain": totals["langchain-ingest"],
        "newsrag_vs_langchain_characters_per_s": ratio(
            totals["pipeline"]["characters_per_s"], totals["langchain-ingest"]["characters_per_s"]
        ),
        "newsrag_vs_langchain_per_slice": [
            ratio(r["langchain-ingest"]["seconds"], r["pipeline"]["seconds"]) for r in rows
        ],
        "slices": rows,
    }
    if not args.no_raw:
        totals["raw"]["chunking_s"] = round(sum(r["raw"]["chunking_s"] for r in rows), 2)
        result["raw_encode"] = totals["raw"]
        result["pipeline_vs_raw"] = ratio(
            totals["pipeline"]["chunks_per_s"], totals["raw"]["chunks_per_s"]
        )
        result["pipeline_vs_raw_per_slice"] = [
            ratio(r["raw"]["seconds"], r["pipeline"]["seconds"]) for r in rows
        ]
    return result


def time_process(command: list[str], log: Path, env: dict[str, str] | None = None) -> Result:
    """Wall-clock seconds of a whole process, start to exit, and its own peak RSS."""
    start = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}); see {log}")
    return {"seconds": elapsed(start), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def run_whole_process(args: argparse.Namespace) -> Result:
    """``newsrag ingest FILE`` from start to exit against ``bench/langchain_ingest.py FILE``
    (a plain script that splits, embeds and saves FAISS), on the same JSONL slices of the
    first ``--articles`` records, alternating which goes first. Everything a user waits for
    counts: interpreter start, imports, model load, reading, writing."""
    records = []
    for path in sorted(args.data.glob("articles-*.jsonl")):
        records += [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    records = records[: args.articles] if args.articles else records
    size = -(-len(records) // max(1, args.slices))
    env = dict(os.environ)
    if args.passage_backend:
        env["NEWSRAG_PASSAGE_BACKEND"] = args.passage_backend
    newsrag = str(Path(sys.executable).with_name("newsrag"))
    script = str(REPO / "bench" / "langchain_ingest.py")
    also = dict(item.split("=", 1) for item in args.also)  # a second newsrag, other settings
    variant = "newsrag-ingest " + " ".join(args.also)
    rows = []
    for n in range(args.slices):
        part = args.work / f"whole-{n}.jsonl"
        part.write_text("\n".join(records[n * size : (n + 1) * size]) + "\n", encoding="utf-8")
        commands = {
            "newsrag-ingest": (
                [newsrag, "ingest", str(part), "--index", str(args.work / "cli")],
                env,
            ),
            "langchain-script": (
                [sys.executable, script, str(part), str(args.work / f"lc-{n}")],
                env,
            ),
        }
        if also:
            index = str(args.work / "cli-also")
            commands[variant] = ([newsrag, "ingest", str(part), "--index", index], env | also)
        order = list(commands) if n % 2 == 0 else list(reversed(commands))
        row = {}
        for name in order:
            print(f"[bench] whole process {name} slice {n}", file=sys.stderr, flush=True)
            command, command_env = commands[name]
            row[name] = time_process(command, args.work / f"{name.split()[0]}-{n}.log", command_env)
        rows.append(row)
    characters = sum(len(json.loads(r)["text"]) for r in records)
    totals = {}
    for name in rows[0]:
        seconds = round(sum(r[name]["seconds"] for r in rows), 2)
        totals[name] = {
            "seconds": seconds,
            "characters_per_s": round(characters / seconds),
            "peak_rss_mib": max(r[name]["peak_rss_mib"] for r in rows),
        }
    ratios = {
        f"{name}_vs_langchain_characters_per_s": ratio(
            totals[name]["characters_per_s"], totals["langchain-script"]["characters_per_s"]
        )
        for name in totals
        if name.startswith("newsrag-ingest ")
    }
    return {
        "articles": len(records),
        "characters": characters,
        "passage_backend": env.get("NEWSRAG_PASSAGE_BACKEND", Settings().passage_backend),
        **totals,
        "newsrag_vs_langchain_characters_per_s": ratio(
            totals["newsrag-ingest"]["characters_per_s"],
            totals["langchain-script"]["characters_per_s"],
        ),
        **ratios,
        "newsrag_vs_langchain_per_slice": [
            ratio(r["langchain-script"]["seconds"], r["newsrag-ingest"]["seconds"]) for r in rows
        ],
        "slices": rows,
    }


def total(rows: list[Result], component: str, characters: int) -> Result:
    chunks = sum(r[component]["chunks"] for r in rows)
    seconds = round(sum(r[component]["seconds"] for r in rows), 2)
    return {
        "chunks": chunks,
        "seconds": seconds,
        "chunks_per_s": round(chunks / seconds, 2),
        "characters_per_s": round(characters / seconds),
        "peak_rss_mib": max(r[component]["peak_rss_mib"] for r in rows),
    }


def run_latency_ingest(args: argparse.Namespace) -> Result:
    """``--latency-only``: just the newsrag ingest that builds the base index."""
    rows = [
        {"pipeline": run_phase(args, "pipeline", "--slice", str(n))} for n in range(args.slices)
    ]
    articles, _ = load_articles(args.data, args.articles)
    characters = sum(len(a.text) for a, _ in unique_articles(articles))
    return {"articles": len(articles), "newsrag": total(rows, "pipeline", characters)}


def run_all(args: argparse.Namespace) -> Result:
    results: Result = {"environment": environment(args.note), "command": " ".join(sys.argv)}
    if args.whole_process:
        results["whole_process"] = run_whole_process(args)
        results["environment"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        return results
    ingest = results["ingest"] = run_latency_ingest(args) if args.latency_only else run_ingest(args)
    if args.ingest_only:
        results["environment"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        return results
    results["index_mib"] = dir_size_mib(args.work / "base")
    results["ask"] = {"base": run_phase(args, "ask", "--index", str(args.work / "base"))}
    for target in args.scale:
        build = run_phase(args, "build", "--target", str(target))
        ask = run_phase(args, "ask", "--index", str(args.work / f"scale-{target}"))
        results["ask"][str(target)] = {**ask, "build": build}
        if not (args.keep or args.work_dir):
            shutil.rmtree(args.work / f"scale-{target}", ignore_errors=True)
    results["ask_memory_per_100k_chunks_mib"] = memory_slope(results["ask"])
    if not args.latency_only:
        search = results["langchain_search"] = run_phase(args, "langchain-search")
        results["newsrag_vs_langchain"] = compare(ingest, results["ask"]["base"], search)
        results["reference_full_set_langchain"] = FULL_SET_LANGCHAIN
    results["environment"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def memory_slope(asks: dict[str, Result]) -> float | None:
    """Peak RSS growth per 100k chunks between the smallest and largest ask index."""
    points = sorted((r["chunks"], r["peak_rss_mib"]) for r in asks.values())
    (c0, m0), (c1, m1) = points[0], points[-1]
    return round((m1 - m0) / (c1 - c0) * 100_000, 1) if c1 > c0 else None


def compare(ingest: Result, ask: Result, search: Result) -> Result:
    """Ratios > 1 mean newsrag's figure is larger: faster for rates, slower for seconds and
    latency, hungrier for memory."""
    ours, theirs = ingest["newsrag"], ingest["langchain"]
    return {
        "chunks_per_s": ratio(ours["chunks_per_s"], theirs["chunks_per_s"]),
        "characters_per_s": ratio(ours["characters_per_s"], theirs["characters_per_s"]),
        "seconds": ratio(ours["seconds"], theirs["seconds"]),
        "ingest_peak_rss": ratio(ours["peak_rss_mib"], theirs["peak_rss_mib"]),
        "query_p50_ask_vs_search": ratio(ask["wall_ms"]["p50"], search["search_k4_ms"]["p50"]),
        "query_p50_dense_k4_vs_search": ratio(
            ask["retrieve_dense_k4_ms"]["p50"], search["search_k4_ms"]["p50"]
        ),
    }


# ---- report ---------------------------------------------------------------------------------


def markdown(results: Result) -> str:
    if "whole_process" in results:
        return "\n".join(whole_process_table(results["whole_process"]))
    ingest = results["ingest"]
    if "ask" not in results:
        return "\n".join(ingest_table(ingest))
    lines = ingest_table(ingest)
    lines += ["", *ask_table(results["ask"], results.get("langchain_search"))]
    if "newsrag_vs_langchain" in results:
        versus = results["newsrag_vs_langchain"].items()
        lines += ["", "newsrag / LangChain: " + ", ".join(f"{k} {v}" for k, v in versus)]
    lines.append(
        f"ask peak RSS growth per 100k chunks: {results['ask_memory_per_100k_chunks_mib']} MiB"
    )
    return "\n".join(lines)


def ingest_table(ingest: Result) -> list[str]:
    lines = [
        "| Ingest (same articles, slices interleaved) | chunks | seconds | chunks/s | chars/s "
        "| peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, key in [
        ("newsrag Ingestor.run", "newsrag"),
        ("raw model.encode of the same chunks", "raw_encode"),
        ("LangChain split + embed + FAISS.from_documents", "langchain"),
    ]:
        if key not in ingest:
            continue
        r = ingest[key]
        lines.append(
            f"| {name} | {r['chunks']} | {r['seconds']} | {r['chunks_per_s']} | "
            f"{r['characters_per_s']} | {r['peak_rss_mib']} |"
        )
    if "pipeline_vs_raw" in ingest:
        lines += ["", f"pipeline / raw encode = **{ingest['pipeline_vs_raw']}**"]
    if "newsrag_vs_langchain_characters_per_s" in ingest:
        ratio_cps = ingest["newsrag_vs_langchain_characters_per_s"]
        lines += ["", f"newsrag / LangChain characters per second = **{ratio_cps}**"]
    return lines


def whole_process_table(whole: Result) -> list[str]:
    lines = [
        "| Whole process (same JSONL slices, alternating) | seconds | chars/s | peak RSS MiB |",
        "|---|---:|---:|---:|",
    ]
    for name in [k for k in whole if k.startswith(("newsrag-ingest", "langchain-script"))]:
        r = whole[name]
        if isinstance(r, dict):
            cells = f"{r['seconds']} | {r['characters_per_s']} | {r['peak_rss_mib']}"
            lines.append(f"| {name} | {cells} |")
    ratio_cps = whole["newsrag_vs_langchain_characters_per_s"]
    return [*lines, "", f"newsrag / LangChain characters per second = **{ratio_cps}**"]


def ask_table(asks: dict[str, Result], lc: Result | None) -> list[str]:
    """Latency p50/p95 in ms; stages from Answer.timings_ms, torch's default threads."""
    stages = [
        s
        for s in ("embed_ms", "dense_ms", "bm25_ms", "fetch_ms", "answer_ms")
        if any(s in r["stages_ms"] for r in asks.values())
    ]
    head = ["index", "chunks", "ask", "ask, time window", *stages, "ask, 1 thread", "dense k=4"]
    head += ["cited", "RSS MiB"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name, r in asks.items():
        window = r.get("time_window")
        cells = [name, str(r["chunks"]), pair(r["wall_ms"])]
        cells.append(
            f"{pair(window['with']['wall_ms'])} (without {pair(window['without']['wall_ms'])})"
            if window
            else "-"
        )
        cells += [pair(r["stages_ms"][s]) if s in r["stages_ms"] else "-" for s in stages]
        cells += [pair(r["one_thread"]["wall_ms"]), pair(r["retrieve_dense_k4_ms"])]
        cells += [str(r["cited_source_rate"]), str(r["peak_rss_mib"])]
        lines.append("| " + " | ".join(cells) + " |")
    if lc:
        cells = ["LangChain", str(lc["chunks"]), "-", "-", *("-" for _ in stages), "-"]
        cells += [f"{pair(lc['search_k4_ms'])} (1 thread {pair(lc['search_k4_ms_one_thread'])})"]
        cells += [f"{lc['hit_rate_k4']} (hit@4)", str(lc["peak_rss_mib"])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def pair(p: dict[str, float]) -> str:
    return f"{p['p50']:.0f} / {p['p95']:.0f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="realtimeqa directory")
    parser.add_argument("--articles", type=int, default=None, help="first N articles (all)")
    parser.add_argument("--out", type=Path, default=None, help="write the results JSON here")
    parser.add_argument(
        "--scale", type=lambda s: [int(x) for x in s.split(",") if x], default=[10_000, 100_000]
    )
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--slices", type=int, default=8, help="raw/pipeline alternations")
    parser.add_argument("--keep", action="store_true", help="keep the temporary indexes")
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="skip raw encode and LangChain: build the base index, then time ask at each scale",
    )
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="stop after the ingest comparison (no ask latency, no scaled indexes)",
    )
    parser.add_argument(
        "--passage-backend",
        choices=["onnx-int8", "onnx", "torch"],
        help="what embeds the pipeline's passages [default: the setting]",
    )
    parser.add_argument(
        "--whole-process",
        action="store_true",
        help="time `newsrag ingest` and bench/langchain_ingest.py as whole processes instead",
    )
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="NEWSRAG_X=VALUE",
        help="with --whole-process: also time newsrag with these settings, in the same run",
    )
    parser.add_argument(
        "--no-raw", action="store_true", help="skip the raw model.encode phase of the ingest"
    )
    parser.add_argument("--work-dir", type=Path, help="keep indexes here instead of a temp dir")
    parser.add_argument("--note", default="", help="what else ran on the machine, for the record")
    # internal: one phase in a child process
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--slice", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.data = args.data.resolve()
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.phase:
        args.phase_out.write_text(json.dumps(PHASES[args.phase](args)))
        return
    args.work = args.work_dir or Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"[bench] temporary indexes in {args.work}", file=sys.stderr)
    try:
        results = run_all(args)
    finally:
        if not (args.keep or args.work_dir):
            shutil.rmtree(args.work, ignore_errors=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
