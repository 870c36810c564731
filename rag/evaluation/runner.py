"""Run a dataset's questions through a backend and score them.

Per question and retrieval mode the runner makes two calls: a search ``depth`` passages deep
for the retrieval metrics (a document ranks at its best chunk), and, where the dataset has
answers, an ask with ``k`` passages as a user would, scored for the answer, its citations
and abstention. Latency comes from the ``timings_ms`` the pipeline reports for each stage.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.backends import open_existing
from index.embedding import Embedder
from index.protocols import DocumentStore
from index.settings import IndexSettings
from rag.evaluation.backends import Backend, LocalBackend
from rag.evaluation.corpus import Chunking, ingest_corpus
from rag.evaluation.datasets import (
    Dataset,
    EvalQuestion,
    GoldMatcher,
    Hit,
    article_urls,
    load_dataset,
)
from rag.evaluation.extra import require_eval_extra
from rag.evaluation.http_client import HttpBackend
from rag.evaluation.metrics import (
    CUTOFFS,
    AbstentionScores,
    AnswerCase,
    AnswerScores,
    CitationCase,
    CitationScores,
    GenerationScores,
    RetrievalScores,
    abstention_metrics,
    answer_metrics,
    best_over_gold,
    citation_metrics,
    contains_gold,
    generation_metrics,
    latency_percentiles,
    prediction_text,
    retrieval_metrics,
)
from rag.pipeline import NewsRAG
from rag.retrieval import Mode
from rag.schema import AnswerMode
from rag.settings import RagSettings
from rag.time_window import TimeExpressionError, resolve

MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
KEEP_RANKED = 10  # documents stored per question in results.json


# The as-of date each question is asked with: its own ``question_date`` (today when it has
# none), today, or one fixed YYYY-MM-DD.
AsOf = str
QUESTION_DATE: AsOf = "question"
TODAY: AsOf = "today"


@dataclass
class EvalConfig:
    k: int | None = None  # passages per answer; None = the pipeline's (or server's) default
    depth: int = 100  # passages searched for the retrieval metrics
    modes: tuple[Mode, ...] = ("hybrid",)
    answer_modes: tuple[AnswerMode, ...] = ("extractive",)
    as_of: tuple[AsOf, ...] = (QUESTION_DATE,)


def as_of_date(choice: AsOf, question: EvalQuestion) -> dt.date | None:
    """The date a question is asked on in a run (None: the pipeline's default, today)."""
    if choice == QUESTION_DATE:
        return question.question_date
    if choice == TODAY:
        return None
    return dt.date.fromisoformat(choice)


@dataclass
class CitationRecord:
    n: int
    article_id: str
    title: str
    start: int
    end: int
    gold: bool
    exact: bool | None


@dataclass
class QuestionRecord:
    id: str
    question: str
    answerable: bool
    gold: list[str]
    ranked: list[str]  # the first documents (gold keys, or article:<id>) retrieved
    answer: str | None = None
    abstained: bool | None = None
    exact_match: float | None = None
    f1: float | None = None
    contains_gold: bool | None = None
    short_answer: str | None = None  # the answer's short answer (None: it gave none)
    citations: list[CitationRecord] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    search_ms: dict[str, float] = field(default_factory=dict)
    verification: dict[str, Any] | None = None  # LLM mode: what the grounding check did
    as_of: str | None = None  # the date it was asked on (None: today)
    time_relative: bool = False  # its words name a time ("this week", "Sunday", "latest")
    time_window: dict[str, Any] | None = None
    outside_window: bool = False


@dataclass
class ModeResult:
    mode: Mode
    retrieval: RetrievalScores
    answers: AnswerScores | None
    citations: CitationScores | None
    abstention: AbstentionScores | None
    latency_ms: dict[str, dict[str, float]]  # per stage of ask (or of search, for BEIR)
    search_latency_ms: dict[str, dict[str, float]]
    documents_per_query: float  # distinct documents in the searched passages, mean
    records: list[QuestionRecord]
    answer_mode: AnswerMode = "extractive"
    generation: GenerationScores | None = None  # LLM mode only
    as_of: AsOf = QUESTION_DATE
    # time-relative questions and the others, scored apart (QA sets)
    subsets: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class EvalResult:
    dataset: dict[str, Any]
    target: str
    config: dict[str, Any]
    modes: dict[str, ModeResult]
    corpus: dict[str, Any] | None = None
    started: str = ""
    seconds: float = 0.0


Progress = Callable[[int], None]  # questions done so far, over all modes


def ranked_keys(
    hits: Sequence[Hit], matcher: GoldMatcher, question: EvalQuestion, drop_identical: bool
) -> list[str]:
    """Passages -> documents in rank order, each once.

    With a corpus every document with the article's content counts (BEIR ranks duplicates
    side by side too); BEIR ignores a document whose id is the query's. Without one, an
    article is one document however many source strings name it: the gold key of this
    question when it is one, else the article itself."""
    keys: list[str] = []
    for hit in hits:
        matched = matcher.keys(hit)
        if not matcher.by_article:
            matched = [k for k in matched if k in question.gold][:1]
        for key in matched or [f"article:{hit.article_id}"]:
            if key not in keys and not (drop_identical and key == question.id):
                keys.append(key)
    return keys


def evaluate(
    dataset: Dataset,
    backend: Backend,
    config: EvalConfig,
    progress: Progress | None = None,
) -> EvalResult:
    started = time.perf_counter()
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    matcher = GoldMatcher(dataset)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0])

    # retrieval-only datasets have no answers: one run per retrieval mode is enough
    answer_modes = config.answer_modes if dataset.scores_answers else ("extractive",)
    modes = {
        run_name(mode, answer_mode, as_of): _run_mode(
            dataset, backend, config, matcher, mode, answer_mode, tick, as_of
        )
        for as_of in config.as_of
        for mode in config.modes
        for answer_mode in answer_modes
    }
    return EvalResult(
        dataset={
            "name": dataset.name,
            "format": dataset.format,
            "path": str(dataset.path),
            "version": dataset.version,
            "questions": len(dataset.questions),
            "answerable": dataset.answerable,
            "documents": len(dataset.corpus),
        },
        target=backend.target,
        config={
            "k": config.k,
            "depth": config.depth,
            "modes": list(config.modes),
            "answer_modes": list(answer_modes),
            "as_of": list(config.as_of),
        },
        modes=modes,
        started=stamp,
        seconds=round(time.perf_counter() - started, 1),
    )


