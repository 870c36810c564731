"""The ONNX Runtime question encoder against the torch model it is exported from."""

import logging
from pathlib import Path

import numpy as np
import pytest

from index.embedding import QUERY_CACHE, Embedder
from index.onnx_encoder import OnnxUnavailableError, pooling_mode

TEXTS = [
    "What did Xi say about arms races?",
    "Xi",
    "Überraschung: ¿qué dijo el presidente? 習近平",
    "How many pilgrims died in the stampede at Mina? " * 40,  # past the 256 word pieces
]


def sharing_model(embedder: Embedder, cache_dir: Path) -> Embedder:
    """A new Embedder (own ONNX state and cache) over the torch model already loaded."""
    fresh = Embedder(embedder.model_path, cache_dir=cache_dir)
    fresh._model = embedder.model
    return fresh


@pytest.fixture
def onnx_embedder(tmp_path: Path, embedder: Embedder) -> Embedder:
    """An empty cache, so the export runs here."""
    return sharing_model(embedder, tmp_path / "cache")


def test_questions_get_the_torch_vectors(onnx_embedder: Embedder, embedder: Embedder) -> None:
    expected = embedder.encode(TEXTS)
    for text, vector in zip(TEXTS, expected, strict=True):
        got = onnx_embedder.encode_query(text)
        assert onnx_embedder.query_backend == "onnx"
        assert got.dtype == np.float32 and got.shape == vector.shape
        assert float(got @ vector) > 0.99999, text[:40]
    assert len(list((onnx_embedder.cache_dir).glob("*.onnx"))) == 1


def test_a_question_is_embedded_once(onnx_embedder: Embedder) -> None:
    """Retrieval and the answer's re-ranker both ask for the question's vector."""
    first = onnx_embedder.encode_query(TEXTS[0])
    assert onnx_embedder.encode_query(TEXTS[0]) is first
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 1.0  # shared by every caller: nobody may change it
    for n in range(QUERY_CACHE):  # the oldest question leaves the cache, its vector does not
        onnx_embedder.encode_query(f"question {n}")
    again = onnx_embedder.encode_query(TEXTS[0])
    assert again is not first and np.array_equal(again, first)


def test_the_export_is_reused(onnx_embedder: Embedder, embedder: Embedder) -> None:
    onnx_embedder.encode_query("first")
    [export] = onnx_embedder.cache_dir.glob("*.onnx")
    stamp = export.stat().st_mtime_ns
    again = sharing_model(embedder, onnx_embedder.cache_dir)
    again.encode_query("second")
    assert again.query_backend == "onnx" and export.stat().st_mtime_ns == stamp


def test_a_damaged_export_falls_back_to_torch(
    onnx_embedder: Embedder, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    onnx_embedder.encode_query("make the export")
    [export] = onnx_embedder.cache_dir.glob("*.onnx")
    export.write_bytes(b"not a model")
    damaged = sharing_model(embedder, onnx_embedder.cache_dir)
    with caplog.at_level(logging.WARNING):
        vector = damaged.encode_query(TEXTS[0])
    assert damaged.query_backend == "torch"
    assert "questions are embedded with torch" in caplog.text and str(export) in caplog.text
    assert float(vector @ embedder.encode(TEXTS[:1])[0]) > 0.99999
    assert not export.exists()  # the next start exports again


def test_an_unwritable_cache_falls_back_to_torch(tmp_path: Path, embedder: Embedder) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory")
    stuck = sharing_model(embedder, blocker / "cache")
    assert float(stuck.encode_query(TEXTS[0]) @ embedder.encode(TEXTS[:1])[0]) > 0.99999
    assert stuck.query_backend == "torch"


def test_only_transformer_andpooling_models_are_exported() -> None:
    class Transformer:
        pass

    class Pooling:
        pooling_mode = "max"

    class Dense:
        pass

    with pytest.raises(OnnxUnavailableError, match="pooling 'max'"):
        pooling_mode([Transformer(), Pooling()])  # type: ignore[arg-type]
    with pytest.raises(OnnxUnavailableError, match="not Transformer"):
        pooling_mode([Transformer(), Pooling(), Dense()])  # type: ignore[arg-type]
