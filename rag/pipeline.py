"""``NewsRAG``: the one object the CLI, the HTTP API and the Slack bot ask questions through."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from index.backends import open_existing
from index.embedding import Embedder
from index.protocols import DocumentStore
from index.text import STOPWORDS
from rag.answering import ABSTAIN_TEXT, Candidate, ExtractiveAnswerer
from rag.citations import cite
from rag.digest import digest, is_digest
from rag.filters import empty_filter_notice
from rag.generation import Draft, LLMAnswerer, LLMNotConfiguredError
from rag.injection import QuotedInjection, attributed_quote, screen_selection
from rag.language import english_only_notice
from rag.question import Question, analyze, search_text
from rag.retrieval import DatedFilter, HybridRetriever, Mode, Recency, Retrieval, TimeContext
from rag.schema import Answer, AnswerMode, Citation, TimeWindowOut
from rag.settings import RagSettings
from rag.short_answer import candidate_spans, load_short_model, short_answer_for
from rag.time_window import (
    TimeWindow,
    describe,
    first_day,
    resolve,
    short_date,
    without_expressions,
)

# Recency re-ranking: a bonus of WEIGHT x the best fused score, decaying over SCALE days
# (rag.retrieval.Recency). Tuned on the earlier weeks of the dev quiz (docs/evaluation.md).
WINDOW_WEIGHT = 1.0  # time-relative questions: within the window, the newest first
LATEST_SCALE_DAYS = 30.0  # "latest" questions: no lower bound, strongly the newest
PRIOR_WEIGHT = 0.05  # every other question, unless recency is switched off
PRIOR_SCALE_DAYS = 365.0
NEAREST_WEIGHT = 1.0  # nothing in the window answered: evidence nearest to it
NEAREST_SCALE_DAYS = 30.0


class NewsRAG:
    """Loads the model and opens the index once; ``ask`` is safe to call from many threads."""

    def __init__(
        self,
        settings: RagSettings | None = None,
        embedder: Embedder | None = None,
        store: DocumentStore | None = None,
    ):
        self.settings = settings or RagSettings()
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self.store: DocumentStore = store or open_existing(self.settings)
        self.retriever = HybridRetriever(
            self.store,
            self.embedder,
            candidates=self.settings.candidates,
            fusion=self.settings.fusion,
            rrf_k=self.settings.rrf_k,
            dense_weight=self.settings.dense_weight,
        )
        self.answerer = ExtractiveAnswerer(
            self.store,
            self.settings.abstain_threshold,
            self.settings.answer_sentences,
            rerank=self.settings.rerank_sentences,
            rerank_within=self.settings.rerank_within,
            embedder=self.embedder,
        )
        self.short_answers = load_short_model()  # a bad model file fails here, not per question
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

    def plan(
        self,
        question: str,
        k: int | None = None,
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        mode: Mode = "hybrid",
        as_of: date | None = None,
        recency: bool | None = None,
        time_words: bool = True,
    ) -> TimeContext:
        """The question's dates: its as-of date (default today) and the window its time
        words ask for (``time_words=False``: none, e.g. when the text searched is a quote,
        not a question). Raises TimeExpressionError for a date that cannot exist."""
        day = as_of or date.today()
        window = resolve(question, day) if time_words else None
        return TimeContext(
            as_of=day,
            window=window,
            query=search_text(without_expressions(question, window)),
            k=k or self.settings.k,
            sources=tuple(sources),
            since=since,
            until=until,
            mode=mode,
            recency=self.settings.recency if recency is None else recency,
        )

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        mode: Mode = "hybrid",
        as_of: date | None = None,
        recency: bool | None = None,
        time_words: bool = True,
    ) -> Retrieval:
        """Passages published on or before the as-of date (undated ones too), inside the
        question's time window when it has one, the explicit since/until applying on top
        (the intersection); ranked with the recency the question calls for."""
        context = self.plan(question, k, sources, since, until, mode, as_of, recency, time_words)
        return self.search(context)

    def search(self, context: TimeContext) -> Retrieval:
        window = context.window
        # An as-of date on or after the newest article (asking "as of today") excludes
        # nothing: without it the search needs no filter, which at 100k chunks is the
        # difference between a 2 ms BLAS product and a 90 ms filtered one.
        newest = first_day(self.store.latest_published())
        as_of = context.as_of if newest is not None and newest > context.as_of else None
        where = DatedFilter(context.sources, context.since, context.until, as_of)
        ranking: Recency | None = None
        if context.outside_window and window is not None:
            ranking = Recency(window.until or context.as_of, window.since, NEAREST_WEIGHT,
                              NEAREST_SCALE_DAYS)  # fmt: skip
        elif window is not None:
            until = window.until or context.as_of
            span = (until - window.since).days if window.since else LATEST_SCALE_DAYS
            if self.settings.time_window == "strict":
                where = replace(where, window_since=window.since, window_until=window.until)
                ranking = Recency(until, None, WINDOW_WEIGHT, max(3.0, float(span)))
            else:
                ranking = Recency(until, window.since, WINDOW_WEIGHT, max(3.0, float(span)))
        elif context.recency:
            ranking = Recency(context.as_of, None, PRIOR_WEIGHT, PRIOR_SCALE_DAYS)
        retrieval = self.retriever.run(context.query, context.k, where, context.mode, ranking)
        retrieval.time = context
        return retrieval

    def ask(
        self,
        question: str,
        k: int | None = None,
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        mode: Mode = "hybrid",
        answer_mode: AnswerMode | None = None,
        as_of: date | None = None,
        recency: bool | None = None,
    ) -> Answer:
        chosen = self.check_mode(answer_mode)
        started = time.perf_counter()
        retrieval = self.retrieve(question, k, sources, since, until, mode, as_of, recency)
        return self.answer(question, retrieval, started, chosen)

    def answer(
        self,
        question: str,
        retrieval: Retrieval,
        started: float | None = None,
        answer_mode: AnswerMode | None = None,
        llm_options: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Compose the answer from passages already retrieved (the streaming API sends
        the retrieval event first, then calls ``answer_stream``)."""
        *_, answer = self.answer_stream(question, retrieval, started, answer_mode, llm_options)
        assert isinstance(answer, Answer)
        return answer

    def answer_stream(
        self,
        question: str,
        retrieval: Retrieval,
        started: float | None = None,
        answer_mode: AnswerMode | None = None,
        llm_options: Mapping[str, Any] | None = None,
    ) -> Iterator[str | Answer]:
        """Each answer sentence as soon as it is final (in LLM mode: once it passed the
        grounding check), then the whole ``Answer``."""
        # a digest quotes ledes of the window's stories, which a search did not find: no
        # passages for a chat model to write from, in either mode
        if self.check_mode(answer_mode) == "extractive" or _asks_digest(retrieval):
            answer = self._extractive(question, retrieval, started)
            yield from sentences_of(answer.answer)
            yield answer
            return
        assert self.llm is not None
        clock = time.perf_counter()
        draft = Draft()
        held: list[str] = []  # until enough sentences passed that no fallback can follow
        released = False
        for event in self.llm.run(question, retrieval.passages, llm_options):
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
        if not fallback:
            _date(answer, retrieval.time)
        yield answer

    def _extractive(self, question: str, retrieval: Retrieval, started: float | None) -> Answer:
        clock = time.perf_counter()
        # The whole question, time words included: the answer model was trained on questions
        # as asked (retrieval searches without them; see NewsRAG.plan).
        parsed = analyze(question)
        if _asks_digest(retrieval):
            return self._digest(question, retrieval, clock, started)
        passages = retrieval.passages
        selection = screen_selection(question, self.answerer.select(parsed, passages))
        timings = dict(retrieval.timings_ms)
        citations: list[Citation] = []
        notice = ""
        context = retrieval.time
        answered = bool(selection.sentences) and (
            selection.answerability >= self.answerer.threshold
        )
        strict = self.settings.time_window == "strict"
        if (
            answered
            and not strict
            and context is not None
            and _bounded(context.window)
            and not any(_inside(c.article.published, context) for c in selection.sentences)
        ):  # the window was preferred, not imposed: an answer from outside it says so
            context = replace(context, outside_window=True)
            notice = _outside_notice(context, selection.sentences)
        if not answered and strict and context is not None and _bounded(context.window):
            # Nothing in the window answers: say so, and offer the nearest dated evidence
            # outside it, labelled, rather than silently widening the window.
            nearest_clock = time.perf_counter()
            nearest = self.search(replace(context, outside_window=True))
            # "the nearest dated evidence": an undated article cannot be near any date
            nearest.passages = [p for p in nearest.passages if p.chunk.article.published]
            selection = screen_selection(question, self.answerer.select(parsed, nearest.passages))
            timings["nearest_ms"] = round((time.perf_counter() - nearest_clock) * 1000, 2)
            answered = bool(selection.sentences) and (
                selection.answerability >= self.answerer.threshold
            )
            if answered:
                context, passages = nearest.time, nearest.passages
                notice = _outside_notice(context, selection.sentences)
        short = None
        if answered:
            text, citations = compose(selection.sentences, parsed)
            # where the figure changed over time, the short answer is the newest one
            newest = citations[:1] if figures_changed(selection.sentences, parsed) else citations
            texts = [p.chunk.text for p in passages]
            short, lead = short_answer_for(parsed, newest, texts, self.short_answers)
            text = notice + (lead or "") + text
        else:
            # why, when it is the request: rag/language.py, rag/filters.py
            why = english_only_notice(question) or _no_match_notice(self.store, retrieval)
            text = why or ABSTAIN_TEXT
        timings["answer_ms"] = round((time.perf_counter() - clock) * 1000, 2)
        if started is not None:
            timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
        answer = Answer(
            question=question,
            answer=text,
            abstained=not citations,
            citations=citations,
            short_answer=short,
            timings_ms=timings,
        )
        return _date(answer, context)

    def _digest(
        self, question: str, retrieval: Retrieval, clock: float, started: float | None
    ) -> Answer:
        """A question with no topic ("What happened this week?"): the ledes of the most
        covered stories in its window (rag/digest.py); when the window holds no article,
        those of the newest ones before it, labelled as outside it."""
        context = retrieval.time
        assert context is not None
        window = context.window
        bounded = _bounded(window)
        where = DatedFilter(
            context.sources,
            context.since,
            context.until,
            context.as_of,
            window.since if window else None,
            window.until if window else None,
        )
        sentences = digest(self.store, self.embedder, where, windowed=bounded)
        notice = "The most covered stories"
        if window is not None:
            notice += f" in the {describe(window)}"
        if not sentences and bounded:
            assert window is not None
            nearest = replace(where, as_of=window.until or context.as_of, window_since=None)
            sentences = digest(self.store, self.embedder, nearest, windowed=False)
            if sentences:
                context = replace(context, outside_window=True)
            notice = (
                f"Nothing is indexed in the {describe(window)}; the most covered stories before it"
            )
        text, citations = compose(sentences) if sentences else ("", [])
        timings = dict(retrieval.timings_ms)
        timings["answer_ms"] = round((time.perf_counter() - clock) * 1000, 2)
        if started is not None:
            timings["total_ms"] = round((time.perf_counter() - started) * 1000, 2)
        answer = Answer(
            question=question,
            answer=f"{notice}: {text}"
            if citations
            else _no_match_notice(self.store, retrieval) or ABSTAIN_TEXT,
            abstained=not citations,
            citations=citations,
            timings_ms=timings,
        )
        return _date(answer, context)


