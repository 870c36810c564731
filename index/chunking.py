"""Split article text into overlapping, sentence-aligned chunks that the model reads whole.

Sizes are counted in the embedding model's own word pieces, so a chunk plus its header never
exceeds the model's window (all-MiniLM-L6-v2 reads 256) and nothing is silently truncated.
Sentences come from the text layer (``index.text.split_sentences``), the same spans the
answerer quotes, so a chunk never ends inside "Mr. Xi" or "U.S."; each sentence is tokenized
once and whole sentences are packed greedily, and their ids put together are what the
encoder reads (``Chunk.embed_ids``: ingest does not tokenize twice). LangChain's recursive
splitter handles only the rare sentence longer than a chunk, at clauses and then words.
"""

from __future__ import annotations

from typing import Any

from index.documents import Article, Chunk
from index.text import split_sentences

FALLBACK_SEPARATORS = [r";\s+", r",\s+", r"\s+", ""]
HEADER_TOKENS = 40  # word pieces reserved for the title/outlet header


def header(article: Article) -> str:
    """What the model sees above each chunk: context that helps retrieval but is never quoted.
    Not the date: it was 3.8% of all embedded word pieces, and time windows filter on the
    stored date, not the vector (docs/benchmarks.md, Session 11)."""
    return f"{article.title} ({article.source})" if article.source else article.title


def _special_tokens(tokenizer: Any) -> tuple[list[int], list[int]] | None:
    """The ids the tokenizer puts before and after a text ([CLS] and [SEP] for BERT-like
    models), or None when its template is not one token either side or when it does not
    tokenize a text as the ids of its whitespace-parted parts put together (a tokenizer
    that marks word starts, SentencePiece's, may not): then ``Chunk.embed_ids`` stay None."""
    parts = ["Title (Outlet)", "Mr. Xi's 2nd-term", "U.S.-made chips."]
    whole = "\n".join(parts[:2]) + "  " + parts[2]
    wrapped = tokenizer([whole])["input_ids"][0]
    bare = [i for ids in tokenizer(parts, add_special_tokens=False)["input_ids"] for i in ids]
    if len(wrapped) != len(bare) + 2 or list(wrapped[1:-1]) != bare:
        return None
    return [wrapped[0]], [wrapped[-1]]


def _parts_words(gap: str) -> bool:
    """Whether the text between two pieces makes the tokenizer start a new word: only
    whitespace, with at least one character every tokenizer treats as a word break (some
    Unicode spaces are control characters to BERT's normalizer, which drops them)."""
    return bool(gap) and gap.isspace() and any(c in " \t\n\r" for c in gap)


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
        self._wrap = _special_tokens(tokenizer)
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

    def _header(self, article: Article) -> tuple[str, list[int]]:
        """The header text and its word-piece ids, cut to fit its reserved pieces."""
        text = header(article)
        ids = self._ids([text])[0]
        if len(ids) <= HEADER_TOKENS - 2:
            return text, ids
        pieces = self.tokenizer.tokenize(text)
        text = str(self.tokenizer.convert_tokens_to_string(pieces[: HEADER_TOKENS - 2]))
        return text, self._ids([text])[0]

    def run(self, article: Article, article_id: str) -> list[Chunk]:
        head, head_ids = self._header(article)
        pieces = self._pieces(article.text)
        chunks: list[Chunk] = []
        first = 0
        while first < len(pieces):
            last, size = first, 0  # pieces[first:last] is the chunk
            while last < len(pieces) and (
                last == first or size + len(pieces[last][2]) <= self.content_tokens
            ):
                size += len(pieces[last][2])
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
                    embed_ids=self._joined(article.text, head_ids, pieces[first:last]),
                )
            )
            if last == len(pieces):
                break
            # The next chunk repeats the last sentences that fit in the overlap, and always
            # moves forward by at least one piece.
            overlap, back = 0, last
            while back - 1 > first and overlap + len(pieces[back - 1][2]) <= self.overlap_tokens:
                back -= 1
                overlap += len(pieces[back][2])
            first = back
        return chunks

    def _pieces(self, text: str) -> list[tuple[int, int, list[int]]]:
        """(start, end, word-piece ids) of each sentence; a sentence longer than a chunk is
        cut into parts that fit, at clauses and then words."""
        spans = split_sentences(text)
        ids = self._ids([text[s:e] for s, e in spans])
        pieces: list[tuple[int, int, list[int]]] = []
        for (start, end), sentence in zip(spans, ids, strict=True):
            if len(sentence) <= self.content_tokens:
                pieces.append((start, end, sentence))
                continue
            cursor = start
            parts = self._splitter.split_text(text[start:end])
            for part, part_ids in zip(parts, self._ids(parts), strict=True):
                found = text.find(part, cursor, end)
                if found < 0:  # the splitter only returns substrings; guard the invariant
                    raise AssertionError(f"chunk part not found: {part[:60]!r}")
                pieces.append((found, found + len(part), part_ids))
                cursor = found + 1
        return pieces

    def _ids(self, texts: list[str]) -> list[list[int]]:
        """Word-piece ids of each text, without special tokens, tokenized in one batch call."""
        if not texts:
            return []
        return list(self.tokenizer(texts, add_special_tokens=False)["input_ids"])

    def _joined(
        self, text: str, head_ids: list[int], pieces: list[tuple[int, int, list[int]]]
    ) -> list[int] | None:
        """The ids of ``header + "\\n" + chunk text`` from the header's and the sentences'
        own ids, as the model's tokenizer would give them, so the encoder need not tokenize
        the chunk again. That holds where whitespace parts every two pieces: the tokenizer
        splits words at whitespace before it cuts them into word pieces. Where two pieces
        touch (a word cut by the fallback splitter) or are parted by anything else: None."""
        if self._wrap is None:
            return None
        ids = [*self._wrap[0], *head_ids]
        for n, (start, _, piece) in enumerate(pieces):
            if n and not _parts_words(text[pieces[n - 1][1] : start]):
                return None
            ids += piece
        return [*ids, *self._wrap[1]]
