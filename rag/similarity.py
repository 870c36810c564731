"""How close a sentence is in meaning to the question, two ways at two prices.

Word overlap misses paraphrase ("killed" / "died", "vote" / "election"), which is what a
plain "best cosine sentence" picker lives on. The answerer uses two cosines:

- ``StaticVectors``: the mean of MiniLM's own input word-piece vectors. Well under a
  millisecond for the ~70 candidate sentences of a question, so every candidate gets it as
  a feature of the sentence model.
- ``ContextualVectors``: the whole MiniLM model, as for retrieval, through ONNX Runtime's
  batched passage encoder (``NEWSRAG_PASSAGE_BACKEND``). Six 40-60-piece sentences in one
  batch took 124 ms p50 against 216 ms one at a time (2 cores, an ingest running beside it);
  all ~70 candidates would cost several times that, so only the first stage's best few get
  it, for the second stage (``NEWSRAG_RERANK_SENTENCES``). Cached per article version,
  because the same recent articles come back question after question.

Nothing is downloaded: both read the shipped model.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np

from index.embedding import Embedder


class _Article(Protocol):
    @property
    def article_id(self) -> str: ...
    @property
    def content_hash(self) -> str: ...


class SentenceSpan(Protocol):
    """A sentence of an article (``rag.answering.Candidate`` is one)."""

    @property
    def article(self) -> _Article: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


class StaticVectors:
    """Sentences as the normalized mean of the model's input word-piece vectors."""

    def __init__(self, embedder: Embedder):
        self._table: np.ndarray = embedder.input_embeddings()
        self._tokenizer = copy.deepcopy(embedder.tokenizer)  # the Rust tokenizer: one thread
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            ids = self._tokenizer(texts, add_special_tokens=False)["input_ids"]
        vectors = np.zeros((len(texts), self._table.shape[1]), dtype=np.float32)
        for row, pieces in enumerate(ids):
            if pieces:
                vectors[row] = self._table[pieces].mean(axis=0)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)

    def similarities(self, question: str, sentences: list[str]) -> np.ndarray:
        """Cosine of each sentence with the question."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        vectors = self.encode([question, *sentences])
        return vectors[1:] @ vectors[0]


class ContextualVectors:
    """Sentences embedded by the model itself; vectors cached per article version."""

    def __init__(self, embedder: Embedder, size: int = 50_000):
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[tuple[str, str, int, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def similarities(self, question: str, spans: list[SentenceSpan]) -> np.ndarray:
        """Cosine of each sentence with the question."""
        if not spans:
            return np.zeros(0, dtype=np.float32)
        keys = [(s.article.article_id, s.article.content_hash, s.start, s.end) for s in spans]
        with self._lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
        texts = {k: s.text for k, s in zip(keys, spans, strict=True) if k not in found}
        if texts:
            vectors = self._encode(list(texts.values()))
            fresh = dict(zip(texts, vectors, strict=True))
            found.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.array([found[k] for k in keys]) @ self.embedder.encode_query(question)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """One batch through the exact (fp32) passage encoder (ONNX Runtime by default,
        padded to the longest of the few): the same vectors as questions get, 1.7x faster
        than embedding the sentences one at a time as questions (measured above); not int8,
        whose vectors the re-ranker was not fitted on."""
        return self.embedder.encode_exact(texts)
