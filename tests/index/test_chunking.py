import itertools

import pytest

from index.chunking import Chunker, ChunkSizeError
from index.embedding import Embedder
from index.loaders import load_file
from tests.conftest import SAMPLES, XI_ARTICLE


def test_chunks_are_exact_spans_within_the_model_window(embedder: Embedder) -> None:
    chunker = Chunker(embedder.tokenizer, 192, 32, embedder.max_tokens)
    articles = [*load_file(XI_ARTICLE), *load_file(SAMPLES / "wikinews" / "articles.jsonl")]
    for article in articles:
        chunks = chunker.run(article, "id")
        assert chunks, article.title
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
            # + [CLS] and [SEP]: the model reads every piece, nothing truncated
            assert len(embedder.tokenizer.tokenize(chunk.embed_text)) + 2 <= embedder.max_tokens
            assert chunk.embed_text.endswith(chunk.text)
            assert article.title[:20] in chunk.embed_text.split("\n", 1)[0]
        covered = set()
        for chunk in chunks:
            covered.update(range(chunk.start, chunk.end))
        words = [i for i, c in enumerate(article.text) if not c.isspace()]
        assert set(words) <= covered  # no text is lost between chunks


def test_neighbouring_chunks_overlap_on_sentence_boundaries(embedder: Embedder) -> None:
    chunker = Chunker(embedder.tokenizer, 120, 40, embedder.max_tokens)
    text = " ".join(f"Sentence number {i} says something about topic {i}." for i in range(60))
    from index.documents import Article

    chunks = chunker.run(Article(title="T", text=text), "id")
    assert len(chunks) > 3
    overlaps = [a.end - b.start for a, b in itertools.pairwise(chunks)]
    assert all(o > 0 for o in overlaps)
    assert all(c.text.startswith("Sentence") and c.text.endswith(".") for c in chunks)


@pytest.mark.parametrize(
    ("chunk_tokens", "message"), [(255, "at most 254"), (512, "at most 254"), (40, "leaves")]
)
def test_chunk_sizes_the_model_cannot_take_are_refused(
    embedder: Embedder, chunk_tokens: int, message: str
) -> None:
    with pytest.raises(ChunkSizeError, match=message):
        Chunker(embedder.tokenizer, chunk_tokens, 32, embedder.max_tokens)


def test_chunk_ids_are_the_tokenizers_own(embedder: Embedder) -> None:
    """Ingest encodes ``embed_ids`` instead of tokenizing ``embed_text`` again: they must be
    exactly what the tokenizer makes of it, special tokens included."""
    chunker = Chunker(embedder.tokenizer, 120, 32, embedder.max_tokens)
    articles = [*load_file(XI_ARTICLE), *load_file(SAMPLES / "wikinews" / "articles.jsonl")]
    chunks = [c for a in articles for c in chunker.run(a, "id")]
    expected = embedder.tokenizer([c.embed_text for c in chunks])["input_ids"]
    assert [c.embed_ids for c in chunks] == expected


@pytest.mark.parametrize(
    ("text", "rebuilt"),
    [
        ("Short one. " + "x" * 2000 + " ends here.", True),  # a word cut by the fallback
        ("First sentence here.\u00a0Second sentence here.", False),  # no plain space
        ("First sentence here.\x1cSecond sentence here.", False),  # a control character
    ],
)
def test_chunk_ids_are_rebuilt_only_where_whitespace_parts_the_pieces(
    embedder: Embedder, text: str, rebuilt: bool
) -> None:
    from index.documents import Article

    chunker = Chunker(embedder.tokenizer, 120, 0, embedder.max_tokens)
    chunks = chunker.run(Article(title="T", text=text, source="Outlet"), "id")
    assert all(c.embed_ids is not None for c in chunks) is rebuilt
    for chunk in chunks:
        expected = embedder.tokenizer([chunk.embed_text])["input_ids"][0]
        assert chunk.embed_ids in (None, expected)
