"""BEIR SciFact (bench/fusion.py) with the chunks embedded by a chosen passage backend.

Why: an index's passages may be embedded by ONNX Runtime or its int8 copy
(``NEWSRAG_PASSAGE_BACKEND``) while questions always get the exact vectors; this measures
what that does to retrieval, the same way bench/fusion.py measured the defaults. Questions
are embedded by torch (the ONNX query encoder gives the same vectors); the whole-document
reference row, which does not depend on the passage backend, is skipped. Vectors are cached
per backend under ``--cache``/<backend>.

    OMP_NUM_THREADS=1 .venv/bin/python bench/fusion_passages.py onnx-int8 \\
        --out bench/results/fusion-scifact-passages-int8.json
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import bench.fusion as fusion  # noqa: E402
from index.embedding import Embedder, PassageBackend  # noqa: E402
from index.settings import IndexSettings  # noqa: E402


def use_passage_backend(backend: PassageBackend) -> None:
    """Make bench/fusion.py's first ``cached_encode`` call (the chunks) embed with
    ``backend``, cached per backend under the cache folder (keyed by backend, batch size,
    model and text), and its later calls (the questions) exact, as NewsRAG embeds questions; torch
    passages are the exact vectors too. Shared with bench/milvus_scifact.py."""
    plain = fusion.cached_encode
    batch = IndexSettings().batch_size  # int8 vectors depend on their batch: part of the key
    calls = [0]
    passages: list[Embedder] = []

    def encode(embedder: Embedder, texts: list[str], cache: Path) -> Any:
        calls[0] += 1
        if calls[0] > 1 or backend == "torch":
            return plain(embedder, texts, cache)
        folder = cache / backend
        folder.mkdir(parents=True, exist_ok=True)
        blocks = []
        for start in range(0, len(texts), fusion.BLOCK):
            block = texts[start : start + fusion.BLOCK]
            parts = [backend, f"batch {batch}", embedder.model_path, *block]
            key = hashlib.sha256("\x1e".join(parts).encode())
            path = folder / f"{key.hexdigest()[:24]}.npy"
            if not path.exists():
                if not passages:
                    passages.append(Embedder(passage_backend=backend, threads=1, batch_size=batch))
                np.save(path, passages[0].encode(block))
                print(f"[{backend}] embedded {start + len(block)}/{len(texts)}", file=sys.stderr)
            blocks.append(np.load(path))
        return np.concatenate(blocks)

    fusion.cached_encode = encode


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("onnx-int8", "onnx", "torch"):
        raise SystemExit("usage: fusion_passages.py onnx-int8|onnx|torch [bench/fusion.py options]")
    backend: PassageBackend = argv[0]  # type: ignore[assignment]
    use_passage_backend(backend)
    fusion.reference_dense_run = lambda *args, **kwargs: {}
    fusion.main(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
