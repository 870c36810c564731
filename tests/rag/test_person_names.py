"""A person's name told from other capitalized spans, for the short-answer model."""

from __future__ import annotations

import pytest

from rag.person_names import first_names, looks_like_person


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Simone Biles", True),
        ("Bernard Arnault", True),
        ("Sen. Josh Hawley", True),  # a title before the name
        ("Dr. Anthony Fauci", True),
        ("Tesla", False),  # one word: a surname or a company alike
        ("Forbes", False),
        ("New York Yankees", False),
        ("Fox News", False),
        ("June Carter", False),  # "June" begins dates as often as people
        ("Georgia Tech", False),  # "Georgia" is a state
        ("Mark Hoppus and Travis Barker", False),  # two people: each part is scored alone
    ],
)
def test_a_person_s_name(name: str, person: bool) -> None:
    assert looks_like_person(name) is person


def test_the_list_leaves_out_months_and_places() -> None:
    names = first_names()
    assert len(names) > 5000 and "simone" in names
    assert not {"may", "june", "august", "georgia", "virginia", "chad", "jordan"} & names
