"""The [eval] extra: the answering path runs without it, an evaluation names it when missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.settings import Settings
from rag.evaluation.extra import EXTRA, MissingExtraError, require_eval_extra
from rag.evaluation.runner import EvalRequest, run_request
from tests.conftest import ROOT

DATA = Path(__file__).resolve().parents[2] / "data" / "eval"


def test_the_answering_path_loads_without_the_eval_extra() -> None:
    # every module the CLI, the API and the pipeline import to answer, in a fresh process
    code = (
        "import sys, index.ingest, rag.pipeline, rag.retrieval, rag.fusion; "
        f"print(sorted(m for m in {EXTRA!r} if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_a_missing_extra_is_named_before_the_evaluation_starts(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.setitem(sys.modules, "pytrec_eval", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"needs pytrec_eval, from the \[eval\] extra"):
        require_eval_extra()
    request = EvalRequest(dataset=DATA / "no-such-dataset.jsonl", index=settings.index_dir)
    with pytest.raises(MissingExtraError):  # before the dataset is even read
        run_request(request, settings, lambda _: pytest.fail("no model is loaded"))


def test_the_extra_is_installed_here() -> None:
    require_eval_extra()  # make setup installs [dev,eval]: the evaluation tests need it
