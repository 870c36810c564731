"""Split article text into overlapping, sentence-aligned chunks that the model reads whole.

Sizes are counted in the embedding model's own word pieces, so a chunk plus its header never
exceeds the model's window (all-MiniLM-L6-v2 reads 256) and nothing is silently truncated.
Sentences come from the text layer (``index.text.split_sentences``), the same spans the
answerer quotes, so a chunk never ends inside "Mr. Xi" or "U.S."; each sentence is tokenized
once and whole sentences are packed greedily. LangChain's recursive splitter handles only the
rare sentence longer than a chunk, at clauses and then words.
"""

from __future__ import annotations

from typing import Any

from index.documents import Article, Chunk
from index.text import split_sentences

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
        self.overlap_tokens = min(overlap_tokens, content_tokens // 2)
        self._splitter = RecursiveCharacterTextSplitter(
            length_function=lambda text: len(tokenizer.tokenize(text)),
            chunk_size=content_tokens,
            chunk_overlap=self.overlap_tokens,
            separators=FALLBACK_SEPARATORS,
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
        pieces = self._pieces(article.text)
        chunks: list[Chunk] = []
        first = 0
        while first < len(pieces):
            last, size = first, 0  # pieces[first:last] is the chunk
            while last < len(pieces) and (
                last == first or size + pieces[last][2] <= self.content_tokens
            ):
                size += pieces[last][2]
                last += 1
            start, end = pieces[first][0], pieces[last - 1][1]
            text = article.text[start:end]
            chunks.append(
                Chunk(
                    article_id=article_id,
                    position=len(chunks),
                    start=start,
                    end=end,
                    text=text,
                    embed_text=f"{head}\n{text}",
                )
            )
            if last == len(pieces):
                break
            # The next chunk repeats the last sentences that fit in the overlap, and always
            # moves forward by at least one piece.
            overlap, back = 0, last
            while back - 1 > first and overlap + pieces[back - 1][2] <= self.overlap_tokens:
                back -= 1
                overlap += pieces[back][2]
            first = back
        return chunks

    def _pieces(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, word pieces) of each sentence; a sentence longer than a chunk is cut
        into parts that fit, at clauses and then words."""
        spans = split_sentences(text)
        counts = self._count([text[s:e] for s, e in spans])
        pieces: list[tuple[int, int, int]] = []
        for (start, end), count in zip(spans, counts, strict=True):
            if count <= self.content_tokens:
                pieces.append((start, end, count))
                continue
            cursor = start
            parts = self._splitter.split_text(text[start:end])
            for part, part_count in zip(parts, self._count(parts), strict=True):
                found = text.find(part, cursor, end)
                if found < 0:  # the splitter only returns substrings; guard the invariant
                    raise AssertionError(f"chunk part not found: {part[:60]!r}")
                pieces.append((found, found + len(part), part_count))
                cursor = found + 1
        return pieces

    def _count(self, texts: list[str]) -> list[int]:
        """Word pieces of each text, tokenized in one batch call."""
        if not texts:
            return []
        ids = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(i) for i in ids]
