"""Word-level helpers shared by retrieval and answering: stopwords and a light stemmer."""

from __future__ import annotations

import re
from functools import lru_cache

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


def tokens(text: str) -> list[str]:
    """Every word of ``text`` as written, acronyms whole: the one tokenizer the answer side
    uses, so questions and sentences agree on what a word is."""
    return _WORD.findall(text)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Crude suffix stripping: enough to match "races" with "race" ("said" stays "said").
    Cached: the answer step stems the same words thousands of times per question."""
    word = word.lower().replace("’", "'").removesuffix("'s").strip("'").rstrip(".")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning, in order, duplicates kept."""
    return [stem(w) for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 1]
