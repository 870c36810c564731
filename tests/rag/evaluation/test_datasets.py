"""Format detection, loading, and matching retrieved articles to gold documents."""

import json
from pathlib import Path

import pytest

from rag.evaluation.datasets import (
    Dataset,
    DatasetError,
    EvalQuestion,
    GoldMatcher,
    Hit,
    detect_format,
    load_dataset,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "eval"


def test_formats_are_detected_from_the_files() -> None:
    assert detect_format(DATA / "qa.jsonl") == "qa-jsonl"
    assert detect_format(DATA / "beir-tiny") == "beir"
    assert detect_format(DATA / "squad-tiny-v2.json") == "squad"


def test_qa_jsonl() -> None:
    data = load_dataset(DATA / "qa.jsonl")
    assert data.format == "qa-jsonl" and not data.corpus and data.scores_answers
    assert len(data.questions) == 6 and data.answerable == 4
    taiwan = next(q for q in data.questions if q.id == "taiwan")
    assert not taiwan.answerable and taiwan.relevant == set()
    assert load_dataset(DATA / "qa.jsonl", limit=2).questions[-1].id == "hajj-count"


def test_beir_reads_the_split_and_keeps_graded_judgments() -> None:
    data = load_dataset(DATA / "beir-tiny")
    assert data.format == "beir" and not data.scores_answers and data.ignore_identical_ids
    assert [q.id for q in data.questions] == ["q1", "q2", "q3", "q4"]  # q5 is not judged
    assert data.questions[0].gold == {"d2": 2, "d7": 1}
    assert len(data.corpus) == 8
    first = data.corpus[0]
    assert first.doc_id == "d1" and first.article.title == "Glacier retreat in the Alps"
    assert first.article.url is None


def test_squad_v2_paragraphs_become_articles_and_impossible_questions_abstain() -> None:
    data = load_dataset(DATA / "squad-tiny-v2.json")
    assert data.format == "squad" and data.version == "v2.0"
    assert len(data.corpus) == 3 and len(data.questions) == 6
    assert data.corpus[0].article.title == "Lighthouse of Korvik"
    by_id = {q.id: q for q in data.questions}
    assert by_id["k2"].answers == ["Ingrid Solberg", "keeper Ingrid Solberg"]
    assert by_id["k2"].gold == {"0-0": 1}
    assert by_id["k4"].gold == {"0-1": 1}
    assert not by_id["k3"].answerable and by_id["k3"].gold == {}
    # limit: the first questions, and only the Wikipedia articles they come from
    small = load_dataset(DATA / "squad-tiny-v2.json", limit=3)
    assert len(small.questions) == 3 and len(small.corpus) == 2


def test_squad_v1_without_impossible_questions(tmp_path: Path) -> None:
    path = tmp_path / "v1.json"
    path.write_text(
        json.dumps(
            {
                "version": "1.1",
                "data": [
                    {
                        "title": "T",
                        "paragraphs": [
                            {
                                "context": "Ada wrote the first program.",
                                "qas": [
                                    {
                                        "id": "a",
                                        "question": "Who wrote the first program?",
                                        "answers": [{"text": "Ada", "answer_start": 0}],
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        )
    )
    data = load_dataset(path)
    assert data.version == "1.1" and data.answerable == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("dup.jsonl", '{"id": "a", "question": "q", "answers": []}\n' * 2, "duplicate id"),
        ("bad.jsonl", '{"question": "q", "answers": []}\n{oops\n', "not JSON"),
        ("type.jsonl", '{"question": "q", "answers": "345"}\n', "list of strings"),
        ("blank.jsonl", '{"question": " ", "answers": []}\n', "non-empty 'question'"),
        ("other.txt", "just some text\n", "neither"),
        ("squad.json", '{"data": 3}', "not SQuAD"),
    ],
)
def test_bad_datasets_say_what_is_wrong(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


def test_a_folder_that_is_not_beir_and_a_missing_split(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a BEIR dataset"):
        load_dataset(tmp_path)
    with pytest.raises(DatasetError, match="no dataset"):
        load_dataset(tmp_path / "missing.jsonl")
    with pytest.raises(DatasetError, match="train"):
        load_dataset(DATA / "beir-tiny", split="train")


def test_gold_sources_match_by_id_normalized_url_or_title() -> None:
    data = Dataset(
        "t",
        "qa-jsonl",
        Path("t"),
        [
            EvalQuestion("1", "q", ["a"], {"2410a3c3fe14fa39": 1}),
            EvalQuestion("2", "q", ["a"], {"https://www.Example.org/news/story/?utm_source=x": 1}),
            EvalQuestion("3", "q", ["a"], {"Hundreds  dead in HAJJ stampede": 1}),
        ],
    )
    matcher = GoldMatcher(data)
    assert matcher.keys(Hit("2410a3c3fe14fa39")) == ["2410a3c3fe14fa39"]
    assert matcher.keys(Hit("x", url="https://example.org/news/story")) == [
        "https://www.Example.org/news/story/?utm_source=x"
    ]
    assert matcher.keys(Hit("y", title="Hundreds dead in Hajj stampede")) == [
        "Hundreds  dead in HAJJ stampede"
    ]
    assert matcher.keys(Hit("z", url="https://example.org/other", title="Other")) == []


def test_corpus_documents_match_through_their_content_id() -> None:
    data = load_dataset(DATA / "beir-tiny")
    matcher = GoldMatcher(data)
    d3 = data.corpus[2].article
    assert matcher.keys(Hit(d3.article_id, None, d3.title)) == ["d3"]
    assert matcher.keys(Hit("0000000000000000", None, d3.title)) == []  # not by title
