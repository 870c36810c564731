"""`newsrag eval --answer-mode both`: extractive and LLM answers side by side, with what the
grounding check did, against the scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from api.settings import Settings
from index.embedding import Embedder
from rag.evaluation.metrics import generation_metrics, reason_kind
from rag.evaluation.report import markdown, table
from rag.evaluation.runner import EvalRequest, run_request
from tests.rag.chat_server import Script, chat_server, passages_of
from tests.rag.evaluation.conftest import DATA


def copy_then_invent(messages: list[dict[str, Any]]) -> str:
    """Quote six words of the first passage correctly, then invent a figure."""
    found = re.search(r"(?:[A-Za-z]+ ){5}[A-Za-z]+", passages_of(messages)[1])
    assert found
    quote = found.group(0)
    return f'{quote} [1: "{quote}"]. It said 987654 people agreed [1: "{quote}"].'


def test_extractive_and_llm_side_by_side(sample_index: Path, embedder: Embedder) -> None:
    with chat_server(Script(reply=copy_then_invent)) as url:
        request = EvalRequest(
            DATA / "qa.jsonl", index=sample_index, answer_modes=("extractive", "llm")
        )
        result, _ = run_request(request, Settings(llm_base_url=url), lambda _: embedder)
    assert list(result.modes) == ["hybrid", "hybrid+llm"]
    extractive, llm = result.modes["hybrid"], result.modes["hybrid+llm"]
    assert extractive.generation is None and llm.answer_mode == "llm"
    generation = llm.generation
    assert generation is not None
    questions = len(llm.records)
    assert generation.answers == questions
    assert generation.sentences == 2 * questions  # two sentences every time
    assert generation.drop_reasons == {"number not in passage": questions}
    assert generation.dropped_share == 0.5 and generation.fallbacks == 0
    for record in llm.records:
        assert record.verification and record.verification["outcome"] == "verified"
        assert all(c.exact for c in record.citations)  # kept quotes are exact offsets
    assert result.config["answer_modes"] == ["extractive", "llm"]
    assert result.config["llm_base_url"] == url
    report = markdown(result)
    assert "## LLM answers: the grounding check" in report
    assert f"| hybrid+llm | {questions} | {2 * questions} | {questions} | {questions} |" in report
    assert "number not in passage" in report
    assert table(result).row_count > 0


def test_reason_kinds_cover_every_reason_the_check_gives() -> None:
    reasons = {
        "no citation": "no citation",
        "cites [9]; only passages 1-5 exist": "cites a passage not given",
        "quote for [2] is not in passage [2]": "quote not in passage",
        "quote for [2] is shorter than 3 words": "quote too short",
        "no quote for [1]": "no quote",
        "quote for [1] is instruction-like text in the article": "quotes instruction-like text",
        "not supported by [1]: numbers not in the passage: 12": "number not in passage",
        "not supported by [1]: names not in the cited article: Bo": "name not in article",
        "not supported by [1]: negation only in the quote": "negation differs",
        "not supported by [1]: only 40% of its words are in the passage": "low word coverage",
    }
    for reason, kind in reasons.items():
        assert reason_kind(reason) == kind
    scores = generation_metrics(
        [
            None,
            {
                "outcome": "fallback",
                "reason": "could not reach the model at http://x/v1",
                "sentences": [],
            },
            {
                "outcome": "verified",
                "reason": None,
                "sentences": [
                    {"kept": True, "reason": "supported"},
                    {"kept": False, "reason": "no citation"},
                ],
            },
        ]
    )
    assert (scores.answers, scores.sentences, scores.kept, scores.dropped) == (2, 2, 1, 1)
    assert scores.fallback_reasons == {"model unreachable": 1}
    assert scores.fallback_rate == 0.5
