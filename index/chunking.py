"""Split article text into overlapping, sentence-aligned chunks that the model reads whole.

Sizes are counted in the embedding model's own word pieces, so a chunk plus its header never
exceeds the model's window (all-MiniLM-L6-v2 reads 256) and nothing is silently truncated.
LangChain's recursive splitter does the packing: sentence boundaries first, then clauses,
then words for the rare sentence longer than a chunk.
"""

from __future__ import annotations

from typing import Any

from index.documents import Article, Chunk

# Whitespace after a sentence end that is followed by a capitalized word, or a line break.
SENTENCE_SEPARATOR = r"(?:(?<=[.!?])|(?<=[.!?][\"”’')]))\s+(?=[\"“‘'(\[]?[A-Z])|\n+"
FALLBACK_SEPARATORS = [r";\s+", r",\s+", r"\s+", ""]
HEADER_TOKENS = 40  # word pieces reserved for the title/outlet/date header


def header(article: Article) -> str:
    """What the model sees above each chunk: context that helps retrieval but is never quoted."""
    meta = ", ".join(p for p in (article.source, article.published) if p)
    return f"{article.title} ({meta})" if meta else article.title


class ChunkSizeError(ValueError):
    """NEWSRAG_CHUNK_TOKENS does not fit the model."""


class Chunker:
    """Configured once with the tokenizer; ``run`` turns one article into chunks."""

    def __init__(self, tokenizer: Any, chunk_tokens: int, overlap_tokens: int, max_tokens: int):
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        if chunk_tokens > max_tokens - 2:
            # Capping silently would make the setting a lie: say what the model allows.
            raise ChunkSizeError(
                f"NEWSRAG_CHUNK_TOKENS={chunk_tokens} is more than the model reads: at most "
                f"{max_tokens - 2} word pieces (its {max_tokens} less 2 special tokens)"
            )
        content_tokens = chunk_tokens - HEADER_TOKENS
        if content_tokens < 16:
            raise ChunkSizeError(
                f"chunk_tokens={chunk_tokens} leaves {content_tokens} word pieces for text "
                f"after the {HEADER_TOKENS}-piece header; raise NEWSRAG_CHUNK_TOKENS"
            )
        self.tokenizer = tokenizer
        self.content_tokens = content_tokens
        self._splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
            tokenizer,
            chunk_size=content_tokens,
            chunk_overlap=min(overlap_tokens, content_tokens // 2),
            separators=[SENTENCE_SEPARATOR, *FALLBACK_SEPARATORS],
            is_separator_regex=True,
            keep_separator="end",
            strip_whitespace=True,
        )

    def _header(self, article: Article) -> str:
        text = header(article)
        pieces = self.tokenizer.tokenize(text)
        if len(pieces) <= HEADER_TOKENS - 2:
            return text
        return str(self.tokenizer.convert_tokens_to_string(pieces[: HEADER_TOKENS - 2]))

    def run(self, article: Article, article_id: str) -> list[Chunk]:
        head = self._header(article)
        chunks: list[Chunk] = []
        search_from = 0
        for piece in self._splitter.split_text(article.text):
            start = article.text.find(piece, search_from)
            if start < 0:  # the splitter only ever returns substrings; guard the invariant
                raise AssertionError(f"chunk not found in article {article_id}: {piece[:60]!r}")
            end = start + len(piece)
            chunks.append(
                Chunk(
                    article_id=article_id,
                    position=len(chunks),
                    start=start,
                    end=end,
                    text=piece,
                    embed_text=f"{head}\n{piece}",
                )
            )
            search_from = start + 1
        return chunks
