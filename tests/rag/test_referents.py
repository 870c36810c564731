from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from index.records import StoredArticle
from index.text import split_sentences
from rag.answering import Candidate, with_referents
from rag.citations import verify
from rag.pipeline import NewsRAG
from rag.referents import leans_on_previous
from tests.backends import store_uri


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("He said the talks would resume.", True),
        ("She won 52% of the vote.", True),
        ("They left on Monday.", True),
        ("It was the first such ruling.", True),
        ("This initiative was proposed a month prior.", True),
        ("These changes take effect in July.", True),
        ("The company said it would appeal.", True),
        ("The move drew criticism.", True),
        ("The same court ruled otherwise.", True),
        ("But the deal collapsed.", True),
        ("However, officials disagreed.", True),
        ("“It is unacceptable,” the minister said.", True),
        ("Meanwhile, prices rose.", True),
        ("Heathrow closed its runway.", False),  # a name that starts like "he"
        ("Theresa May resigned.", False),
        ("Thirty people died in the fire.", False),
        ("The Federal Reserve raised rates.", False),  # the antecedent is named
        ("Lula won the election with 50.9% of the vote.", False),
        ("Italy's new prime minister took office.", False),
        ("Its-a-me", False),
    ],
)
def test_sentences_that_need_the_one_before(sentence: str, expected: bool) -> None:
    assert leans_on_previous(sentence) is expected


BRIDGE = (
    "The county will close the Harlow river bridge for repairs from 3 March. "
    "It will stay closed for six weeks while crews replace the deck. "
    "Buses will divert through Elmford."
)
ARTICLE = StoredArticle("a1", "Harlow bridge", BRIDGE, None, None, None, None, "test", "h1")
FIRST, SECOND, THIRD = split_sentences(BRIDGE)


def _candidate(span: tuple[int, int]) -> Candidate:
    return Candidate(ARTICLE, span[0], span[1], passage_rank=0, passage_score=1.0)


def test_a_sentence_that_leans_on_the_one_before_is_quoted_with_it() -> None:
    [chosen] = with_referents([_candidate(SECOND)])
    assert (chosen.start, chosen.end) == (FIRST[0], SECOND[1])
    assert chosen.text.startswith("The county will close the Harlow river bridge")


def test_a_paragraph_break_ends_the_reach_back() -> None:
    text = "Crews replaced the deck.\n\nThis is not the first closure of the bridge."
    article = StoredArticle("a2", "Harlow", text, None, None, None, None, "test", "h2")
    _, second = split_sentences(text)
    candidate = Candidate(article, second[0], second[1], passage_rank=0, passage_score=1.0)
    [chosen] = with_referents([candidate])
    assert (chosen.start, chosen.end) == second


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([SECOND, FIRST], [SECOND, FIRST]),  # the sentence before is quoted already
        ([THIRD], [THIRD]),  # "Buses will divert…" stands on its own
        ([FIRST], [FIRST]),  # nothing before the first sentence
    ],
)
def test_quotes_that_need_no_context_stay_as_they_are(
    spans: list[tuple[int, int]], expected: list[tuple[int, int]]
) -> None:
    chosen = with_referents([_candidate(span) for span in spans])
    assert [(c.start, c.end) for c in chosen] == expected


def test_the_answer_names_what_a_leaning_sentence_is_about(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder, backend: str
) -> None:
    source = tmp_path / "bridge.txt"
    source.write_text(f"Harlow bridge repairs announced\n\n{BRIDGE}\n", encoding="utf-8")
    # what is quoted is under test, not the abstention line on a one-article index
    uri = store_uri(request, backend)  # on both backends (tests/backends.py)
    settings = Settings(index_dir=tmp_path / "index", abstain_threshold=0.0, store_uri=uri)
    assert Ingestor(settings, embedder).run_paths([source]).added == 1
    rag = NewsRAG(settings, embedder)
    answer = rag.ask("How long will the Harlow bridge stay closed?")
    assert not answer.abstained, answer.answer
    # "It will stay closed…" never comes without the sentence that says what "it" is
    quotes = " ".join(c.quote for c in answer.citations)
    assert "six weeks" in quotes
    assert quotes.index("Harlow river bridge") < quotes.index("six weeks")
    # and "how long" is answered in two words first, from that quote
    assert answer.short_answer is not None and answer.short_answer.text == "six weeks"
    assert answer.answer.startswith("**six weeks.** ")
    article = rag.store.article(answer.citations[0].article_id)
    assert article is not None
    assert all(verify(c, article.text) for c in answer.citations)
