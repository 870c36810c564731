"""What an evaluation writes: results.json, the Markdown report, the plots, the table."""

import copy
import json
from pathlib import Path

import matplotlib.image
from rich.console import Console

from rag.evaluation import report
from rag.evaluation.runner import EvalResult


def test_outputs_are_written_and_agree_with_the_result(
    qa_result: EvalResult, tmp_path: Path
) -> None:
    written = report.write(qa_result, tmp_path / "out")
    names = [p.name for p in written]
    assert names == ["results.json", "report.md", "recall_at_k.png", "latency.png"]

    data = json.loads((tmp_path / "out" / "results.json").read_text())
    for name, mode in qa_result.modes.items():
        saved = data["modes"][name]
        assert saved["retrieval"]["ndcg_at_10"] == mode.retrieval.ndcg_at_10
        assert saved["retrieval"]["recall"]["10"] == mode.retrieval.recall[10]
        assert len(saved["records"]) == 6
        assert saved["citations"]["quote_exactness"] == 1.0
    assert data["dataset"]["format"] == "qa-jsonl" and data["published"] == {}

    text = (tmp_path / "out" / "report.md").read_text()
    hybrid = qa_result.modes["hybrid"]
    assert "## Retrieval" in text and "## Answers" in text and "## Latency (ms)" in text
    assert f"| hybrid | {hybrid.retrieval.recall[1]:.3f} | " in text
    assert hybrid.citations is not None
    assert f"100.0% ({hybrid.citations.quotes_exact}/{hybrid.citations.quotes_checked})" in text

    for plot in ("recall_at_k.png", "latency.png"):
        path = tmp_path / "out" / plot
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        height, width, _ = matplotlib.image.imread(path).shape
        assert height > 300 and width > 500


def test_published_numbers_sit_beside_scifact_results(qa_result: EvalResult) -> None:
    renamed = copy.copy(qa_result)
    renamed.dataset = {**qa_result.dataset, "name": "scifact"}
    text = report.markdown(renamed)
    assert "| published: all-MiniLM-L6-v2 dense (MTEB) | | | | 0.925 | | 0.645 | | |" in text
    assert "published: BM25 flat (Pyserini)" in text
    assert "published" not in report.markdown(qa_result)


def test_the_terminal_table_fits_80_columns(qa_result: EvalResult) -> None:
    console = Console(record=True, width=80, color_system=None)
    console.print(report.table(qa_result))
    text = console.export_text()
    assert "…" not in text  # nothing truncated
    assert all(name in text for name in ("dense", "bm25", "hybrid"))
    for label in ("nDCG@10", "Recall@100", "quotes exact", "abstention recall", "p50 / p95 ms"):
        assert label in text
    assert f"{qa_result.modes['hybrid'].retrieval.ndcg_at_10:.3f}" in text
