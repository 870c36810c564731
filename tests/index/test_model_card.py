"""The model card: what the model's files say, so an ingest through a cached ONNX export
starts without torch; and its tokenizer is the model's own, piece for piece."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.chunking import header
from index.documents import Article
from index.embedding import Embedder
from index.model_card import ModelCard

TEXTS = [
    "Xi Jinping said the U.S. and China should avoid an arms race in cyberspace.",
    "Café naïve — 10,000 ¥ in São Paulo; ¿qué dijo el presidente? 習近平",
    "How many pilgrims died in the stampede at Mina? " * 40,  # past the 256 word pieces
    "",
]


def test_the_bundled_model_is_described_by_its_files(embedder: Embedder) -> None:
    card = ModelCard.read(embedder.model_path)
    assert card is not None
    model = embedder.model
    assert card.dimension == model.get_embedding_dimension() == 384
    assert card.max_tokens == model.max_seq_length == 256
    assert card.pooling == "mean"


@pytest.mark.parametrize("text", TEXTS)
def test_the_card_tokenizer_is_the_models(embedder: Embedder, text: str) -> None:
    card = ModelCard.read(embedder.model_path)
    assert card is not None
    mine, theirs = card.tokenizer(), embedder.model.tokenizer
    for options in ({"truncation": True, "max_length": 256}, {"add_special_tokens": False}):
        assert mine([text], **options)["input_ids"] == theirs([text], **options)["input_ids"]
    pieces = mine.tokenize(text)
    assert pieces == theirs.tokenize(text)
    assert mine.convert_tokens_to_string(pieces[:38]) == theirs.convert_tokens_to_string(
        pieces[:38]
    )


def edited(model_path: str, tmp_path: Path, file: str, change: dict[str, object]) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(model_path, copy)
    target = copy / file
    data = json.loads(target.read_text())
    if isinstance(data, list):
        data.append(change)
    else:
        data.update(change)
    target.write_text(json.dumps(data))
    return copy


@pytest.mark.parametrize(
    ("file", "change"),
    [
        ("modules.json", {"idx": 3, "name": "3", "path": "3_Dense", "type": "x.models.Dense"}),
        ("1_Pooling/config.json", {"pooling_mode_mean_tokens": False}),
        ("1_Pooling/config.json", {"pooling_mode_max_tokens": True}),
        ("sentence_bert_config.json", {"do_lower_case": True}),
    ],
)
def test_other_shapes_have_no_card(
    embedder: Embedder, tmp_path: Path, file: str, change: dict[str, object]
) -> None:
    assert ModelCard.read(edited(embedder.model_path, tmp_path, file, change)) is None


def test_missing_files_have_no_card(tmp_path: Path) -> None:
    assert ModelCard.read(tmp_path) is None
    (tmp_path / "modules.json").write_text("not json")
    assert ModelCard.read(tmp_path) is None


def test_a_checked_export_encodes_without_loading_torch(embedder: Embedder, tmp_path: Path) -> None:
    """The first Embedder exports and checks against torch; the next one, on the same cache,
    chunks and encodes from the files alone, to the same vectors."""
    texts = [f"{header(Article(title='Council vote', text='x'))}\n{t}" for t in TEXTS]
    first = Embedder(embedder.model_path, cache_dir=tmp_path, passage_backend="onnx-int8")
    expected = first.encode(texts)
    assert first._model is not None  # exported and checked with torch
    assert list(tmp_path.glob("*-int8.onnx.checked"))
    later = Embedder(embedder.model_path, cache_dir=tmp_path, passage_backend="onnx-int8")
    later.check()
    got = later.encode(texts)
    assert later._model is None and later.encoder_name == "onnx-int8"
    assert later.dimension == 384 and later.max_tokens == 256
    assert np.array_equal(got, expected)


def test_a_start_from_checked_exports_imports_neither_transformers_nor_torch(
    embedder: Embedder, tmp_path: Path
) -> None:
    """What ``newsrag ingest`` and ``newsrag ask`` need at start: the tokenizer, a chunker,
    passages and a question embedded. Importing transformers alone cost every start 0.5-2 s
    (index/word_pieces.py)."""
    first = Embedder(embedder.model_path, cache_dir=tmp_path, passage_backend="onnx-int8")
    first.encode(TEXTS)
    first.encode_query(TEXTS[0])  # both exports made and checked, with torch, here
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from index.chunking import Chunker\n"
        "from index.documents import Article\n"
        "from index.embedding import Embedder\n"
        f"e = Embedder({embedder.model_path!r}, cache_dir=Path({str(tmp_path)!r}), "
        "passage_backend='onnx-int8')\n"
        "e.check()\n"
        "chunks = Chunker(e.tokenizer, 192, 32, e.max_tokens).run("
        f"Article(title='Vote', text={TEXTS[2]!r}), 'a')\n"
        "e.encode([c.embed_text for c in chunks]); e.encode_query('When?')\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_tokenizer_copies_and_gives_arrays_for_one_text(embedder: Embedder) -> None:
    """Encoders keep their own copy (the Rust tokenizer is not shared between threads)."""
    card = ModelCard.read(embedder.model_path)
    assert card is not None
    tokenizer = copy.deepcopy(card.tokenizer())
    ids = tokenizer([TEXTS[2]], truncation=True, max_length=256, return_tensors="np")
    assert ids["input_ids"].shape == (1, 256)
    assert ids["input_ids"][0].tolist() == [*tokenizer([TEXTS[2]])["input_ids"][0][:255], 102]
    with pytest.raises(ValueError, match="equal-length"):
        tokenizer(TEXTS[:2], return_tensors="np")


def test_the_input_word_vectors_come_from_the_weights_file(embedder: Embedder) -> None:
    """The answerer's static vectors need the embedding table, not torch."""
    light = Embedder(embedder.model_path)
    table = light.input_embeddings()
    assert light._model is None
    transformer: Any = embedder.model[0]
    expected = transformer.auto_model.get_input_embeddings().weight.detach().numpy()
    assert table.dtype == np.float32 and np.array_equal(table, expected)