def run_name(mode: Mode, answer_mode: AnswerMode, as_of: AsOf = QUESTION_DATE) -> str:
    """'hybrid' for the extractive answers, 'hybrid+llm' for LLM answers on it; asked as of
    today or a fixed date rather than each question's own: 'hybrid@today'."""
    name = mode if answer_mode == "extractive" else f"{mode}+{answer_mode}"
    return name if as_of == QUESTION_DATE else f"{name}@{as_of}"


def _run_mode(
    dataset: Dataset,
    backend: Backend,
    config: EvalConfig,
    matcher: GoldMatcher,
    mode: Mode,
    answer_mode: AnswerMode,
    tick: Callable[[], None],
    as_of_choice: AsOf = QUESTION_DATE,
) -> ModeResult:
    records: list[QuestionRecord] = []
    rankings: dict[str, list[str]] = {}
    documents: list[int] = []
    for question in dataset.questions:
        as_of = as_of_date(as_of_choice, question)
        found = backend.search(question.question, config.depth, mode, as_of)
        keys = ranked_keys(found.hits, matcher, question, dataset.ignore_identical_ids)
        rankings[question.id] = keys
        documents.append(len(keys))
        record = QuestionRecord(
            id=question.id,
            question=question.question,
            answerable=question.answerable,
            gold=sorted(question.relevant),
            ranked=keys[:KEEP_RANKED],
            search_ms=found.timings_ms,
            as_of=as_of.isoformat() if as_of else None,
            time_relative=is_time_relative(question.question, as_of),
        )
        if dataset.scores_answers:
            _ask(record, question, backend, config, matcher, mode, answer_mode, as_of)
        records.append(record)
        tick()
    # Recall@k for k deeper than the search says nothing: leave it out.
    cutoffs = tuple(c for c in CUTOFFS if c <= config.depth)
    retrieval = retrieval_metrics({q.id: q.gold for q in dataset.questions}, rankings, cutoffs)
    answers = citations = abstention = None
    if dataset.scores_answers:
        answers = answer_metrics(
            [
                AnswerCase(tuple(q.answers), prediction_text(r.answer or "", bool(r.abstained)),
                           bool(r.abstained), r.short_answer)
                for q, r in zip(dataset.questions, records, strict=True)
            ]
        )  # fmt: skip
        citations = citation_metrics(
            [
                CitationCase(r.answerable, tuple(c.gold for c in r.citations),
                             tuple(c.exact for c in r.citations))
                for r in records
            ]
        )  # fmt: skip
        abstention = abstention_metrics([(r.answerable, bool(r.abstained)) for r in records])
    search_latency = latency_percentiles([r.search_ms for r in records])
    return ModeResult(
        mode=mode,
        retrieval=retrieval,
        answers=answers,
        citations=citations,
        abstention=abstention,
        latency_ms=latency_percentiles([r.timings_ms for r in records])
        if dataset.scores_answers
        else search_latency,
        search_latency_ms=search_latency,
        documents_per_query=round(sum(documents) / max(1, len(documents)), 1),
        records=records,
        answer_mode=answer_mode,
        generation=generation_metrics([r.verification for r in records])
        if answer_mode == "llm"
        else None,
        as_of=as_of_choice,
        subsets=subset_scores(records, rankings, dataset) if dataset.scores_answers else {},
    )


