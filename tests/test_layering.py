"""The layering the design fixes: api -> rag -> index, never back; rag.evaluation stays off
the answering path. Read from the source (every import, lazy ones included), so a violation
fails here before it becomes a cycle at run time."""

import ast
import importlib
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


# ---- import cycles --------------------------------------------------------------------------
# A cycle between two modules works only while one side imports the other lazily, and breaks
# (a partially initialised module) the day someone moves that import to the top. Every import
# that runs counts here, lazy ones included; imports under ``if TYPE_CHECKING:`` never run, so
# they cannot leave a module half-initialised, and are left out.


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, packages: list[str]) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports. ``from pkg import name`` points at
    ``pkg.name`` when that is a module (``from api import openai_compat``), else at ``pkg``;
    relative imports are resolved against the importing module's package."""
    files = {
        module_name(root, p): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in files else base)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (its ``else`` branch does run)."""
    found: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan), each
    as a closed path ``[a, b, ..., a]`` so the message names every module in it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_closed_path(graph, component) for component in components]


def _closed_path(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest way from the component's first module back to itself, inside it."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & component):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"{sorted(component)} is not a cycle")  # Tarjan only yields cycles


def test_no_import_cycles() -> None:
    found = cycles(import_graph(ROOT, list(LAYERS)))
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_cycle_check_sees_a_lazy_cycle(tmp_path: Path) -> None:
    """The shape api/app.py and api/openai_compat.py had: a top-level ``from api import
    openai_compat`` one way, a lazy ``from api.app import _field_error`` back."""
    package = tmp_path / "api"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "app.py").write_text("from api import openai_compat\n", encoding="utf-8")
    (package / "openai_compat.py").write_text(
        "def question_of():\n    from api.app import _field_error\n", encoding="utf-8"
    )
    (package / "slack.py").write_text(
        "from typing import TYPE_CHECKING\nfrom .openai_compat import x\n"
        "if TYPE_CHECKING:\n    from api.app import Service\n",
        encoding="utf-8",
    )
    graph = import_graph(tmp_path, ["api"])
    assert graph["api.slack"] == {"api.openai_compat"}  # relative, and not the type-only one
    assert cycles(graph) == [["api.app", "api.openai_compat", "api.app"]]


def test_only_the_cli_imports_the_app() -> None:
    """api/app.py assembles the service; a route or integration that imported it back (as
    openai_compat once did for a helper) would be the start of a cycle."""
    graph = import_graph(ROOT, list(LAYERS))
    importers = sorted(name for name, targets in graph.items() if "api.app" in targets)
    assert importers == ["api.cli"]


@pytest.mark.parametrize(
    ("settings_class", "foreign"),
    [
        ("index.settings.IndexSettings", ("llm_", "slack_", "api_keys", "cors_", "abstain")),
        ("rag.settings.RagSettings", ("slack_", "api_keys", "cors_", "rate_limit", "max_body")),
    ],
)
def test_a_layer_settings_carry_no_upper_layer_fields(
    settings_class: str, foreign: tuple[str, ...]
) -> None:
    """Each layer's settings hold only its own fields (the HTTP keys, Slack tokens and LLM
    endpoint belong to the layers that use them), yet the user-facing ``Settings`` has all."""
    module_name, class_name = settings_class.rsplit(".", 1)
    fields = set(getattr(importlib.import_module(module_name), class_name).model_fields)
    assert not {field for field in fields if field.startswith(foreign)}
    from api.settings import Settings

    assert fields < set(Settings.model_fields)
