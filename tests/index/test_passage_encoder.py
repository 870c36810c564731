"""Passages through ONNX Runtime (fp32 and int8) against the torch model they come from."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from index.chunking import Chunker
from index.embedding import Embedder, PassageBackend
from index.loaders import load_paths

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def chunk_texts(embedder: Embedder) -> list[str]:
    """Real chunks (header + text) of the sample articles, as the Ingestor embeds them:
    long and short ones, so every batch is padded."""
    articles = load_paths([SAMPLES / "wikinews"]).articles[:6]
    chunker = Chunker(embedder.tokenizer, 192, 32, embedder.max_tokens)
    texts = [c.embed_text for a in articles for c in chunker.run(a, a.article_id)]
    return [*texts, "Short.", "Xi", "How many pilgrims died at Mina? " * 60]  # one past 256


def backed(embedder: Embedder, backend: PassageBackend, cache_dir: Path) -> Embedder:
    """A new Embedder with its own ONNX state and cache, over the torch model already loaded."""
    fresh = Embedder(embedder.model_path, cache_dir=cache_dir, passage_backend=backend)
    fresh._model = embedder.model
    return fresh


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("passage-cache")


def test_onnx_passages_are_the_torch_vectors(
    embedder: Embedder, chunk_texts: list[str], cache: Path
) -> None:
    onnx = backed(embedder, "onnx", cache)
    got = onnx.encode(chunk_texts)
    expected = embedder.torch_encode(chunk_texts)
    assert onnx.encoder_name == "onnx"
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert float(np.abs(got - expected).max()) < 1e-5
    assert float(np.min(np.sum(got * expected, axis=1))) > 0.99999


def test_int8_passages_stay_close_to_torch(
    embedder: Embedder, chunk_texts: list[str], cache: Path
) -> None:
    """int8 weights move vectors a little (measured: docs/benchmarks.md); far more would be
    a broken quantization, e.g. per-tensor scales gave cosine 0.89."""
    int8 = backed(embedder, "onnx-int8", cache)
    cosines = np.sum(int8.encode(chunk_texts) * embedder.torch_encode(chunk_texts), axis=1)
    assert int8.encoder_name == "onnx-int8"
    assert float(cosines.min()) > 0.97 and float(cosines.mean()) > 0.99  # min: "Xi"
    assert float(cosines.min()) < 0.99999  # really the quantized graph, not the fp32 one
    assert {p.name.endswith("-int8.onnx") for p in cache.glob("passage-encoder-*.onnx")} == {
        True,
        False,
    }


@pytest.mark.parametrize("backend", ["onnx-int8", "onnx", "torch"])
def test_exact_vectors_whatever_the_passage_backend(
    embedder: Embedder, chunk_texts: list[str], cache: Path, backend: PassageBackend
) -> None:
    """The answer re-ranker's cosine needs the model's own vectors (it was fitted on them),
    also in a process whose ingests embed passages with int8."""
    fresh = backed(embedder, backend, cache)
    exact = fresh.encode_exact(chunk_texts[:8])
    assert float(np.abs(exact - embedder.torch_encode(chunk_texts[:8])).max()) < 1e-5
    assert fresh.encoder_name == backend  # ingests keep their backend


def test_sorted_batches_come_back_in_input_order(
    embedder: Embedder, chunk_texts: list[str], cache: Path
) -> None:
    """Batches run longest first; each vector must still land in its text's row."""
    onnx = backed(embedder, "onnx", cache)
    onnx.batch_size = 4
    rng = np.random.default_rng(7)
    texts = [chunk_texts[i] for i in rng.permutation(len(chunk_texts))]
    together = onnx.encode(texts)
    for row, text in enumerate(texts):
        alone = onnx.encode([text])[0]
        assert float(together[row] @ alone) > 0.99999, (row, text[:40])


def test_given_word_pieces_give_the_vectors_of_the_texts(embedder: Embedder, cache: Path) -> None:
    """Ingest hands the chunker's ids (``Chunk.embed_ids``) to ``encode``; texts without
    them are tokenized there. Either way each row is its text's vector."""
    articles = load_paths([SAMPLES / "wikinews"]).articles[:3]
    chunker = Chunker(embedder.tokenizer, 192, 32, embedder.max_tokens)
    chunks = [c for a in articles for c in chunker.run(a, a.article_id)]
    texts = [c.embed_text for c in chunks]
    pieces = [c.embed_ids if n % 3 else None for n, c in enumerate(chunks)]
    int8 = backed(embedder, "onnx-int8", cache)
    assert np.array_equal(int8.encode(texts, pieces=pieces), int8.encode(texts))
    with pytest.raises(ValueError, match="2 piece lists for"):
        int8.encode(texts, pieces=pieces[:2])


def test_a_damaged_export_falls_back_to_torch_with_one_warning(
    embedder: Embedder, chunk_texts: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backed(embedder, "onnx", tmp_path).encode(chunk_texts[:2])
    [export] = tmp_path.glob("passage-encoder-*.onnx")
    export.write_bytes(b"not a model")
    damaged = backed(embedder, "onnx", tmp_path)
    with caplog.at_level(logging.WARNING):
        first = damaged.encode(chunk_texts[:3])
        damaged.encode(chunk_texts[3:5])
    assert damaged.encoder_name == "torch"
    warnings = [r for r in caplog.records if "passages are embedded with torch" in r.message]
    assert len(warnings) == 1 and str(export) in warnings[0].getMessage()
    assert float(np.abs(first - embedder.torch_encode(chunk_texts[:3])).max()) < 1e-6
    assert not export.exists()  # exported again next time
