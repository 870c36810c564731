"""The ``newsrag`` command, run as a user runs it: a real process, real files, exit codes."""

import json
from pathlib import Path

import pytest

from tests.conftest import ARMS_RACE_QUOTE, XI_ARTICLE
from tests.conftest import run_newsrag as newsrag


@pytest.mark.slow
def test_ingest_ask_stats_delete(tmp_path: Path) -> None:
    index = str(tmp_path / "idx")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "image.txt").write_bytes(b"\x00\x01\x02PNG")
    (bad / "latin1.txt").write_bytes("Caf\xe9\n\nStory".encode("latin-1"))

    ingested = newsrag(
        "ingest",
        str(XI_ARTICLE),
        str(bad),
        "--source",
        "Cointelegraph",
        "--published",
        "2023-11-09",
        "--index",
        index,
    )
    assert ingested.returncode == 0, ingested.stderr
    assert "added 1, updated 0, unchanged 0, failed 3" in ingested.stdout
    for reason in (
        "empty.txt: empty file",
        "image.txt: binary file",
        "latin1.txt: not valid UTF-8",
    ):
        assert reason in ingested.stderr

    asked = newsrag("ask", "What did Xi say about arms races?", "--json", "--index", index)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert set(answer) == {
        "question",
        "answer",
        "abstained",
        "citations",
        "timings_ms",
        "mode",
        "verification",
        "short_answer",
        "as_of",
        "time_window",
        "outside_window",
    }
    assert answer["mode"] == "extractive" and answer["verification"] is None
    assert answer["time_window"] is None and answer["short_answer"] is None
    [citation] = answer["citations"]
    assert ARMS_RACE_QUOTE in citation["quote"]
    assert (citation["source"], citation["published"]) == ("Cointelegraph", "2023-11-09")
    assert set(citation) == {
        "n",
        "article_id",
        "title",
        "source",
        "published",
        "url",
        "quote",
        "start",
        "end",
        "score",
        "also_in",
    }
    assert citation["also_in"] == []  # one article: no wire copies

    text = newsrag("ask", "What did Xi say about arms races?", "--index", index)
    assert "[1] Chinese president calls for unity" in text.stdout
    assert "Cointelegraph, 2023-11-09" in text.stdout

    stats = json.loads(newsrag("stats", "--json", "--index", index).stdout)
    assert (stats["articles"], stats["sources"]) == (1, {"Cointelegraph": 1})

    deleted = newsrag("delete", citation["article_id"], "--index", index)
    assert deleted.returncode == 0 and citation["article_id"] in deleted.stdout
    assert json.loads(newsrag("stats", "--json", "--index", index).stdout)["articles"] == 0
    again = newsrag("delete", citation["article_id"], "--index", index)
    assert again.returncode == 1 and "no article" in again.stderr


def test_nothing_ingestible_exits_nonzero(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("")
    result = newsrag("ingest", str(tmp_path), "--index", str(tmp_path / "idx"))
    assert result.returncode == 1
    assert "empty.md: empty file" in result.stderr
    assert "nothing to ingest" in result.stderr
    assert not (tmp_path / "idx").exists()


def test_missing_index_is_one_line_saying_what_to_run(tmp_path: Path) -> None:
    result = newsrag("ask", "anything?", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "run `newsrag ingest PATH --index" in result.stderr
    assert "Traceback" not in result.stderr


def test_damaged_index_is_reported_not_crashed(index_copy: Path) -> None:
    for path in index_copy.glob("newsrag.sqlite*"):
        path.unlink()
    (index_copy / "newsrag.sqlite").write_bytes(b"this is not a database" * 100)
    result = newsrag("stats", "--index", str(index_copy))
    assert result.returncode == 1
    assert "damaged" in result.stderr and "Traceback" not in result.stderr


def test_bad_options_are_usage_errors(index_copy: Path) -> None:
    result = newsrag("ask", "Xi?", "--since", "last tuesday-ish", "--index", str(index_copy))
    assert result.returncode == 2 and "--since" in result.stderr
    assert newsrag("ask", "Xi?", "--k", "0", "--index", str(index_copy)).returncode == 2
    assert newsrag("ask", "   ", "--index", str(index_copy)).returncode == 2


def test_bad_model_setting_names_the_variable(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nSome body text.")
    result = newsrag(
        "ingest",
        str(tmp_path / "a.txt"),
        "--index",
        str(tmp_path / "idx"),
        env={"NEWSRAG_MODEL": str(tmp_path / "no-model")},
    )
    assert result.returncode == 1
    assert "NEWSRAG_MODEL" in result.stderr and "Traceback" not in result.stderr


def test_bad_settings_are_one_line_each(index_copy: Path) -> None:
    result = newsrag("stats", "--index", str(index_copy), env={"NEWSRAG_K": "many"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: NEWSRAG_K: Input should be a valid integer" in result.stderr
    result = newsrag("stats", "--index", str(index_copy), env={"NEWSRAG_ANSWER_MODE": "llm"})
    assert result.returncode == 2 and "needs NEWSRAG_LLM_BASE_URL" in result.stderr
    public = ("serve", "--host", "0.0.0.0", "--index", str(index_copy))
    result = newsrag(*public, env={"NEWSRAG_API_KEYS": '[""]'})
    assert result.returncode == 2 and "API key 1 is empty or shorter" in result.stderr


def test_llm_flag_without_an_endpoint_says_what_to_set(index_copy: Path) -> None:
    result = newsrag("ask", "What did Xi say?", "--llm", "--index", str(index_copy))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "set NEWSRAG_LLM_BASE_URL" in result.stderr


@pytest.mark.slow
@pytest.mark.llm
def test_ask_llm_against_the_real_model(index_copy: Path, llama_server: str) -> None:
    ask = ("ask", "What did Xi say about arms races?", "--llm", "--index", str(index_copy))
    env = {"NEWSRAG_LLM_BASE_URL": llama_server}
    result = newsrag(*ask, "--json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    check = answer["verification"]
    assert answer["mode"] == "llm" and answer["answer"]
    assert all(c["quote"] for c in answer["citations"])
    kept = [s["text"] for s in check["sentences"] if s["kept"]]
    assert check["kept"] == len(kept)
    if check["outcome"] == "verified":  # the answer is made of checked sentences only
        assert kept and all(sentence in answer["answer"] for sentence in kept)
    else:  # the extractive answer, with the reason the model's was not used
        assert check["outcome"] == "fallback" and check["reason"]
        extractive = newsrag(*ask[:2], "--index", str(index_copy), "--json")
        assert json.loads(extractive.stdout)["answer"] == answer["answer"]
    printed = newsrag(*ask, env=env)
    assert printed.returncode == 0, printed.stderr
    expected = "extractive answer shown" if check["outcome"] == "fallback" else "passed the quote"
    assert expected in printed.stderr
