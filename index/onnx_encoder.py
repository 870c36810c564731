"""Questions through ONNX Runtime, passages through sentence-transformers.

A question is one short text, and there PyTorch is slow on these CPUs: 26-28 ms for
all-MiniLM-L6-v2 on 2 cores, most of it MKL's matrix products on a CPU it does not tune for.
ONNX Runtime computes the same vector (within 1e-6) in about 8 ms (docs/benchmarks.md).
Passages stay on sentence-transformers, in batches, where torch is efficient.

The graph is exported once per model, from the model already loaded (nothing is downloaded),
into the cache directory. It encodes one unpadded text: with no padding the attention mask
is all ones, so the graph takes only the input ids and mean pooling is a plain mean. That
also keeps transformers' mask code, which does not trace, out of the export. Only models made
of Transformer + Pooling (mean or CLS) + optional Normalize are exported; the export is
checked against torch on a probe sentence before it is used.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EXPORT_VERSION = "1"  # bump when the exported graph changes
PROBE = "newsrag checks its ONNX export against torch on this sentence."


class OnnxUnavailableError(RuntimeError):
    """This model cannot be served by ONNX Runtime here; the message says why."""


class OnnxQueryEncoder:
    """Thread-safe: ONNX Runtime sessions run concurrently; the tokenizer is this encoder's
    own copy, behind a lock (the Rust tokenizer is not safe to share between threads)."""

    def __init__(self, session: Any, tokenizer: Any, max_tokens: int):
        self._session = session
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls,
        model: SentenceTransformer,
        model_path: str,
        cache_dir: Path,
        reference: Callable[[list[str]], np.ndarray],
        threads: int = 0,
    ) -> OnnxQueryEncoder:
        """``reference`` embeds with torch (``Embedder.encode``, which takes the model's turn
        lock), for the probe that checks the export."""
        try:
            import onnxruntime
        except ImportError as exc:
            raise OnnxUnavailableError("onnxruntime is not installed") from exc
        pooling = _pooling_mode(model)
        path = cache_dir / f"{_cache_key(model_path, pooling)}.onnx"
        if not path.exists():
            _export(model, pooling, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: a spinning pool holds the cores that the
        # vector search needs next (it took 53 ms instead of 21 at 100k chunks).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a damaged cache file: export again next time
            path.unlink(missing_ok=True)
            raise OnnxUnavailableError(f"cannot load {path} ({exc})") from exc
        encoder = cls(session, copy.deepcopy(model.tokenizer), int(model.max_seq_length or 256))
        similarity = float(np.dot(encoder.encode(PROBE), reference([PROBE])[0]))
        if similarity < 0.9999:
            path.unlink(missing_ok=True)
            raise OnnxUnavailableError(
                f"the ONNX export disagrees with torch (cosine {similarity:.4f} on a probe)"
            )
        return encoder

    def encode(self, text: str) -> np.ndarray:
        """The normalized float32 vector of one text, truncated like the torch model."""
        with self._lock:
            ids = self._tokenizer(
                [text], truncation=True, max_length=self._max_tokens, return_tensors="np"
            )["input_ids"]
        vector = self._session.run(None, {"input_ids": ids.astype(np.int64)})[0][0]
        return np.asarray(vector, dtype=np.float32)


def _pooling_mode(model: SentenceTransformer) -> str:
    names = [type(module).__name__ for module in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailableError(f"modules {names} are not Transformer + Pooling")
    mode = str(getattr(model[1], "pooling_mode", ""))
    if mode not in ("mean", "cls"):
        raise OnnxUnavailableError(f"pooling {mode!r} is not mean or cls")
    return mode


def _cache_key(model_path: str, pooling: str) -> str:
    """Changes when any model file, torch or this export does."""
    import torch

    digest = hashlib.sha256(f"{EXPORT_VERSION}|{torch.__version__}|{pooling}".encode())
    root = Path(model_path).resolve()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"|{file.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"query-encoder-{digest.hexdigest()[:20]}"


def _export(model: SentenceTransformer, pooling: str, path: Path) -> None:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, transformer: Any):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
            hidden = self.transformer(input_ids=input_ids).last_hidden_state
            pooled = hidden.mean(dim=1) if pooling == "mean" else hidden[:, 0]
            return torch.nn.functional.normalize(pooled, dim=-1)

    ids = model.tokenizer([PROBE], return_tensors="pt")["input_ids"]
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on branches fixed for this model
            torch.onnx.export(
                Pooled(model[0].auto_model).eval(),
                (ids,),
                str(tmp),
                dynamo=False,
                input_names=["input_ids"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
                opset_version=17,
            )
        os.replace(tmp, path)  # whole file or none: other processes may be reading
    except Exception as exc:  # unwritable cache, missing onnx package, untraceable model
        raise OnnxUnavailableError(
            f"cannot export to {path} ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