def _asks_digest(retrieval: Retrieval) -> bool:
    """Does the question, without its time words, ask for no topic ("What happened?")?"""
    return retrieval.time is not None and is_digest(analyze(retrieval.time.query))


def _no_match_notice(store: DocumentStore, retrieval: Retrieval) -> str | None:
    """Nothing retrieved under an explicit filter: which filter matched no article."""
    context = retrieval.time
    if retrieval.passages or context is None:
        return None
    return empty_filter_notice(store, context.sources, context.since, context.until)


def _inside(published: str | None, context: TimeContext) -> bool:
    """Is an article of this date inside the question's window (as intersected)?"""
    day = first_day(published)
    if day is None:
        return False
    since, until = _effective(context)
    return (since is None or day >= since) and (until is None or day <= until)


def _bounded(window: TimeWindow | None) -> bool:
    """A window that leaves something out besides the future ("latest" does not)."""
    return window is not None and window.since is not None


def _effective(context: TimeContext) -> tuple[date | None, date | None]:
    """The question's window intersected with the request's explicit since / until."""
    window = context.window
    assert window is not None
    since, until = window.since, window.until
    if context.since:
        asked = date.fromisoformat(context.since[:10])
        since = max(since, asked) if since else asked
    if context.until:
        asked = date.fromisoformat(context.until[:10])
        until = min(until, asked) if until else asked
    return since, until


