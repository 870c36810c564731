"""Filters that match nothing say which filter and what would match (rag/filters.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.store import Store
from rag.filters import FilterError, check_filter, empty_filter_notice
from rag.pipeline import NewsRAG


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    """These tests run on both backends, on the same sample articles (tests/backends.py)."""
    return rag_on_backend


def test_an_outlet_not_indexed_names_the_closest(sample_index: Path) -> None:
    store = Store.open(sample_index)
    with pytest.raises(FilterError) as typo:
        check_filter(store, ["Wikinwes"])
    assert typo.value.field == "source"
    assert "'Wikinwes' is not an indexed outlet; closest indexed outlets: 'Wikinews'" in str(
        typo.value
    )
    with pytest.raises(FilterError) as far:
        check_filter(store, ["Nope News"])
    assert "indexed outlets include: 'Wikinews'" in str(far.value)
    check_filter(store, ["WIKINEWS"])  # outlets match whatever their case


def test_since_after_until_is_refused(sample_index: Path) -> None:
    with pytest.raises(FilterError) as refused:
        check_filter(Store.open(sample_index), (), "2020-05-01", "2020-01-01")
    assert refused.value.field == "since" and "after until" in str(refused.value)


def test_an_empty_date_range_says_what_the_index_holds(sample_index: Path) -> None:
    store = Store.open(sample_index)
    notice = empty_filter_notice(store, ("Wikinews",), "2024-01-01", None)
    assert notice == (
        "No article from 'Wikinews' was published on or after 2024-01-01; "
        "their newest article is from 2023-02-23."
    )
    notice = empty_filter_notice(store, (), "2019-01-01", "2019-12-31")
    assert notice is not None and "run from 2006-01-12 to 2023-02-23" in notice
    assert empty_filter_notice(store, ("Wikinews",), "2015-01-01", None) is None


def test_the_answer_says_which_filter_matched_nothing(rag: NewsRAG) -> None:
    answer = rag.ask("What did Xi say about arms races?", since="2024-01-01",
                     as_of=dt.date(2025, 1, 1))  # fmt: skip
    assert answer.abstained
    assert answer.answer.startswith("No indexed article was published on or after 2024-01-01")
