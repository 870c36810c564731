"""The model's word-piece tokenizer, straight from its ``tokenizer.json``.

Why not transformers' ``PreTrainedTokenizerFast``: it wraps this very Rust tokenizer
(``tokenizers``), but importing transformers cost every ``newsrag ingest`` and ``newsrag ask``
start on these 2 cores 0.5-2 s (a CLI question: 1.94-2.18 s before, 1.44-1.54 s after;
docs/benchmarks.md), against 0.02 s for ``tokenizers``.
``WordPieces`` offers the few calls newsrag makes of a tokenizer, with the same results piece
for piece (``tests/index/test_model_card.py`` compares them with the model's own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer


class WordPieces:
    """Calls shaped like transformers' (``tokenize``, ``convert_tokens_to_string``, and
    calling it on a list of texts for ``input_ids``). The file may carry padding and
    truncation settings (all-MiniLM-L6-v2's pads and cuts at 128); like transformers, they
    are switched off: callers ask for truncation per call. Not for sharing between threads
    without a lock, as transformers' is not."""

    def __init__(self, tokenizer: Tokenizer, model_max_length: int):
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._plain = tokenizer
        self._truncating: dict[int, Tokenizer] = {}
        self.model_max_length = model_max_length

    @classmethod
    def from_file(cls, path: Path, model_max_length: int) -> WordPieces:
        return cls(Tokenizer.from_file(str(path)), model_max_length)

    def tokenize(self, text: str) -> list[str]:
        """The word pieces of ``text``, without the special tokens."""
        return list(self._plain.encode(text, add_special_tokens=False).tokens)

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        decoder = self._plain.decoder
        return str(decoder.decode(tokens)) if decoder is not None else " ".join(tokens)

    def __call__(
        self,
        texts: list[str],
        add_special_tokens: bool = True,
        truncation: bool = False,
        max_length: int | None = None,
        return_tensors: str | None = None,
    ) -> dict[str, Any]:
        """``{"input_ids": ...}``: lists of ids, or one array (``return_tensors="np"``) when
        every text has as many pieces, as one text always does."""
        tokenizer = self._plain
        if truncation:
            tokenizer = self._truncated(max_length or self.model_max_length)
        encoded = tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens)
        ids = [list(e.ids) for e in encoded]
        if return_tensors is None:
            return {"input_ids": ids}
        if return_tensors != "np" or len({len(i) for i in ids}) > 1:
            raise ValueError("only equal-length texts, as numpy arrays, can come back as tensors")
        return {"input_ids": np.array(ids, dtype=np.int64)}

    def _truncated(self, max_length: int) -> Tokenizer:
        """A second tokenizer that cuts at ``max_length`` pieces, special tokens included
        (as transformers counts them): its own copy, so the plain one never changes."""
        if max_length not in self._truncating:
            copy = Tokenizer.from_str(self._plain.to_str())
            copy.enable_truncation(max_length)
            self._truncating[max_length] = copy
        return self._truncating[max_length]
