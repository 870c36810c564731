"""The one text layer: sentences with offsets, words, stems and stopwords.

Chunking, retrieval, answering, grounding and attribution all read text through this
module, so they agree on what a sentence and a word are. Stems are Porter's (PyStemmer's
C implementation of the original algorithm), the stemmer of SQLite FTS5's ``porter``
tokenizer that ranks BM25: a word the answerer counts as covered is a word BM25 matched.

Sentences come from a small rule splitter rather than pysbd or Punkt: on this module's
sentence table it is as right as pysbd (33/33 against 32/33) and about 50 times faster
(``bench/sentence_split.py``), and speed matters because the answerer splits every
retrieved article on every question.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

# ---- sentences ------------------------------------------------------------------------------

# Words that end with a period without ending a sentence ("Nov. 8", "Mr. Xi", "U.S. officials").
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gov",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "al",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "fig",
        "approx",
        "dept",
        "est",
        "mt",
        "ft",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
_BEFORE_NUMBERS = frozenset(["no", "nos", "fig"])  # abbreviations only when a number follows
_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)\.?$")
_LONGEST_WORD = 100  # no abbreviation or initial is longer


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in text[start:end]; whitespace excluded."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_text = line.group()
        cursor = 0
        for match in _BOUNDARY.finditer(line_text):
            if not _is_real_boundary(line_text, match.start(), match.group()):
                continue
            _add(spans, text, line_start + cursor, line_start + match.end())
            cursor = match.end()
        _add(spans, text, line_start + cursor, line_start + len(line_text))
    return spans


def _is_real_boundary(line: str, position: int, mark: str) -> bool:
    if not mark.startswith("."):
        return True
    return not is_abbreviation(line[:position], line[position + len(mark) :])


def is_abbreviation(before: str, after: str) -> bool:
    """Does the period between ``before`` and ``after`` end an abbreviation, an initial
    ("John F. Kennedy") or a dotted acronym ("U.S."), rather than a sentence?"""
    found = _WORD_BEFORE.search(before[-_LONGEST_WORD:])  # not the whole line: O(n) each
    if not found:
        return False
    word = found.group(1).lower().rstrip(".")
    if word in _BEFORE_NUMBERS:  # "No. 5", but "the answer was no. You…"
        return after.lstrip()[:1].isdigit()
    if word in ABBREVIATIONS:
        return True
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(\w\.)+\w", word))


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


# ---- words ----------------------------------------------------------------------------------

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "say",
        "said",
        "says",
        "tell",
        "told",
        "according",
        "also",
        "did",
        "does",
        "many",
        "much",
    ]
)
# A word, or a dotted acronym kept whole ("U.S.", "U.N."): split into letters, it would be
# dropped as one-letter words and "What did the U.S. say" would lose its speaker.
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[\w’']+")
_PORTER = Stemmer.Stemmer("porter")


def tokens(text: str) -> list[str]:
    """Every word of ``text`` as written, acronyms whole: the one tokenizer, so questions,
    sentences and BM25 queries agree on what a word is."""
    return _WORD.findall(text)


def words(text: str) -> list[str]:
    """The words of ``text`` that carry meaning, lower-cased, possessives dropped, in order."""
    return [
        w.lower().replace("’", "'").removesuffix("'s").strip("'")
        for w in _WORD.findall(text)
        if w.lower() not in STOPWORDS and len(w) > 1
    ]


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Porter's stem of one word, as FTS5 stems it ("races" -> "race", "said" stays "said").
    Cached: the answer step stems the same words thousands of times per question."""
    word = word.lower().replace("’", "'").removesuffix("'s").strip("'").rstrip(".")
    if "." in word:  # an acronym ("u.s") is a name, not an English word with a suffix
        return word
    return str(_PORTER.stemWord(word))


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning, in order, duplicates kept."""
    return [stem(w) for w in words(text)]


def stems_of(text: str) -> frozenset[str]:
    """The stems of every word of ``text``, stopwords included (a sentence's vocabulary)."""
    return frozenset(map(stem, set(_WORD.findall(text))))


@lru_cache(maxsize=65536)
def _prefixes(stems: frozenset[str]) -> frozenset[str]:
    """Every prefix of five letters or more of the stems: prefix matching by set look-up."""
    return frozenset(s[:n] for s in stems if len(s) >= 5 for n in range(5, len(s) + 1))


def covered(term: str, stems: frozenset[str]) -> bool:
    """Is the stemmed ``term`` among ``stems``, or does it share a stem of five letters or
    more with one ("attend" ~ "attendee", "govern" ~ "governance")? The one notion of a word
    being present, used by the answerer and by the grounding check."""
    if term in stems:
        return True
    return len(term) >= 5 and (
        term in _prefixes(stems) or any(term[:n] in stems for n in range(5, len(term)))
    )
