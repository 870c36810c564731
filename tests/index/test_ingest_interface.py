"""The Ray path (index/ray_ingest.py) reuses the single-process ingest only through its
public, documented pieces: a private helper of index/ingest.py may change without notice,
so reaching into one would let the two paths drift apart silently."""

from __future__ import annotations

import ast
from pathlib import Path

import index.ingest

ROOT = Path(__file__).resolve().parents[2]


def _private_uses(path: Path) -> list[str]:
    """Private names of index.ingest that ``path`` imports, or reads off an Ingestor."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "index.ingest":
            found += [a.name for a in node.names if a.name.startswith("_")]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in ("ingestor", "Ingestor")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_ray_ingest_uses_no_private_piece_of_the_ingest() -> None:
    assert _private_uses(ROOT / "index" / "ray_ingest.py") == []


def test_no_module_imports_a_private_name_of_another() -> None:
    offenders = []
    for package in ("index", "rag", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    ("index", "rag", "api")
                ):
                    offenders += [
                        f"{path.relative_to(ROOT)}: {node.module}.{a.name}"
                        for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")
                    ]
    assert offenders == []


def test_the_shared_pieces_are_documented() -> None:
    for piece in (index.ingest.PendingArticle, index.ingest.apply_batch):
        assert piece.__doc__ and "ray_ingest" in piece.__doc__
    assert "ray_ingest" in (index.ingest.Ingestor.replaced_by.__doc__ or "")
