"""Sentence boundaries as character offsets, so any sentence can be quoted exactly."""

from __future__ import annotations

import re

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
    found = _WORD_BEFORE.search(before)
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
