"""Evaluation datasets in three formats, detected from the files, read into one shape.

Every format becomes a list of :class:`EvalQuestion` (the question, its acceptable short
answers and its graded gold documents) plus, where the dataset carries its own documents
(BEIR, SQuAD), the corpus to ingest. Gold documents are named by *keys*: a BEIR corpus id, a
SQuAD paragraph id, or for newsrag QA JSONL the article id, URL or title its author wrote.
:class:`GoldMatcher` turns a retrieved or cited article into the keys it satisfies, from the
fields that both the in-process pipeline and the HTTP API return (article id, URL, title), so
scoring never needs access to the server's index.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from index.documents import Article, normalize_url

Format = Literal["qa-jsonl", "beir", "squad"]


class DatasetError(ValueError):
    """The dataset cannot be read; the message names the file and what is wrong with it."""


@dataclass
class EvalQuestion:
    """One question. ``answers`` empty means no answer exists (the system should abstain);
    ``gold`` maps gold-document keys to graded relevance (> 0 is relevant)."""

    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    gold: dict[str, int] = field(default_factory=dict)
    question_date: date | None = None  # the question's "now": its as-of date

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def relevant(self) -> set[str]:
        return {key for key, grade in self.gold.items() if grade > 0}


@dataclass
class CorpusDoc:
    """A document the dataset ships, to be ingested as a newsrag article."""

    doc_id: str
    article: Article


@dataclass
class Dataset:
    name: str
    format: Format
    path: Path
    questions: list[EvalQuestion]
    corpus: list[CorpusDoc] = field(default_factory=list)
    # BEIR queries have no short answers: only retrieval is scored.
    scores_answers: bool = True
    # BEIR's evaluator drops a retrieved document whose id equals the query id.
    ignore_identical_ids: bool = False
    version: str = ""
    # QA JSONL: gold keys that are corpus ids, with the article URL each stands for
    # (read from the corpus files given to ``newsrag eval --articles``).
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def answerable(self) -> int:
        return sum(q.answerable for q in self.questions)


@dataclass(frozen=True)
class Hit:
    """What a retrieved passage or a citation says about its article: enough to match it
    to gold keys whether it came from the pipeline or from the HTTP API."""

    article_id: str
    url: str | None = None
    title: str | None = None


def _normal_title(title: str) -> str:
    return " ".join(title.casefold().split())


def _normal_url(value: str) -> str | None:
    if not value.lower().startswith(("http://", "https://")):
        return None
    return normalize_url(value)


class GoldMatcher:
    """Maps an article to the gold keys it satisfies.

    With a corpus (BEIR, SQuAD) the key is the corpus id of every document whose content has
    that article id (identical documents share one article). Without one (QA JSONL) a key
    is a source string, matched as an article id, a URL (normalized as the index normalizes
    it) or a title (case and spacing ignored).
    """

    def __init__(self, dataset: Dataset):
        self.by_article: dict[str, list[str]] = {}
        for doc in dataset.corpus:
            self.by_article.setdefault(doc.article.article_id, []).append(doc.doc_id)
        self.by_url: dict[str, set[str]] = {}
        self.by_title: dict[str, set[str]] = {}
        self.by_id: dict[str, set[str]] = {}
        if dataset.corpus:
            return
        for question in dataset.questions:
            for key in question.gold:
                self.by_id.setdefault(key.strip(), set()).add(key)
                url = _normal_url(dataset.aliases.get(key, key).strip())
                if url:
                    self.by_url.setdefault(url, set()).add(key)
                self.by_title.setdefault(_normal_title(key), set()).add(key)

    def keys(self, hit: Hit) -> list[str]:
        if self.by_article:
            return list(self.by_article.get(hit.article_id, []))
        found: set[str] = set(self.by_id.get(hit.article_id, ()))
        if hit.url:
            url = _normal_url(hit.url)
            if url:
                found |= self.by_url.get(url, set())
        if hit.title:
            found |= self.by_title.get(_normal_title(hit.title), set())
        return sorted(found)


# ---- format detection --------------------------------------------------------------------


def detect_format(path: Path) -> Format:
    """BEIR is a folder; SQuAD a JSON object with ``data``; QA JSONL one question a line."""
    if path.is_dir():
        if (path / "corpus.jsonl").is_file() and (path / "queries.jsonl").is_file():
            return "beir"
        raise DatasetError(
            f"{path} is a folder but not a BEIR dataset (corpus.jsonl, queries.jsonl, qrels/)"
        )
    if not path.is_file():
        raise DatasetError(f"no dataset at {path}")
    with path.open(encoding="utf-8") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("{") and '"data"' in head[:200]:
        return "squad"
    first = head.split("\n", 1)[0]
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        record = None
    if isinstance(record, dict) and "question" in record and "answers" in record:
        return "qa-jsonl"
    if head.startswith("{"):
        return "squad"  # a pretty-printed SQuAD file; load_squad checks it
    raise DatasetError(
        f"{path} is neither newsrag QA JSONL ({{'question', 'answers', 'sources'}} a line), "
        "SQuAD JSON nor a BEIR folder"
    )


def load_dataset(path: Path, limit: int | None = None, split: str = "test") -> Dataset:
    """Read any supported dataset; ``limit`` keeps the first N questions (for SQuAD, the
    corpus then shrinks to the Wikipedia articles those questions come from)."""
    kind = detect_format(path)
    if kind == "beir":
        return load_beir(path, split, limit)
    if kind == "squad":
        return load_squad(path, limit)
    return load_qa_jsonl(path, limit)


# ---- newsrag QA JSONL --------------------------------------------------------------------


def _strings(value: Any, what: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetError(f"{where}: {what!r} must be a list of strings")
    return [v for v in value if v.strip()]


def load_qa_jsonl(path: Path, limit: int | None = None) -> Dataset:
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict) or not str(record.get("question", "")).strip():
                raise DatasetError(f"{where}: each line needs a non-empty 'question'")
            answers = _strings(record.get("answers", []), "answers", where)
            sources = _strings(record.get("sources", []), "sources", where)
            sources += _strings(record.get("candidate_article_ids", []), "candidate_article_ids",
                                where)  # fmt: skip
            question_date = _question_date(record.get("question_date"), where)
            question_id = str(record.get("id", number))
            if question_id in seen:
                raise DatasetError(f"{where}: duplicate id {question_id!r}")
            seen.add(question_id)
            questions.append(
                EvalQuestion(
                    id=question_id,
                    question=str(record["question"]),
                    answers=answers,
                    gold={s: 1 for s in sources},
                    question_date=question_date,
                )
            )
            if limit and len(questions) >= limit:
                break
    if not questions:
        raise DatasetError(f"{path} holds no questions")
    return Dataset(path.stem, "qa-jsonl", path, questions)


def _question_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10]) if isinstance(value, str) else _bad()
    except ValueError:
        raise DatasetError(
            f"{where}: 'question_date' {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _bad() -> date:
    raise ValueError


def article_urls(paths: Sequence[Path]) -> dict[str, str]:
    """Corpus id -> URL from article JSONL files (or folders of them): the index keys an
    article by its URL, so a question naming its sources by corpus id (RealTime QA's
    ``candidate_article_ids``) is matched through them."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.jsonl"))
        elif path.is_file():
            files.append(path)
        else:
            raise DatasetError(f"--articles {path}: no such file or folder")
    urls: dict[str, str] = {}
    for file in files:
        for record in _read_jsonl(file):
            if isinstance(record, dict) and record.get("id") and record.get("url"):
                urls[str(record["id"])] = str(record["url"])
    if not urls:
        raise DatasetError(f"--articles {', '.join(map(str, paths))}: no records with id and url")
    return urls