def _date(answer: Answer, context: TimeContext | None) -> Answer:
    """Stamp the answer with its as-of date and the window it was answered in."""
    if context is None:
        return answer
    answer.as_of = context.as_of.isoformat()
    if context.window is not None:
        since, until = _effective(context)
        answer.time_window = TimeWindowOut(
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            expression=context.window.expression,
        )
        answer.outside_window = context.outside_window
    return answer


def _outside_notice(context: TimeContext | None, sentences: list[Candidate]) -> str:
    assert context is not None and context.window is not None
    dates = sorted({c.article.published[:10] for c in sentences if c.article.published})
    when = (
        f"from {short_date(dates[0])}"
        if len(dates) == 1
        else f"from {short_date(dates[0])} to {short_date(dates[-1])}"
        if dates
        else "undated"
    )
    return (
        f"Nothing in the {describe(context.window)} answers this; "
        f"the nearest dated evidence, {when}, outside that window: "
    )


def compose(
    sentences: list[Candidate], question: Question | None = None
) -> tuple[str, list[Citation]]:
    """One answer sentence per chosen source sentence, each ending in its [n] marker.
    A quote attributed from the surrounding text gets its speaker named in front.

    When the sentences come from articles of different dates, the answer says when, in
    date order: "On 10 Nov 2022, … [1] By 17 Nov, … [2]" (undated ones last, unmarked).
    When they disagree on the figure a "how many" question asks for (a death toll that
    rose), the newest leads instead: "As of 17 Nov 2022, … [1] Earlier, on 10 Nov, … [2]"."""
    ordered = sorted(sentences, key=lambda c: (c.article.article_id, c.start))
    # keep the best sentence's article first, then reading order inside each article
    first = sentences[0].article.article_id
    ordered.sort(key=lambda c: c.article.article_id != first)
    days = {c.article.published[:10] for c in ordered if c.article.published}
    dated = len(days) > 1
    newest_first = question is not None and figures_changed(ordered, question)
    if newest_first:  # undated ones ("") still last; stable within a day
        ordered.sort(key=lambda c: (c.article.published or "")[:10], reverse=True)
    elif dated:  # stable: articles keep their order within a day
        ordered.sort(key=lambda c: (c.article.published or "9999")[:10])
    parts: list[str] = []
    citations: list[Citation] = []
    said: str | None = None
    for n, candidate in enumerate(ordered, start=1):
        citations.append(
            cite(
                n,
                candidate.article,
                candidate.start,
                candidate.end,
                candidate.score,
                [(c.article, c.start, c.end) for c in candidate.copies],
            )
        )
        body = candidate.text
        if isinstance(candidate, QuotedInjection):  # asked about: shown as what it is
            body = attributed_quote(body)
        if candidate.speaker and candidate.speaker.lower() not in body.lower():
            body = f"{candidate.speaker} said: {body}"
        day = (candidate.article.published or "")[:10]
        if dated and day and day != said:
            when = _as_of_then_earlier(day, said) if newest_first else _when(day, said)
            body = when + _continue(body)
            said = day
        parts.append(f"{body} [{n}]")
    return " ".join(parts), citations


