"""What a sentence-transformers model directory says about itself, read from its JSON files
without loading the model.

Why: loading the model imports torch and sentence-transformers, about 7 s of every
``newsrag ingest`` on these 2 cores (docs/benchmarks.md), although an ingest through a cached
ONNX export needs only the tokenizer, the vector size and the word-piece window (and
``newsrag ask`` only those and the input word vectors, read from ``model.safetensors``). Only the
shape the ONNX path serves is described (Transformer + mean or CLS Pooling + optional
Normalize, no lower-casing step of its own); for any other model ``read`` returns None and
the loaded model answers instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.word_pieces import WordPieces

POOLING_KEYS = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean-sqrt",
    "pooling_mode_weightedmean_tokens": "weighted-mean",
    "pooling_mode_lasttoken": "last",
}
PLAIN_SHAPES = (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])


@dataclass(frozen=True)
class ModelCard:
    transformer_dir: Path  # where the tokenizer and the transformer's config live
    dimension: int
    max_tokens: int
    pooling: str  # "mean" or "cls"

    @classmethod
    def read(cls, model_dir: str | Path) -> ModelCard | None:
        """The card of a plain model, or None (another shape, or a file missing or bad)."""
        root = Path(model_dir)
        try:
            modules = json.loads((root / "modules.json").read_text(encoding="utf-8"))
            kinds = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
            if kinds not in PLAIN_SHAPES:
                return None
            transformer = root / str(modules[0].get("path", ""))
            pooling = json.loads(
                (root / str(modules[1]["path"]) / "config.json").read_text(encoding="utf-8")
            )
            options = json.loads(
                (transformer / "sentence_bert_config.json").read_text(encoding="utf-8")
            )
            if options.get("do_lower_case") or not (transformer / "tokenizer.json").is_file():
                return None
            modes = [name for key, name in POOLING_KEYS.items() if pooling.get(key)]
            if modes not in (["mean"], ["cls"]):
                return None
            return cls(
                transformer,
                int(pooling["word_embedding_dimension"]),
                int(options.get("max_seq_length") or 256),
                modes[0],
            )
        except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
            return None

    def tokenizer(self) -> WordPieces:
        """The model's fast tokenizer from its own ``tokenizer.json`` (neither transformers
        nor torch: ``index/word_pieces.py``)."""
        return WordPieces.from_file(self.transformer_dir / "tokenizer.json", self.max_tokens)
