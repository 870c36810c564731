"""The README's examples run as written."""

import contextlib
import io
import re
from pathlib import Path

import pytest

from api.settings import get_settings
from tests.conftest import ROOT


def test_python_example_runs(sample_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(sample_index))
    get_settings.cache_clear()
    printed = io.StringIO()
    scope: dict[str, object] = {}
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(example, "README.md", "exec"), scope)
    finally:
        get_settings.cache_clear()
    assert "arms race in cyberspace" in printed.getvalue()
    assert scope["docs"] and "stampede" in scope["docs"][0].page_content.lower()  # type: ignore[index]


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line.split("#")[0].strip() for line in lines[:6] if line.startswith("make ")]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