def _when(day: str, before: str | None) -> str:
    """'On 10 Nov 2022, ' for the first date, 'By 17 Nov, ' for later ones (the year
    only when it changes)."""
    if before is None:
        return f"On {short_date(day)}, "
    return f"By {short_date(day, with_year=day[:4] != before[:4])}, "


def _as_of_then_earlier(day: str, before: str | None) -> str:
    """'As of 17 Nov 2022, ' for the newest figure, 'Earlier, on 10 Nov, ' for the rest."""
    if before is None:
        return f"As of {short_date(day)}, "
    return f"Earlier, on {short_date(day, with_year=day[:4] != before[:4])}, "


def figures_changed(sentences: list[Candidate], question: Question) -> bool:
    """A "how many" question whose sentences from different dates give different numbers
    (beyond the question's own): the figure changed over time, so the newest leads."""
    if question.answer_type != "count":
        return False
    figures = {
        (
            c.article.published[:10],
            frozenset(_figure(s.text) for s in candidate_spans(question, c.text, 0)),
        )
        for c in sentences
        if c.article.published
    }
    figures = {(day, found) for day, found in figures if found}
    return len({day for day, _ in figures}) > 1 and len({found for _, found in figures}) > 1


def _figure(text: str) -> str:
    """The figure without its hedge or spacing: "At least 345" and "345" are one figure,
    "1.5 million" and "1.5 billion" are two."""
    core = re.sub(
        r"^(about|around|nearly|almost|over|more than|at least|up to|some)\s+", "", text.lower()
    )
    return re.sub(r"[^\w.]", "", core)


def _continue(body: str) -> str:
    """Lower-case a sentence's first word after a date phrase when it is a common word
    ("The", "It"), never a name."""
    word = body.split(" ", 1)[0]
    if (
        word.lower() in STOPWORDS
        and word != "I"
        and word[:1].isupper()
        and word[1:] == word[1:].lower()
    ):
        return word.lower() + body[len(word) :]
    return body


_PART = re.compile(r".+?\[\d+\](?=\s|$)", re.DOTALL)


def sentences_of(answer: str) -> list[str]:
    """An answer's sentences, each with its markers: the unit that is streamed."""
    return [p.strip() for p in _PART.findall(answer)] or [answer]
