"""``newsrag eval`` as a user runs it: a real process, real files, exit codes."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import ROOT
from tests.conftest import run_newsrag as newsrag

DATA = ROOT / "tests" / "data" / "eval"


@pytest.mark.slow
def test_eval_compare_over_an_index(sample_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = newsrag(
        "eval", str(DATA / "qa.jsonl"), "--index", str(sample_index), "--compare", "--out", str(out)
    )
    assert run.returncode == 0, run.stderr
    assert "quotes exact" in run.stdout and "hybrid" in run.stdout
    assert {p.name for p in out.iterdir()} == {
        "results.json", "report.md", "recall_at_k.png", "latency.png"
    }  # fmt: skip
    data = json.loads((out / "results.json").read_text())
    assert list(data["modes"]) == ["dense", "bm25", "hybrid"]
    assert data["target"] == str(sample_index)


@pytest.mark.slow
def test_eval_beir_whole_documents_into_an_index(tmp_path: Path) -> None:
    index, out = tmp_path / "idx", tmp_path / "out"
    args = ["eval", str(DATA / "beir-tiny"), "--index", str(index), "--whole-docs"]
    run = newsrag(*args, "--mode", "dense", "--out", str(out))
    assert run.returncode == 0, run.stderr
    data = json.loads((out / "results.json").read_text())
    assert data["corpus"]["chunking"] == "whole" and data["corpus"]["added"] == 8
    assert data["modes"]["dense"]["retrieval"]["mrr_at_10"] == 1.0
    # the index is kept and says how it was built: chunked evaluation refuses it
    refused = newsrag("eval", str(DATA / "beir-tiny"), "--index", str(index))
    assert refused.returncode == 1
    assert "another --index" in refused.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--index", "x", "--url", "http://127.0.0.1:1"], 2, "exclude each other"),
        (["--mode", "sparse"], 2, "--mode must be one of"),
        (["--depth", "0"], 2, "greater than or equal to 1"),
    ],
)
def test_bad_options_exit_2(args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(app, ["eval", str(DATA / "qa.jsonl"), *args])
    assert result.exit_code == code
    assert message in result.output


def test_a_bad_dataset_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1
    assert "no dataset at" in result.output