def is_time_relative(question: str, as_of: dt.date | None) -> bool:
    """Does the question name a time ("this week", "on Sunday", "latest", "in 2021")?"""
    try:
        return resolve(question, as_of or dt.date.today()) is not None
    except TimeExpressionError:
        return True


def subset_scores(
    records: list[QuestionRecord], rankings: dict[str, list[str]], dataset: Dataset
) -> dict[str, dict[str, float]]:
    """Time-relative questions and the others, apart: how many, the share whose citations
    include a gold source (citation recall), whose answer holds a gold answer, whose first
    (first ten) retrieved documents include a gold one, and abstentions."""
    gold = {q.id: q.relevant for q in dataset.questions}
    out: dict[str, dict[str, float]] = {}
    for name, keep in (("time-relative", True), ("other", False), ("all", None)):
        rows = [r for r in records if r.answerable and (keep is None or r.time_relative == keep)]
        if not rows:
            continue
        n = len(rows)

        def share(hits: int, total: int = n) -> float:
            return round(hits / total, 4)

        out[name] = {
            "questions": n,
            "citation_recall": share(sum(any(c.gold for c in r.citations) for r in rows)),
            "gold_in_answer": share(sum(bool(r.contains_gold) for r in rows)),
            "hit_at_1": share(sum(bool(set(rankings[r.id][:1]) & gold[r.id]) for r in rows)),
            "hit_at_10": share(sum(bool(set(rankings[r.id][:10]) & gold[r.id]) for r in rows)),
            "abstained": share(sum(bool(r.abstained) for r in rows)),
            "outside_window": share(sum(r.outside_window for r in rows)),
        }
    return out


def _ask(
    record: QuestionRecord,
    question: EvalQuestion,
    backend: Backend,
    config: EvalConfig,
    matcher: GoldMatcher,
    mode: Mode,
    answer_mode: AnswerMode,
    as_of: dt.date | None = None,
) -> None:
    answer = backend.ask(question.question, config.k, mode, answer_mode, as_of)
    record.time_window = answer.time_window.model_dump() if answer.time_window else None
    record.outside_window = answer.outside_window
    prediction = prediction_text(answer.answer, answer.abstained)
    record.answer = answer.answer
    record.abstained = answer.abstained
    record.exact_match = best_over_gold("em", prediction, question.answers)
    record.f1 = round(best_over_gold("f1", prediction, question.answers), 4)
    record.contains_gold = contains_gold(prediction, question.answers) if question.answers else None
    if answer.short_answer and not answer.abstained:
        record.short_answer = answer.short_answer.text
    record.timings_ms = dict(answer.timings_ms)
    if answer.verification:
        record.verification = answer.verification.model_dump()
    for citation in answer.citations:
        keys = matcher.keys(Hit(citation.article_id, citation.url, citation.title))
        record.citations.append(
            CitationRecord(
                n=citation.n,
                article_id=citation.article_id,
                title=citation.title,
                start=citation.start,
                end=citation.end,
                gold=any(key in question.relevant for key in keys),
                exact=backend.check_quote(citation),
            )
        )


# ---- one evaluation, end to end (what `newsrag eval` runs) -------------------------------

Track = Callable[[str, int], Callable[[int], None]]  # (description, total) -> completed(n)


