"""Sentences that never take a place in an answer: a sentence the article repeats (a lede
printed twice) and a question the article asks (a sub-heading); in a summary, anything but
a full statement (a heading, a related-link headline)."""

import json
from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from rag.answering import is_statement
from rag.pipeline import NewsRAG

LEDE = "Elon Musk struck a $44 billion deal to buy Twitter on Monday, the company said."
ARTICLE = (
    f"{LEDE}\n\nHow did Elon Musk wind up buying Twitter?\n\n{LEDE} The board accepted the "
    "offer after a weekend of talks. Why did Elon Musk want to buy Twitter?\n\nMusk has "
    "said he wants the platform to be a place for free speech.\n"
)


def test_a_repeated_sentence_is_quoted_once_and_questions_never(
    tmp_path: Path, embedder: Embedder
) -> None:
    source = tmp_path / "musk.jsonl"
    record = {
        "title": "Musk buys Twitter",
        "source": "Example News",
        "url": "https://news.example/musk-twitter",
        "published": "2022-04-26",
        "text": ARTICLE,
    }
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    # threshold 0: this is about which sentences are quoted, not whether to answer
    settings = Settings(index_dir=tmp_path / "index", abstain_threshold=0.0)
    assert Ingestor(settings, embedder).run_paths([source]).added == 1
    rag = NewsRAG(settings, embedder)
    answer = rag.ask("Which company did Elon Musk buy?")
    quotes = [c.quote for c in answer.citations]
    assert any(LEDE in q for q in quotes), answer.answer
    assert len(quotes) == len(set(quotes)) and sum(LEDE in q for q in quotes) == 1, quotes
    assert not any(q.rstrip().endswith("?") for q in quotes), quotes


@pytest.mark.parametrize(
    ("text", "statement"),
    [
        ("The Senate voted 62-37 to advance the bill on Wednesday.", True),
        ("“We will not back down,” she said!", True),
        ("Midterms", False),  # a listicle's heading
        ("Elon Musk and Twitter:Billionaire's takeover raises questions about privacy", False),
        ("What happens to the bill next in the House?", False),
        ("It passed.", False),  # too short to stand beside others
    ],
)
def test_only_full_statements_stand_in_summaries(text: str, statement: bool) -> None:
    assert is_statement(text) is statement


def test_a_summary_quotes_no_heading(tmp_path: Path, embedder: Embedder) -> None:
    source = tmp_path / "midterms.jsonl"
    records = [
        {
            "title": f"5 things to know for November {day}",
            "source": "Example News",
            "url": f"https://news.example/things-{day}",
            "published": f"2022-11-0{day}",
            "text": f"Midterm elections\n\n{body}\n",
        }
        for day, body in [
            (7, "Candidates made their closing arguments before the midterm elections on Monday."),
            (9, "Results of the midterm elections are still coming in across the country today."),
        ]
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", abstain_threshold=0.0)
    assert Ingestor(settings, embedder).run_paths([source]).added == 2
    answer = NewsRAG(settings, embedder).ask("Summarize coverage of the midterm elections")
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == 2 and all(q.startswith(("Candidates", "Results")) for q in quotes)
