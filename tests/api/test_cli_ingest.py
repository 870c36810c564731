"""`newsrag ingest` on hostile inputs: every bad path is named (escaped) and skipped, the
good files are ingested, nothing hangs; dates keep their precision and undated articles are
counted."""

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_newsrag

BODY = "The harbour master said the new ferry timetable starts on Monday morning."


@pytest.mark.slow
def test_hostile_paths_are_named_and_the_good_files_ingested(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text(f"Ferry timetable\n\n{BODY}")
    (inputs / "deep.json").write_text("[" * 100_000)
    os.mkfifo(inputs / "pipe.txt")
    evil = inputs / "evil\nskipped fake.txt: \x1b[31mred\x1b[0m.txt"
    evil.write_text("")
    (inputs / "nav.html").write_text("<html><body><nav>Home | World | Sport</nav></body></html>")
    (inputs / "dated.jsonl").write_text(
        json.dumps({"title": "Pier", "text": BODY + " Pier.", "published": 1709632800000})
        + "\n"
        + json.dumps({"title": "Dock", "text": BODY + " Dock.", "published": "whenever"})
    )
    index = tmp_path / "idx"
    result = run_newsrag(
        "ingest", str(inputs), "/dev/zero", str(tmp_path / ("x" * 300)), "--index", str(index)
    )
    assert result.returncode == 0, result.stderr
    assert "added 3, updated 0, unchanged 0, failed 6" in result.stdout
    err = result.stderr
    assert "deep.json: invalid JSON (nested too deeply)" in err
    assert "pipe.txt: not a regular file: a FIFO (named pipe)" in err
    assert "/dev/zero: not a regular file: a character device" in err
    assert "File name too long" in err
    assert "nav.html: no main text" in err
    assert "evil\\nskipped fake.txt: \\x1b[31mred\\x1b[0m.txt: empty file" in err
    assert "\x1b" not in err and "\nskipped fake.txt" not in err
    assert "dated.jsonl#2: publication date not read, ingested undated: 'whenever'" in err

    dated = tmp_path / "year.txt"
    dated.write_text(f"Year only\n\n{BODY} Year.")
    again = run_newsrag("ingest", str(dated), "--published", "2024", "--index", str(index))
    assert again.returncode == 0, again.stderr
    stats = json.loads(run_newsrag("stats", "--json", "--index", str(index)).stdout)
    assert (stats["articles"], stats["undated"]) == (4, 2)
    assert (stats["oldest"], stats["newest"]) == ("2024", "2024-03-05")
    bad = run_newsrag("ingest", str(dated), "--published", "soon", "--index", str(index))
    assert bad.returncode == 2 and "--published 'soon' is not a date" in bad.stderr
