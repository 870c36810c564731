"""Questions and passages through ONNX Runtime.

A question is one short text, and there PyTorch is slow on these CPUs: 26-28 ms for
all-MiniLM-L6-v2 on 2 cores, most of it MKL's matrix products on a CPU it does not tune for.
ONNX Runtime computes the same vector (within 1e-6) in about 8 ms (docs/benchmarks.md).

The question graph is exported once per model, from the model already loaded (nothing is
downloaded), into the cache directory. It encodes one unpadded text: with no padding the
attention mask is all ones, so the graph takes only the input ids and mean pooling is a plain
mean. Only models made of Transformer + Pooling (mean or CLS) + optional Normalize are
exported; the export is checked against torch on a probe sentence before it is used.

Passages come in padded batches, so their graph takes the attention mask too. transformers'
SDPA mask code tests whether the mask is all ones and the tracer would freeze that branch;
the export runs with the eager attention instead (same weights and numbers) on a padded probe
batch, and is checked against torch on padded probes. For batches fp32 ONNX Runtime costs
what torch does on these CPUs; what pays is the int8 copy (``quantize_dynamic``, one scale per
output channel): about half the CPU time per passage, vectors at cosine 0.99 to torch
(docs/benchmarks.md has the speed and the retrieval effect).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.metadata
import logging
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EXPORT_VERSION = "1"  # bump when the exported graph changes
PROBE = "newsrag checks its ONNX export against torch on this sentence."
PROBES = [  # passages of different lengths, padded together in one batch
    "Short probe.",
    PROBE,
    "The council voted on Tuesday to extend the bus network to the northern suburbs, after "
    "months of complaints from commuters who said the last service left far too early. "
    "Officials said the new routes would start in the spring and cost about 4 million euros.",
]
MIN_COSINE_FP32 = 0.9999  # the same computation: only float rounding differs
MIN_COSINE_INT8 = 0.97  # int8 weights move passages by 0.5-3% (docs/benchmarks.md)


class OnnxUnavailableError(RuntimeError):
    """This model cannot be served by ONNX Runtime here; the message says why."""


def _mark(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


@dataclass(frozen=True)
class ExportSource:
    """What an encoder needs of the model: the tokenizer, window and pooling at once; the
    torch model (``load``) and its vectors (``reference``) only to export a graph that is not
    cached yet, or to check one not checked yet. So a cached, checked export starts without
    torch (index/model_card.py)."""

    model_path: str
    tokenizer: Any
    max_tokens: int
    pooling: str
    load: Callable[[], SentenceTransformer]
    reference: Callable[[list[str]], np.ndarray]


def _checked(path: Path, similarity: Callable[[], float], minimum: float, what: str) -> None:
    """Compare the export with torch once; a ``.checked`` file beside it records that it
    passed (the cache key already changes with the model files, torch and the export)."""
    mark = _mark(path)
    if mark.exists():
        return
    value = similarity()
    if value < minimum:
        path.unlink(missing_ok=True)
        raise OnnxUnavailableError(
            f"the ONNX {what} disagrees with torch (cosine {value:.4f} on a probe)"
        )
    with contextlib.suppress(OSError):  # an unwritable cache only means checking again
        mark.write_text(f"{value:.6f}\n", encoding="utf-8")


class OnnxQueryEncoder:
    """Thread-safe: ONNX Runtime sessions run concurrently; the tokenizer is this encoder's
    own copy, behind a lock (the Rust tokenizer is not safe to share between threads)."""

    def __init__(self, session: Any, tokenizer: Any, max_tokens: int):
        self._session = session
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens
        self._lock = threading.Lock()

    @classmethod
    def build(cls, source: ExportSource, cache_dir: Path, threads: int = 0) -> OnnxQueryEncoder:
        path = cache_dir / f"{_cache_key(source.model_path, source.pooling)}.onnx"
        if not path.exists():
            _export(source.load(), source.pooling, path)
            _mark(path).unlink(missing_ok=True)
        session = _session(path, threads)
        encoder = cls(session, copy.deepcopy(source.tokenizer), source.max_tokens)
        _checked(
            path,
            lambda: float(np.dot(encoder.encode(PROBE), source.reference([PROBE])[0])),
            MIN_COSINE_FP32,
            "export",
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


def pooling_mode(model: SentenceTransformer) -> str:
    names = [type(module).__name__ for module in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxUnavailableError(f"modules {names} are not Transformer + Pooling")
    mode = str(getattr(model[1], "pooling_mode", ""))
    if mode not in ("mean", "cls"):
        raise OnnxUnavailableError(f"pooling {mode!r} is not mean or cls")
    return mode


def _cache_key(model_path: str, pooling: str, kind: str = "query-encoder") -> str:
    """Changes when any model file, torch or this export does (torch's version read from
    its metadata: importing it takes seconds)."""
    torch_version = importlib.metadata.version("torch")
    digest = hashlib.sha256(f"{EXPORT_VERSION}|{torch_version}|{pooling}".encode())
    root = Path(model_path).resolve()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"|{file.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{kind}-{digest.hexdigest()[:20]}"


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


class OnnxPassageEncoder:
    """Passages in padded batches through ONNX Runtime, fp32 or int8 (see the module doc).

    Thread-safe in the same way as ``OnnxQueryEncoder``: an own tokenizer copy behind a lock.
    """

    def __init__(self, session: Any, tokenizer: Any, max_tokens: int, quantized: bool):
        self._session = session
        self._tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.quantized = quantized
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls, source: ExportSource, cache_dir: Path, threads: int = 0, quantized: bool = False
    ) -> OnnxPassageEncoder:
        """Checked against torch on ``PROBES`` (padded together, so a mask that did not
        trace would show)."""
        key = _cache_key(source.model_path, source.pooling, "passage-encoder")
        base = cache_dir / f"{key}.onnx"
        path = base.with_name(base.stem + "-int8.onnx") if quantized else base
        if not base.exists():
            _export_masked(source.load(), source.pooling, base)
            _mark(base).unlink(missing_ok=True)
        if quantized and not path.exists():
            _quantize(base, path)
            _mark(path).unlink(missing_ok=True)
        session = _session(path, threads)
        encoder = cls(session, copy.deepcopy(source.tokenizer), source.max_tokens, quantized)

        def similarity() -> float:
            got = encoder.encode_ids(encoder.tokenize(PROBES))
            return float(np.min(np.sum(got * source.reference(PROBES), axis=1)))

        minimum = MIN_COSINE_INT8 if quantized else MIN_COSINE_FP32
        _checked(path, similarity, minimum, "passage export")
        return encoder

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Word-piece ids with the special tokens, truncated like the torch model."""
        with self._lock:
            encoded = self._tokenizer(texts, truncation=True, max_length=self.max_tokens)
        return [list(ids) for ids in encoded["input_ids"]]

    def encode_ids(self, batch: list[list[int]]) -> np.ndarray:
        """One padded batch; with lengths sorted beforehand the padding is small."""
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        vectors = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
        return np.asarray(vectors, dtype=np.float32)


