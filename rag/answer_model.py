"""The learned answer model: three logistic regressions stored as JSON coefficients.

One scores each candidate sentence (probability that it holds the answer), a second
re-scores the best few with the embedding model's own cosine, the third scores the
question as a whole (probability that the answer given holds the answer: the answerability
that ``NEWSRAG_ABSTAIN_THRESHOLD`` is compared with). ``bench/train_answerer.py`` fits both
on real quiz questions and writes ``rag/models/answerer.json``; here they are evaluated in
plain numpy, so inference needs no extra dependency and no pickle, and the file holds only
feature names and numbers, no corpus text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.sentence_features import ANSWERABILITY_FEATURES, RERANK_FEATURES, SENTENCE_FEATURES

MODEL_PATH = Path(__file__).parent / "models" / "answerer.json"


class AnswerModelError(ValueError):
    """A model file that cannot be used: names the file and the reason."""


@dataclass(frozen=True)
class Logistic:
    """p = sigmoid(((x - mean) / scale) . coef + intercept)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def predict(self, rows: np.ndarray) -> np.ndarray:
        if rows.ndim != 2 or rows.shape[1] != len(self.features):
            raise ValueError(f"expected rows of {len(self.features)} features, got {rows.shape}")
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], expected: tuple[str, ...], where: str) -> Logistic:
        features = tuple(data.get("features", ()))
        if features != expected:
            raise AnswerModelError(
                f"{where}: features {list(features)} do not match this code's "
                f"{list(expected)}; retrain it (bench/train_answerer.py, "
                "bench/train_short_answer.py)"
            )
        arrays = [np.asarray(data.get(key, ()), dtype=float) for key in ("mean", "scale", "coef")]
        if any(a.shape != (len(expected),) for a in arrays) or not all(
            np.isfinite(a).all() for a in arrays
        ):
            raise AnswerModelError(f"{where}: mean/scale/coef must be {len(expected)} numbers")
        mean, scale, coef = arrays
        if (scale <= 0).any():
            raise AnswerModelError(f"{where}: scale must be positive")
        return cls(features, mean, scale, coef, float(data.get("intercept", 0.0)))


@dataclass(frozen=True)
class AnswerModel:
    sentence: Logistic
    rerank: Logistic
    answerability: Logistic
    max_relative_gap: float  # answer with sentences scoring at least best * (1 - gap)
    info: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 2,
            "sentence": self.sentence.to_dict(),
            "rerank": self.rerank.to_dict(),
            "answerability": self.answerability.to_dict(),
            "max_relative_gap": self.max_relative_gap,
            "info": self.info,
        }


def parse_model(data: Any, where: str) -> AnswerModel:
    if not isinstance(data, dict) or data.get("version") != 2:
        raise AnswerModelError(f"{where}: not a version 2 answer model")
    try:
        sentence = Logistic.from_dict(data["sentence"], SENTENCE_FEATURES, f"{where} sentence")
        rerank = Logistic.from_dict(data["rerank"], RERANK_FEATURES, f"{where} rerank")
        answerability = Logistic.from_dict(
            data["answerability"], ANSWERABILITY_FEATURES, f"{where} answerability"
        )
        gap = float(data["max_relative_gap"])
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, AnswerModelError):
            raise
        raise AnswerModelError(f"{where}: malformed answer model ({error})") from error
    return AnswerModel(sentence, rerank, answerability, gap, dict(data.get("info", {})))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> AnswerModel:
    """The shipped model (cached): raises AnswerModelError naming the file and the reason."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AnswerModelError(f"{path}: cannot read the answer model ({error})") from error
    return parse_model(data, str(path))
