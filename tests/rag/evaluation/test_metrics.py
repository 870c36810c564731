"""Every metric against cases computed by hand, edge cases included."""

import math

import pytest

from rag.evaluation.metrics import (
    AnswerCase,
    CitationCase,
    abstention_metrics,
    answer_metrics,
    best_over_gold,
    citation_metrics,
    contains_gold,
    exact_match,
    f1,
    latency_percentiles,
    normalize_answer,
    prediction_text,
    retrieval_metrics,
)

LOG3 = math.log2(3)


# ---- retrieval ---------------------------------------------------------------------------


def test_graded_ndcg_recall_and_mrr_by_hand() -> None:
    # ranking x, a, b; a is relevant (1), b highly relevant (2)
    scores = retrieval_metrics({"q": {"a": 1, "b": 2}}, {"q": ["x", "a", "b"]})
    dcg = 1 / LOG3 + 2 / 2  # gain / log2(rank + 1)
    ideal = 2 / 1 + 1 / LOG3
    assert scores.ndcg_at_10 == pytest.approx(dcg / ideal)  # 0.6199
    assert scores.mrr_at_10 == pytest.approx(0.5)
    assert scores.recall[1] == 0.0
    assert scores.recall[5] == 1.0
    assert scores.queries == 1 and scores.skipped == 0


def test_recall_is_the_share_of_relevant_documents_found() -> None:
    scores = retrieval_metrics({"q": {"a": 1, "b": 1}}, {"q": ["a", "x", "y", "z", "w", "b"]})
    assert scores.recall[1] == 0.5
    assert scores.recall[5] == 0.5
    assert scores.recall[10] == 1.0


def test_mrr_is_cut_at_ten_but_recall_at_100_is_not() -> None:
    ranking = [f"n{i}" for i in range(10)] + ["gold"]
    scores = retrieval_metrics({"q": {"gold": 1}}, {"q": ranking})
    assert scores.mrr_at_10 == 0.0
    assert scores.ndcg_at_10 == 0.0
    assert scores.recall[10] == 0.0
    assert scores.recall[100] == 1.0


def test_queries_without_relevant_documents_are_left_out() -> None:
    scores = retrieval_metrics(
        {"judged": {"a": 1}, "none": {"a": 0}, "empty": {}},
        {"judged": ["a"], "none": ["a"], "empty": ["a"]},
    )
    assert scores.queries == 1 and scores.skipped == 2
    assert scores.ndcg_at_10 == 1.0
    assert set(scores.per_query) == {"judged"}


def test_no_relevant_documents_anywhere_gives_no_scores() -> None:
    scores = retrieval_metrics({"q": {}}, {"q": ["a"]})
    assert scores.queries == 0 and scores.skipped == 1
    assert scores.recall == {}


def test_a_query_with_no_hits_scores_zero_and_counts() -> None:
    scores = retrieval_metrics({"hit": {"a": 1}, "miss": {"b": 1}}, {"hit": ["a"], "miss": []})
    assert scores.queries == 2
    assert scores.per_query["miss"] == {k: 0.0 for k in scores.per_query["miss"]}
    assert scores.ndcg_at_10 == 0.5
    assert scores.mrr_at_10 == 0.5


def test_ties_keep_the_order_given_not_trec_evals_document_id_order() -> None:
    # trec_eval would break a score tie by document id; the given order must win.
    ahead = retrieval_metrics({"q": {"a": 1}}, {"q": ["b", "a"]})
    behind = retrieval_metrics({"q": {"a": 1}}, {"q": ["a", "b"]})
    assert ahead.mrr_at_10 == 0.5
    assert behind.mrr_at_10 == 1.0


def test_a_document_repeated_by_several_chunks_keeps_its_best_rank() -> None:
    scores = retrieval_metrics({"q": {"b": 1}}, {"q": ["a", "a", "a", "b", "a"]})
    assert scores.mrr_at_10 == 0.5  # b is the second distinct document


def test_cutoffs_deeper_than_asked_are_not_reported() -> None:
    scores = retrieval_metrics({"q": {"a": 1}}, {"q": ["a"]}, cutoffs=(1, 5))
    assert set(scores.recall) == {1, 5}
    assert max(scores.curve) <= 5


# ---- answers -----------------------------------------------------------------------------


def test_squad_normalization() -> None:
    assert normalize_answer("The  Cat's, hat!") == "cats hat"
    assert normalize_answer("An apple a day") == "apple day"
    assert normalize_answer("theatre") == "theatre"  # articles only as whole words
    assert normalize_answer("") == ""


def test_exact_match_and_f1_by_hand() -> None:
    assert exact_match("The Jamarat Bridge.", "jamarat bridge") == 1.0
    assert exact_match("Jamarat", "Jamarat Bridge") == 0.0
    # tokens [cat, sat] against [cat, sat, down]: P = 1, R = 2/3
    assert f1("the cat sat", "cat sat down") == pytest.approx(0.8)
    assert f1("dog", "cat") == 0.0
    assert f1("", "") == 1.0
    assert f1("something", "") == 0.0
    assert f1("", "something") == 0.0


def test_best_over_gold_and_empty_answers() -> None:
    assert best_over_gold("f1", "over 345 pilgrims", ["345", "over 345"]) == pytest.approx(0.8)
    assert best_over_gold("em", "over 345", ["345", "over 345"]) == 1.0
    # no gold answer: unanswerable, only the empty prediction (an abstention) is right
    assert best_over_gold("em", "", []) == 1.0
    assert best_over_gold("f1", "a guess", []) == 0.0
    assert best_over_gold("em", "", ["  "]) == 1.0  # blank golds count as none