def _session(path: Path, threads: int) -> Any:
    """An ONNX Runtime session on the CPU. Idle threads sleep instead of spinning: a spinning
    pool holds the cores that the vector search needs next (it took 53 ms instead of 21 at
    100k chunks)."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise OnnxUnavailableError("onnxruntime is not installed") from exc
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a damaged cache file: export (and check) again next time
        path.unlink(missing_ok=True)
        _mark(path).unlink(missing_ok=True)
        raise OnnxUnavailableError(f"cannot load {path} ({exc})") from exc


def _export_masked(model: SentenceTransformer, pooling: str, path: Path) -> None:
    """The graph with an attention mask. transformers picks its mask code by attention
    implementation; SDPA's checks whether the mask is all ones and would trace that branch
    away, so the export runs with the eager implementation (same weights, same numbers) on
    a padded probe batch."""
    import torch

    class MaskedPooled(torch.nn.Module):
        def __init__(self, transformer: Any):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            if pooling == "mean":
                weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            else:
                pooled = hidden[:, 0]
            return torch.nn.functional.normalize(pooled, dim=-1)

    transformer: Any = model[0].auto_model
    config: Any = transformer.config
    previous = getattr(config, "_attn_implementation", None)
    encoded = model.tokenizer(PROBES[:2], padding=True, return_tensors="pt")
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        config._attn_implementation = "eager"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                MaskedPooled(transformer).eval(),
                (encoded["input_ids"], encoded["attention_mask"]),
                str(tmp),
                dynamo=False,
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                },
                opset_version=17,
            )
        os.replace(tmp, path)
    except Exception as exc:
        raise OnnxUnavailableError(
            f"cannot export to {path} ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        config._attn_implementation = previous
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _quantize(source: Path, path: Path) -> None:
    """int8 weights, one scale per output channel: per-tensor scales were faster still but
    left passages at cosine 0.89 to torch (docs/benchmarks.md)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.getLogger().disabled, was = True, logging.getLogger().disabled
        try:  # it logs a pre-processing hint on the root logger
            quantize_dynamic(source, tmp, per_channel=True, weight_type=QuantType.QInt8)
        finally:
            logging.getLogger().disabled = was
        os.replace(tmp, path)
    except Exception as exc:
        raise OnnxUnavailableError(
            f"cannot quantize {source} ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
