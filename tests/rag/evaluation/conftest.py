"""One real evaluation of the fixture QA set over the sample index, in all three modes,
shared by the runner and report tests."""

from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from rag.evaluation.runner import MODES, EvalRequest, EvalResult, run_request

DATA = Path(__file__).resolve().parents[2] / "data" / "eval"


def evaluate_qa(sample_index: Path, embedder: Embedder, store_uri: str = "") -> EvalResult:
    """The fixture QA set over the sample articles, on SQLite (no ``store_uri``) or on the
    Milvus copy of them that ``store_uri`` names."""
    request = EvalRequest(DATA / "qa.jsonl", index=sample_index, modes=MODES)
    result, warnings = run_request(request, Settings(store_uri=store_uri), lambda _: embedder)
    assert warnings == []  # every gold source names an article of the sample index
    return result


@pytest.fixture(scope="session")
def qa_result(sample_index: Path, embedder: Embedder) -> EvalResult:
    return evaluate_qa(sample_index, embedder)
