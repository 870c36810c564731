"""One wire story run by several outlets is one citation listing every outlet."""

import json
from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from rag.citations import verify
from rag.pipeline import NewsRAG
from tests.backends import store_uri

WIRE = (
    "The Harlow county board voted 7-2 on Tuesday to close the old river bridge for six "
    "weeks of repairs starting in March."
)


def test_wire_copies_are_one_citation_with_also_in(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder, backend: str
) -> None:
    records = [
        {
            "title": f"Harlow bridge to close ({outlet})",
            "source": outlet,
            "url": f"https://{outlet.lower().replace(' ', '')}.example/harlow-bridge",
            "published": "2024-02-10",
            "text": f"{lead}\n\n{WIRE} Local businesses worry about lost trade.\n",
        }
        for outlet, lead in [
            ("Daily Post", "A bridge closure is coming."),
            ("Evening Star", "Drivers face detours."),
            ("County Wire", "Repairs are long overdue."),
        ]
    ]
    source = tmp_path / "wire.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    uri = store_uri(request, backend)  # on both backends (tests/backends.py)
    settings = Settings(index_dir=tmp_path / "index", store_uri=uri)
    assert Ingestor(settings, embedder).run_paths([source]).added == 3
    rag = NewsRAG(settings, embedder)
    answer = rag.ask("How did the Harlow county board vote on the river bridge?")
    assert not answer.abstained, answer.answer
    holding = [c for c in answer.citations if "voted 7-2" in c.quote]
    assert len(holding) == 1, [c.quote for c in answer.citations]
    [citation] = holding
    outlets = {citation.source, *(a.source for a in citation.also_in)}
    assert outlets == {"Daily Post", "Evening Star", "County Wire"}
    for copy in citation.also_in:
        article = rag.store.article(copy.article_id)
        assert article is not None
        assert article.text[copy.start : copy.end] == WIRE
    first = rag.store.article(citation.article_id)
    assert first is not None and verify(citation, first.text)
