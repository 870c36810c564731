"""Time-aware answers over a real index holding one story on several dates: the as-of date
filters, the question's window picks the week, an empty window says so and labels the
nearest evidence, and answers drawing on several dates say when."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from index.records import StoredArticle
from rag.answering import Candidate
from rag.pipeline import NewsRAG, compose, figures_changed
from rag.question import analyze
from rag.retrieval import DatedFilter, Recency
from rag.time_window import TimeExpressionError
from tests.backends import store_uri

ARTICLES = [
    {
        "id": "may",
        "title": "Northwind Air and Bluejay Airways end merger talks",
        "published": "2022-05-01",
        "url": "https://news.example/2022/05/01/northwind-bluejay",
        "text": "Northwind Air and Bluejay Airways announced plans to merge in January, but "
        "on Sunday the two airlines said the merger talks had ended without a deal. "
        "Bluejay Airways will keep flying under its own name.",
    },
    {
        "id": "june",
        "title": "Northwind Air and Skyhawk Airlines announce merger",
        "published": "2022-06-08",
        "url": "https://news.example/2022/06/08/northwind-skyhawk",
        "text": "Northwind Air and Skyhawk Airlines, the two airlines of the north, announced "
        "plans to merge on Wednesday, creating the country's fifth-largest airline. "
        "The combined airline will keep the Northwind Air name and its headquarters in Denver.",
    },
    {
        "id": "later",
        "title": "Northwind Air and Harbor Jet announce merger",
        "published": "2022-06-20",
        "url": "https://news.example/2022/06/20/northwind-harbor",
        "text": "Northwind Air and Harbor Jet, the two airlines of the coast, announced plans to "
        "merge on Monday, two weeks after the Skyhawk deal collapsed. "
        "Harbor Jet flies mostly to island airports.",
    },
    {
        "id": "undated",
        "title": "How airline mergers are reviewed",
        "published": None,
        "url": "https://news.example/explainers/airline-mergers",
        "text": "Airline mergers are reviewed by regulators, who look at fares and routes. "
        "A merger of two airlines can take a year to approve.",
    },
]
MERGE = "Which two airlines announced plans to merge this week?"


def _airlines_rag(folder: Path, embedder: Embedder, time_window: str, uri: str) -> NewsRAG:
    source = folder / "airlines.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    # The answerer's calibration is tested elsewhere; here every chosen sentence is shown,
    # so that what is tested is which dates the sentences may come from.
    settings = Settings(
        index_dir=folder / "index", abstain_threshold=0.0, time_window=time_window, store_uri=uri
    )
    report = Ingestor(settings, embedder).run_paths([source])
    assert report.added == len(ARTICLES)
    return NewsRAG(settings, embedder)  # on the backend the settings name


@pytest.fixture(scope="module")
def dated_rag(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    backend: str,
) -> NewsRAG:
    """Windows imposed: only articles inside them, then the nearest evidence, labelled.
    On both backends (tests/backends.py)."""
    folder = tmp_path_factory.mktemp("strict")
    return _airlines_rag(folder, embedder, "strict", store_uri(request, backend))


@pytest.fixture(scope="module")
def preferring_rag(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
    backend: str,
) -> NewsRAG:
    """The default: windows preferred in ranking, an answer from outside them labelled.
    On both backends (tests/backends.py)."""
    folder = tmp_path_factory.mktemp("prefer")
    return _airlines_rag(folder, embedder, "prefer", store_uri(request, backend))


@pytest.mark.parametrize(
    ("as_of", "published"), [((2022, 6, 10), "2022-06-08"), ((2022, 6, 21), "2022-06-20")]
)
def test_a_preferred_window_puts_its_weeks_story_first(
    preferring_rag: NewsRAG, as_of: tuple[int, int, int], published: str
) -> None:
    retrieval = preferring_rag.retrieve(MERGE, as_of=date(*as_of))
    assert retrieval.passages[0].chunk.article.published == published
    answer = preferring_rag.ask(MERGE, as_of=date(*as_of))
    assert not answer.abstained and not answer.outside_window
    assert published in {c.published for c in answer.citations}
    assert all((c.published or "") <= published for c in answer.citations)


def test_an_answer_from_outside_a_preferred_window_is_labelled(preferring_rag: NewsRAG) -> None:
    answer = preferring_rag.ask(MERGE, as_of=date(2022, 5, 30))  # nothing from 22-30 May
    assert answer.outside_window
    assert answer.answer.startswith("Nothing in the articles from 22–30 May 2022")
    assert "2022-05-01" in {c.published for c in answer.citations}
    assert all((c.published or "") < "2022-05-22" for c in answer.citations)


def _dates(rag: NewsRAG, question: str, as_of: date) -> list[str | None]:
    retrieval = rag.retrieve(question, 10, as_of=as_of)
    return [p.chunk.article.published for p in retrieval.passages]


def test_nothing_published_after_the_as_of_date_is_used(dated_rag: NewsRAG) -> None:
    found = _dates(dated_rag, "Which airlines announced plans to merge?", date(2022, 6, 10))
    assert "2022-06-20" not in found
    assert "2022-06-08" in found and None in found  # undated articles stay


def test_this_week_means_the_week_before_the_as_of_date(dated_rag: NewsRAG) -> None:
    answer = dated_rag.ask(MERGE, as_of=date(2022, 6, 10))
    assert answer.as_of == "2022-06-10"
    assert answer.time_window is not None
    assert answer.time_window.model_dump() == {
        "since": "2022-06-02",
        "until": "2022-06-10",
        "expression": "this week",
    }
    assert not answer.abstained and not answer.outside_window
    assert {c.published for c in answer.citations} == {"2022-06-08"}
    assert "Skyhawk" in answer.answer


def test_the_same_question_a_week_later_finds_that_weeks_story(dated_rag: NewsRAG) -> None:
    answer = dated_rag.ask(MERGE, as_of=date(2022, 6, 21))
    assert {c.published for c in answer.citations} == {"2022-06-20"}


def test_an_empty_window_says_so_and_labels_the_nearest_evidence(dated_rag: NewsRAG) -> None:
    answer = dated_rag.ask(MERGE, as_of=date(2022, 5, 30))  # nothing from 22-30 May
    assert answer.outside_window
    assert answer.answer.startswith("Nothing in the articles from 22–30 May 2022")
    assert "nearest dated evidence, from 1 May 2022" in answer.answer
    assert {c.published for c in answer.citations} == {"2022-05-01"}


def test_explicit_since_until_intersect_with_the_window(dated_rag: NewsRAG) -> None:
    answer = dated_rag.ask(MERGE, since="2022-06-05", as_of=date(2022, 6, 10))
    assert answer.time_window is not None
    assert (answer.time_window.since, answer.time_window.until) == ("2022-06-05", "2022-06-10")


def test_a_window_holding_one_article_still_scores_it_as_the_best(dated_rag: NewsRAG) -> None:
    # min-max fusion over a single hit once gave it 0.0, which the answerer reads as weak
    retrieval = dated_rag.retrieve(MERGE, as_of=date(2022, 6, 10), recency=False)
    assert {p.chunk.article.published for p in retrieval.passages} == {"2022-06-08"}
    assert retrieval.passages[0].score >= 1.0


def test_no_time_words_no_window(dated_rag: NewsRAG) -> None:
    answer = dated_rag.ask("Where is Northwind Air headquartered?", as_of=date(2022, 6, 10))
    assert answer.time_window is None and answer.as_of == "2022-06-10"


def test_a_date_that_cannot_exist_is_refused(dated_rag: NewsRAG) -> None:
    with pytest.raises(TimeExpressionError, match="February 30"):
        dated_rag.ask("Which airlines merged since February 30?")


def test_answers_from_several_dates_say_when(dated_rag: NewsRAG) -> None:
    question = "Which airlines did Northwind Air announce plans to merge with?"
    selection = dated_rag.answerer.select(
        analyze(question),
        dated_rag.retrieve(question, 10, as_of=date(2022, 6, 30), recency=False).passages,
    )
    by_date = {}
    for candidate in selection.sentences:
        by_date.setdefault(candidate.article.published, candidate)
    chosen = [c for d, c in by_date.items() if d]
    if len(chosen) < 2:
        pytest.skip("the answerer chose sentences of one date only")
    text, citations = compose(chosen)
    first = min(c.article.published or "" for c in chosen)
    assert text.startswith(f"On {int(first[8:])} ")
    assert " By " in text
    assert [c.published for c in citations] == sorted(c.published for c in citations)


def test_compose_dates_in_order(dated_rag: NewsRAG) -> None:
    from rag.answering import Candidate

    store = dated_rag.store
    articles = {a.published: a for a in store.articles(store.fingerprints())}
    later, earlier = articles["2022-06-20"], articles["2022-05-01"]
    picks = [
        Candidate(later, 0, later.text.index(".") + 1, 0, 1.0, 0.9),
        Candidate(earlier, 0, earlier.text.index(".") + 1, 1, 0.9, 0.8),
    ]
    text, citations = compose(picks)
    assert text.startswith("On 1 May 2022, Northwind Air and Bluejay")
    assert " [1] By 20 Jun, Northwind Air and Harbor Jet" in text
    assert [c.published for c in citations] == ["2022-05-01", "2022-06-20"]
    same_day, _ = compose(picks[:1])
    assert not same_day.startswith("On ")


@pytest.mark.parametrize(
    ("sentence", "after_a_date"),
    [
        ("The storm hit.", "the storm hit."),
        ("A storm hit.", "a storm hit."),  # one letter is a word too
        ("I was there.", "I was there."),
        ("US troops left.", "US troops left."),
        ("Biden said so.", "Biden said so."),
    ],
)
def test_after_a_date_only_a_common_first_word_is_lower_cased(
    sentence: str, after_a_date: str
) -> None:
    from rag.pipeline import _continue

    assert _continue(sentence) == after_a_date


def test_dated_filter_sql_keeps_undated_and_counts_timestamps_as_their_day() -> None:
    clause, params = DatedFilter(as_of=date(2022, 6, 10)).sql()
    assert clause == "(a.published IS NULL OR a.published < ?)" and params == ["2022-06-11"]
    clause, params = DatedFilter(
        since="2022-01-01", window_since=date(2022, 6, 2), window_until=date(2022, 6, 10)
    ).sql()
    assert params[0] == "2022-01-01"  # the explicit since, as SearchFilter writes it
    assert params[-4:] == ["2022-06-02", "2022", "2022-06", "2022-06-11"]
    assert not DatedFilter().active and DatedFilter(as_of=date(2022, 6, 10)).active


def test_recency_bonus() -> None:
    prefer = Recency(until=date(2022, 6, 10), weight=0.3, scale_days=7)
    assert prefer.bonus("2022-06-10") == pytest.approx(0.3)
    assert prefer.bonus("2022-06-03") == pytest.approx(0.3 / 2.718281828, rel=1e-3)
    assert prefer.bonus(None) == 0.0 and prefer.bonus("2022-06") > 0
    near = Recency(until=date(2022, 6, 10), since=date(2022, 6, 2), weight=0.5, scale_days=30)
    assert near.bonus("2022-06-05") == pytest.approx(0.5)  # inside the window: no decay
    assert near.bonus("2022-05-03") < near.bonus("2022-06-01")


def test_recency_can_be_switched_off(dated_rag: NewsRAG) -> None:
    question = "Which airlines announced plans to merge?"
    with_prior = dated_rag.retrieve(question, 10, as_of=date(2022, 6, 30))
    without = dated_rag.retrieve(question, 10, as_of=date(2022, 6, 30), recency=False)
    assert [p.score for p in with_prior.passages] != [p.score for p in without.passages]


def _dated_sentence(text: str, published: str, article_id: str, score: float) -> Candidate:
    article = StoredArticle(article_id, "Quake", text, None, "Wire", None, published, "t", "h")
    return Candidate(article, 0, len(text), 0, 1.0, score)


@pytest.mark.parametrize(
    ("question", "newest_leads"),
    [
        ("How many people died in the earthquake?", True),
        ("What happened in the earthquake?", False),  # not a question about a figure
    ],
)
def test_a_figure_that_changed_leads_with_the_newest(question: str, newest_leads: bool) -> None:
    """A death toll that rose: the newest figure first, each with the day it was reported."""
    older = _dated_sentence("At least 200 people died in the quake.", "2023-02-06", "a", 0.9)
    newer = _dated_sentence("The death toll rose to 345 people.", "2023-02-08", "b", 0.7)
    text, citations = compose([older, newer], analyze(question))
    if newest_leads:
        assert text.startswith("As of 8 Feb 2023, the death toll rose to 345 people. [1]")
        assert "Earlier, on 6 Feb, at least 200 people died" in text
        assert [c.published for c in citations] == ["2023-02-08", "2023-02-06"]
    else:
        assert text.startswith("On 6 Feb 2023, at least 200 people died")


def test_the_same_figure_on_two_days_keeps_date_order() -> None:
    first = _dated_sentence("At least 345 people died in the quake.", "2023-02-06", "a", 0.9)
    again = _dated_sentence("The quake killed 345 people.", "2023-02-08", "b", 0.7)
    text, _ = compose([first, again], analyze("How many people died in the earthquake?"))
    assert text.startswith("On 6 Feb 2023, ")


def test_a_changed_figure_needs_two_days_and_two_figures() -> None:
    """What also makes the short answer come from the newest sentence only."""
    older = _dated_sentence("At least 200 people died in the quake.", "2023-02-06", "a", 0.9)
    newer = _dated_sentence("The death toll rose to 345 people.", "2023-02-08", "b", 0.7)
    question = analyze("How many people died in the earthquake?")
    assert figures_changed([older, newer], question)
    assert not figures_changed([older], question)
    same_day = _dated_sentence("The death toll rose to 345 people.", "2023-02-06", "b", 0.7)
    assert not figures_changed([older, same_day], question)