def test_prediction_text_drops_markers_and_abstentions() -> None:
    assert prediction_text("It fell. [1] It rose. [2]", False) == "It fell. It rose."
    assert prediction_text("The indexed articles don't cover this.", True) == ""


def test_contains_gold_matches_whole_words_only() -> None:
    assert contains_gold("Over 345 pilgrims died.", ["345"])
    assert not contains_gold("Over 3456 pilgrims died.", ["345"])
    assert not contains_gold("anything", [])
    assert not contains_gold("", ["345"])
    assert contains_gold("at the Jamarat Bridge", ["The Jamarat Bridge"])
    # curly quotes and dashes are punctuation too (the official rule strips ASCII only)
    assert contains_gold("Xi said: “avoid arms race in cyberspace.”", ["arms race in cyberspace"])
    assert contains_gold("a well—known fact", ["known fact"])
    assert f1("“cyberspace.”", "cyberspace") == 0.0  # the official F1 keeps them


def test_answer_metrics_over_answerable_and_unanswerable() -> None:
    scores = answer_metrics(
        [
            AnswerCase(("345",), "345", False),  # EM 1, F1 1, contains
            AnswerCase(("Jamarat Bridge",), "near Jamarat Bridge in Mina", False),  # F1 4/7
            AnswerCase(("1871",), "", True),  # abstained on an answerable one: 0
            AnswerCase((), "", True),  # right abstention: EM 1
            AnswerCase((), "a guess", False),  # wrong answer to an unanswerable one: 0
        ]
    )
    # [near, jamarat, bridge, in, mina] vs [jamarat, bridge]: P = 2/5, R = 1, F1 = 4/7
    assert scores.questions == 5 and scores.answerable == 3
    assert scores.exact_match == pytest.approx(2 / 5)
    assert scores.f1 == pytest.approx((1 + 4 / 7 + 0 + 1 + 0) / 5)
    assert scores.has_answer_exact_match == pytest.approx(1 / 3)
    assert scores.has_answer_f1 == pytest.approx((1 + 4 / 7) / 3)
    assert scores.no_answer_exact_match == pytest.approx(0.5)
    assert scores.contains_gold == pytest.approx(2 / 3)
    assert scores.answered == pytest.approx(3 / 5)


def test_short_answers_are_scored_over_answerable_questions() -> None:
    scores = answer_metrics(
        [
            AnswerCase(("Credit Suisse",), "Credit Suisse. UBS bought it.", False, "Credit Suisse"),
            AnswerCase(("Jamarat Bridge",), "near the bridge", False, "the bridge"),  # F1 2/3
            AnswerCase(("1871",), "It burned in 1871.", False, None),  # no short answer: 0
            AnswerCase((), "", True),  # unanswerable: not counted
        ]
    )
    assert scores.short_answer_given == pytest.approx(2 / 3)
    assert scores.short_answer_exact_match == pytest.approx(1 / 3)
    assert scores.short_answer_f1 == pytest.approx((1 + 2 / 3) / 3)


def test_answer_metrics_without_answerable_questions() -> None:
    scores = answer_metrics([AnswerCase((), "", True)])
    assert scores.has_answer_f1 is None and scores.contains_gold is None
    assert scores.exact_match == 1.0


# ---- citations ---------------------------------------------------------------------------


def test_citation_metrics_by_hand() -> None:
    scores = citation_metrics(
        [
            CitationCase(True, (True, False), (True, True)),
            CitationCase(True, (False,), (True,)),
            CitationCase(True, (), ()),  # abstained on an answerable question
            CitationCase(False, (False,), (False,)),  # answered an unanswerable one
        ]
    )
    assert scores.citations == 4
    assert scores.quotes_checked == 4 and scores.quotes_exact == 3
    assert scores.quote_exactness == 0.75
    assert scores.precision == pytest.approx(1 / 3)  # citations of answerable questions only
    assert scores.recall == pytest.approx(1 / 3)


def test_quotes_that_could_not_be_checked_are_not_counted_as_exact() -> None:
    scores = citation_metrics([CitationCase(True, (True, True), (None, True))])
    assert scores.quotes_checked == 1 and scores.quote_exactness == 1.0


def test_citation_metrics_with_nothing_cited() -> None:
    scores = citation_metrics([CitationCase(True, (), ()), CitationCase(False, (), ())])
    assert scores.citations == 0
    assert scores.quote_exactness is None and scores.precision is None
    assert scores.recall == 0.0
    assert citation_metrics([]).recall is None


# ---- abstention and latency --------------------------------------------------------------


def test_abstention_precision_and_recall_by_hand() -> None:
    # (answerable, abstained)
    scores = abstention_metrics([(False, True), (False, False), (True, True), (True, False)])
    assert scores.abstained == 2 and scores.unanswerable == 2
    assert scores.precision == 0.5 and scores.recall == 0.5


def test_abstention_edge_cases() -> None:
    never = abstention_metrics([(True, False), (False, False)])
    assert never.precision is None and never.recall == 0.0
    all_answerable = abstention_metrics([(True, True)])
    assert all_answerable.precision == 0.0 and all_answerable.recall is None


def test_latency_percentiles_interpolate_per_stage() -> None:
    rows = [{"embed_ms": v, "total_ms": 10 * v} for v in (1.0, 2.0, 3.0, 4.0)]
    rows.append({"total_ms": 50.0})  # a stage missing from a row is not a zero
    stats = latency_percentiles(rows)
    assert stats["embed_ms"] == {"p50": 2.5, "p95": 3.85, "mean": 2.5, "n": 4}
    assert stats["total_ms"]["p50"] == 30.0 and stats["total_ms"]["n"] == 5
    assert latency_percentiles([]) == {}