@dataclass
class EvalRequest:
    dataset: Path
    index: Path | None = None
    url: str | None = None
    api_key: str | None = None
    k: int | None = None
    depth: int = 100
    modes: tuple[Mode, ...] = ("hybrid",)
    answer_modes: tuple[AnswerMode, ...] = ("extractive",)
    limit: int | None = None
    split: str = "test"
    whole_documents: bool = False
    as_of: tuple[AsOf, ...] = (QUESTION_DATE,)
    articles: tuple[Path, ...] = ()  # corpus JSONL mapping source ids to URLs


def missing_sources(dataset: Dataset, store: DocumentStore) -> list[str]:
    """Gold sources of a QA JSONL set that match no article in the index: each one would
    silently score as a miss, so the CLI names them."""
    matcher = GoldMatcher(dataset)
    wanted = {key for q in dataset.questions for key in q.relevant}
    found: set[str] = set()
    ids = list(store.fingerprints())
    for first in range(0, len(ids), 500):
        for article in store.articles(ids[first : first + 500]):
            found.update(matcher.keys(Hit(article.article_id, article.url, article.title)))
    return sorted(wanted - found)


def run_request(
    request: EvalRequest,
    settings: RagSettings,
    load_embedder: Callable[[IndexSettings], Embedder],
    track: Track | None = None,
) -> tuple[EvalResult, list[str]]:
    """Load the dataset, ingest its corpus when it has one (into ``request.index`` or a
    temporary index), evaluate in-process or over HTTP. Returns the result and warnings."""
    require_eval_extra()
    dataset = load_dataset(request.dataset, request.limit, request.split)
    if request.articles:
        dataset.aliases = article_urls(request.articles)
    config = EvalConfig(
        request.k, request.depth, request.modes, request.answer_modes, request.as_of
    )
    warnings: list[str] = []
    chunking: Chunking = "whole" if request.whole_documents else "newsrag"
    if request.whole_documents and (request.url or not dataset.corpus):
        warnings.append("--whole-docs only applies to datasets with a corpus, ingested here")
    with contextlib.ExitStack() as stack:
        corpus: dict[str, Any] | None = None
        backend: Backend
        if request.url:
            http = HttpBackend(request.url, request.api_key)
            stack.callback(http.close)
            backend = http
            if dataset.corpus:
                warnings.append(
                    f"the server at {request.url} must already hold the dataset's "
                    f"{len(dataset.corpus)} documents (ingest them with `newsrag eval "
                    f"{request.dataset} --index DIR` and serve DIR)"
                )
        else:
            index = request.index
            if dataset.corpus and index is None:
                index = Path(stack.enter_context(tempfile.TemporaryDirectory(
                    prefix="newsrag-eval-"))) / "index"  # fmt: skip
            if index is not None:
                settings = settings.model_copy(update={"index_dir": index})
            embedder = load_embedder(settings)
            if dataset.corpus:
                done = track("ingesting", len(dataset.corpus)) if track else None
                report = ingest_corpus(
                    dataset.corpus, settings, embedder, chunking,
                    (lambda n, _total: done(n)) if done else None,
                )  # fmt: skip
                corpus = dataclasses.asdict(report)
            store = open_existing(settings)
            if not dataset.corpus:
                missing = missing_sources(dataset, store)
                if missing:
                    warnings.append(
                        f"{len(missing)} gold sources match no article in {settings.index_dir} "
                        f"(ingest the articles first): {', '.join(missing[:5])}"
                        + (" …" if len(missing) > 5 else "")
                    )
            backend = LocalBackend(NewsRAG(settings, embedder, store))
        runs_per_mode = (len(config.answer_modes) if dataset.scores_answers else 1) * len(
            config.as_of
        )
        progress = (
            track("evaluating", len(dataset.questions) * len(config.modes) * runs_per_mode)
            if track
            else None
        )
        result = evaluate(dataset, backend, config, progress)
    result.corpus = corpus
    if not request.url:
        result.config.update(
            chunking=chunking if dataset.corpus else "as indexed",
            chunk_tokens=settings.chunk_tokens,
            chunk_overlap=settings.chunk_overlap,
            fusion=settings.fusion,
            dense_weight=settings.dense_weight,
            rrf_k=settings.rrf_k,
            candidates=settings.candidates,
            abstain_threshold=settings.abstain_threshold,
        )
        if "llm" in request.answer_modes:
            result.config.update(
                llm_model=settings.llm_model,
                llm_base_url=settings.llm_base_url,
                llm_min_coverage=settings.llm_min_coverage,
                llm_require_quote=settings.llm_require_quote,
            )
    return result, warnings
