"""The layering the design fixes: api -> rag -> index, never back; rag.evaluation stays off
the answering path. Read from the source (every import, lazy ones included), so a violation
fails here before it becomes a cycle at run time."""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

LAYERS = {"index": 0, "rag": 1, "api": 2}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", list(LAYERS))
def test_no_module_imports_a_higher_layer(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        for name in imports(path)
        if LAYERS.get(name.split(".")[0], -1) > LAYERS[package]
    ]
    assert wrong == []


def test_the_answering_path_does_not_import_evaluation() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules("rag")
        if "evaluation" not in path.parts
        for name in imports(path)
        if name.startswith("rag.evaluation")
    ]
    assert wrong == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from api.app import create_app\n", encoding="utf-8")
    assert "api.app" in imports(module)
