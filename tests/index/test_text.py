"""The text layer, table-driven: sentences with exact offsets, words, stems, coverage."""

import json
import sqlite3
from pathlib import Path

import pytest

from index.text import content_words, covered, split_sentences, stem, stems_of, tokens, words

SENTENCE_TABLE = [
    json.loads(line)
    for line in (Path(__file__).parent.parent / "data" / "sentences.jsonl").read_text().splitlines()
]


@pytest.mark.parametrize("case", SENTENCE_TABLE, ids=lambda c: c["text"][:40])
def test_sentences_and_their_exact_offsets(case: dict[str, object]) -> None:
    text = str(case["text"])
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == case["sentences"]
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)


def test_sentences_of_a_sub_range_keep_article_offsets() -> None:
    text = "One. Two. Three."
    assert [text[s:e] for s, e in split_sentences(text, 5, 16)] == ["Two.", "Three."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What did the U.S. say?", ["What", "did", "the", "U.S.", "say"]),
        ("Xi’s arms-race talk", ["Xi’s", "arms", "race", "talk"]),
        ("don't stop 2024", ["don't", "stop", "2024"]),
        ("U.N. and E.U. leaders", ["U.N.", "and", "E.U.", "leaders"]),
        ("", []),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What did the U.S. say about Xi’s arms?", ["u.s.", "xi", "arms"]),
        ("Who is the CEO of Twitter", ["ceo", "twitter"]),
        ("a I x", []),  # one-letter words carry nothing
    ],
)
def test_words_drop_stopwords_and_possessives(text: str, expected: list[str]) -> None:
    assert words(text) == expected


# The answerer and SQLite FTS5's porter tokenizer (BM25) must agree on what a word is.
STEM_WORDS = [
    "races", "race", "running", "elections", "electoral", "governance", "said", "says",
    "companies", "announced", "merger", "merging", "arms", "policies", "killed", "flies",
]  # fmt: skip


def _fts5_stems(words: list[str]) -> dict[str, str]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.execute("INSERT INTO t VALUES (?)", (" ".join(words),))
    rows = db.execute("SELECT term, offset FROM v ORDER BY offset").fetchall()
    return {words[offset]: term for term, offset in rows}


@pytest.mark.parametrize("word", STEM_WORDS)
def test_stems_agree_with_fts5_porter(word: str) -> None:
    assert stem(word) == _fts5_stems(STEM_WORDS)[word]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Musk's", "musk"), ("Xi’s", "xi"), ("U.S.", "u.s"), ("RACES", "race"), ("2024", "2024")],
)
def test_stem_normalizes_before_stemming(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_content_words_are_stemmed_in_order() -> None:
    assert content_words("The races were held; races again") == ["race", "held", "race"]


@pytest.mark.parametrize(
    ("term", "sentence", "expected"),
    [
        ("race", "An arms race began", True),
        ("attend", "The attendees left", True),  # a shared stem of five letters or more
        ("govern", "Good governance matters", True),
        ("war", "A warning was issued", False),  # short stems must match whole
        ("elect", "The vote was close", False),
    ],
)
def test_covered(term: str, sentence: str, expected: bool) -> None:
    assert covered(term, stems_of(sentence)) is expected