# ---- BEIR --------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{number}: not JSON ({exc.msg})") from None


def load_beir(path: Path, split: str = "test", limit: int | None = None) -> Dataset:
    qrels_path = path / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        raise DatasetError(f"{qrels_path} is missing (BEIR judgments for split {split!r})")
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            try:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
            except (KeyError, TypeError, ValueError):
                raise DatasetError(
                    f"{qrels_path}: expected a header 'query-id corpus-id score' and integer scores"
                ) from None
    texts = {str(q["_id"]): str(q["text"]) for q in _read_jsonl(path / "queries.jsonl")}
    questions = [
        EvalQuestion(id=qid, question=texts[qid], gold=dict(judged))
        for qid, judged in qrels.items()
        if qid in texts
    ]
    if limit:
        questions = questions[:limit]
    corpus = [
        CorpusDoc(
            str(d["_id"]),
            Article(
                title=str(d.get("title") or ""),
                text=str(d.get("text") or ""),
                origin=f"{path.name}/corpus.jsonl#{d['_id']}",
            ),
        )
        for d in _read_jsonl(path / "corpus.jsonl")
    ]
    if not questions or not corpus:
        raise DatasetError(f"{path}: no judged queries or no documents for split {split!r}")
    return Dataset(
        path.name,
        "beir",
        path,
        questions,
        corpus,
        scores_answers=False,
        ignore_identical_ids=True,
    )


# ---- SQuAD v1.1 / v2.0 -------------------------------------------------------------------


def load_squad(path: Path, limit: int | None = None) -> Dataset:
    """Each paragraph becomes an article titled with its Wikipedia title; a v2 question
    marked ``is_impossible`` has no answers (it should be abstained on) and no gold
    document, as an unanswerable newsrag question has none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _squad(path, data, limit)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise DatasetError(f"{path} is not SQuAD JSON ({type(exc).__name__}: {exc})") from None


def _squad(path: Path, data: dict[str, Any], limit: int | None) -> Dataset:
    version = str(data.get("version", ""))
    questions: list[EvalQuestion] = []
    corpus: list[CorpusDoc] = []
    for t, topic in enumerate(data["data"]):
        if limit and len(questions) >= limit:
            break
        title = str(topic.get("title", "")).replace("_", " ") or f"Article {t}"
        for p, paragraph in enumerate(topic["paragraphs"]):
            doc_id = f"{t}-{p}"
            article = Article(title=title, text=str(paragraph["context"]),
                              origin=f"{path.name}#{doc_id}")  # fmt: skip
            corpus.append(CorpusDoc(doc_id, article))
            for qa in paragraph.get("qas", []):
                impossible = bool(qa.get("is_impossible", False))
                answers = [] if impossible else [str(a["text"]) for a in qa.get("answers", [])]
                questions.append(
                    EvalQuestion(
                        id=str(qa["id"]),
                        question=str(qa["question"]),
                        answers=list(dict.fromkeys(a for a in answers if a.strip())),
                        gold={} if impossible else {doc_id: 1},
                    )
                )
                if "is_impossible" in qa:
                    version = version or "v2.0"
    if limit:
        questions = questions[:limit]
    if not questions:
        raise DatasetError(f"{path} holds no SQuAD questions")
    return Dataset(path.stem, "squad", path, questions, corpus, version=version or "v1.1")
