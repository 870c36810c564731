"""``NewsRAG``: the one object the CLI, the HTTP API and the Slack bot ask questions through."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence

from index.embedding import Embedder
from index.settings import Settings, get_settings
from index.store import SearchFilter, Store
from rag.answering import ABSTAIN_TEXT, Candidate, ExtractiveAnswerer
from rag.citations import cite
from rag.generation import Draft, LLMAnswerer, LLMNotConfiguredError
from rag.question import analyze
from rag.retrieval import HybridRetriever, Mode, Retrieval
from rag.schema import Answer, AnswerMode, Citation


class NewsRAG:
    """Loads the model and opens the index once; ``ask`` is safe to call from many threads."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: Store | None = None,
    ):
        self.settings = settings or get_settings()
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self.store = store or Store.open(self.settings.index_dir)
        self.retriever = HybridRetriever(
            self.store,
            self.embedder,
            candidates=self.settings.candidates,
            fusion=self.settings.fusion,
            rrf_k=self.settings.rrf_k,
            dense_weight=self.settings.dense_weight,
        )
        self.answerer = ExtractiveAnswerer(
            self.store, self.settings.abstain_threshold, self.settings.answer_sentences
        )
        self.llm = LLMAnswerer(self.settings) if self.settings.llm_base_url else None
        self.embedder.encode_query("warm-up")  # load the model now, not in the first question

    def check_mode(self, answer_mode: AnswerMode | None) -> AnswerMode:
        """The mode to use; raises LLMNotConfiguredError for 'llm' without an endpoint."""
        chosen = answer_mode or self.settings.answer_mode
        if chosen == "llm" and self.llm is None:
            raise LLMNotConfiguredError(
                "answer mode 'llm' needs an OpenAI-compatible endpoint: set NEWSRAG_LLM_BASE_URL"
            )
        return chosen

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        mode: Mode = "hybrid",
    ) -> Retrieval:
        where = SearchFilter(tuple(sources), since, until)
        return self.retriever.run(question, k or self.settings.k, where, mode)

    def ask(
        self,
        question: str,
        k: int | None = None,
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        mode: Mode = "hybrid",
        answer_mode: AnswerMode | None = None,
    ) -> Answer:
        chosen = self.check_mode(answer_mode)
        started = time.perf_counter()
        retrieval = self.retrieve(question, k, sources, since, until, mode)
        return self.answer(question, retrieval, started, chosen)

    def answer(
        self,
        question: str,
        retrieval: Retrieval,
        started: float | None = None,
        answer_mode: AnswerMode | None = None,
    ) -> Answer:
        """Compose the answer from passages already retrieved (the streaming API sends
        the retrieval event first, then calls ``answer_stream``)."""
        *_, answer = self.answer_stream(question, retrieval, started, answer_mode)
        assert isinstance(answer, Answer)
        return answer

    def answer_stream(
        self,
        question: str,
        retrieval: Retrieval,
        started: float | None = None,
        answer_mode: AnswerMode | None = None,
    ) -> Iterator[str | Answer]:
        """Each answer sentence as soon as it is final (in LLM mode: once it passed the
        grounding check), then the whole ``Answer``."""
        if self.check_mode(answer_mode) == "extractive":
            answer = self._extractive(question, retrieval, started)
            yield from sentences_of(answer.answer)
            yield answer
            return
        assert self.llm is not None
        clock = time.perf_counter()
        draft = Draft()
        held: list[str] = []  # until enough sentences passed that no fallback can follow
        released = False
        for event in self.llm.run(question, retrieval.passages):
            if isinstance(event, Draft):
                draft = event
                continue
            held.append(event)
            if released or len(held) >= self.settings.llm_min_kept:
                released = True
                yield from held
                held = []
        llm_ms = round((time.perf_counter() - clock) * 1000, 2)
        fallback = len(draft.sentences) < self.settings.llm_min_kept
        if fallback:
            answer = self._extractive(question, retrieval, started)
            yield from sentences_of(answer.answer)
        else:
            answer = Answer(
                question=question,
                answer=" ".join(draft.sentences),
                abstained=False,
                citations=draft.citations,
                timings_ms=dict(retrieval.timings_ms),
            )
        answer.timings_ms["llm_ms"] = llm_ms
        if started is not None:
            answer.timings_ms["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
        answer.mode = "llm"
        answer.verification = draft.verification(self.llm.model, fallback)
        yield answer

    def _extractive(self, question: str, retrieval: Retrieval, started: float | None) -> Answer:
        clock = time.perf_counter()
        selection = self.answerer.select(analyze(question), retrieval.passages)
        timings = dict(retrieval.timings_ms)
        citations: list[Citation] = []
        if not selection.sentences or selection.answerability < self.answerer.threshold:
            text = ABSTAIN_TEXT
        else:
            text, citations = compose(selection.sentences)
        timings["answer_ms"] = round((time.perf_counter() - clock) * 1000, 2)
        if started is not None:
            timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return Answer(
            question=question,
            answer=text,
            abstained=not citations,
            citations=citations,
            timings_ms=timings,
        )


def compose(sentences: list[Candidate]) -> tuple[str, list[Citation]]:
    """One answer sentence per chosen source sentence, each ending in its [n] marker.
    A quote attributed from the surrounding text gets its speaker named in front."""
    ordered = sorted(sentences, key=lambda c: (c.article.article_id, c.start))
    # keep the best sentence's article first, then reading order inside each article
    first = sentences[0].article.article_id
    ordered.sort(key=lambda c: c.article.article_id != first)
    parts: list[str] = []
    citations: list[Citation] = []
    for n, candidate in enumerate(ordered, start=1):
        citations.append(
            cite(n, candidate.article, candidate.start, candidate.end, candidate.score)
        )
        body = candidate.text
        if candidate.speaker and candidate.speaker.lower() not in body.lower():
            body = f"{candidate.speaker} said: {body}"
        parts.append(f"{body} [{n}]")
    return " ".join(parts), citations


_PART = re.compile(r".+?\[\d+\](?=\s|$)", re.DOTALL)


def sentences_of(answer: str) -> list[str]:
    """An answer's sentences, each with its markers: the unit that is streamed."""
    return [p.strip() for p in _PART.findall(answer)] or [answer]
