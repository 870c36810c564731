"""``newsrag list``, ``show``, ``export`` and ``stats`` as a user runs them (real processes,
a copy of the sample index): filters, usage errors that name the filter, and an export that
re-ingests to the very same articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.store import Store
from tests.conftest import run_newsrag as newsrag


def test_list_show_and_filters(index_copy: Path) -> None:
    index = str(index_copy)
    listed = newsrag("list", "--json", "--index", index)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == 44 and rows[0]["published"] == "2023-02-23" and "text" not in rows[0]
    some = newsrag("list", "--since", "2015", "--until", "2015", "--source", "wikinews",
                   "--json", "--index", index)  # fmt: skip
    assert len(some.stdout.splitlines()) == 9
    table = newsrag("list", "--query", "Hajj stampede", "--index", index)
    assert "Hajj" in table.stdout and table.returncode == 0
    shown = newsrag("show", rows[0]["id"], "--index", index)
    assert shown.returncode == 0 and rows[0]["title"] in shown.stdout
    missing = newsrag("show", "nope", "--index", index)
    assert missing.returncode == 1 and "no article 'nope'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--source", "Nope News"], "--source: 'Nope News' is not an indexed outlet"),
        (["--since", "2020-05-01", "--until", "2020-01-01"], "--since: since 2020-05-01 is after"),
        (["--since", "yesterday"], "--since 'yesterday' is not a date"),
    ],
)
def test_filters_that_cannot_match_are_usage_errors(
    sample_index: Path, args: list[str], says: str
) -> None:
    for command in ("list", "export"):
        result = newsrag(command, *args, "--index", str(sample_index))
        assert result.returncode == 2 and says in result.stderr, result.stderr


def test_a_filter_matching_nothing_says_which(sample_index: Path) -> None:
    result = newsrag("list", "--since", "2024-01-01", "--index", str(sample_index))
    assert result.returncode == 0
    assert "No indexed article was published on or after 2024-01-01" in result.stderr


def test_stats_show_outlets_and_months(sample_index: Path) -> None:
    result = newsrag("stats", "--json", "--index", str(sample_index))
    numbers = json.loads(result.stdout)
    assert numbers["sources"]["Wikinews"] == 43 and numbers["months"]["2023-02"] == 1


@pytest.mark.slow
def test_export_re_ingests_to_the_same_articles(index_copy: Path, tmp_path: Path) -> None:
    before = Store.open(index_copy).fingerprints()
    target = tmp_path / "export.jsonl"
    exported = newsrag("export", "--format", "jsonl", "-o", str(target), "--index", str(index_copy))
    assert exported.returncode == 0 and "exported 44 articles" in exported.stderr
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert {r["id"] for r in records} == set(before)
    again = newsrag("ingest", str(target), "--index", str(index_copy))
    assert again.returncode == 0, again.stderr
    assert "added 0, updated 0, unchanged 44, failed 0" in again.stdout
    assert Store.open(index_copy).fingerprints() == before
    wrong = newsrag("export", "--format", "csv", "--index", str(index_copy))
    assert wrong.returncode == 2 and "--format must be one of jsonl" in wrong.stderr
