"""Who said a quoted sentence, read from the sentence and, when it has no name of its own,
from the text before it ("he also said that:" two paragraphs after "Xi Jinping ...")."""

from __future__ import annotations

import re

from rag.text import stem

QUOTE_CHARS = '“”"«»„'
SPEECH = re.compile(
    r"\b(said|says|say|saying|stated|states|told|tells|added|adds|continued|stressed|noted|"
    r"argued|warned|explained|insisted|according to|remarked|urged|called for|wrote|"
    r"asked|replied|answered|announced|declared|claimed)\b",
    re.IGNORECASE,
)
PRONOUN = re.compile(r"\b(he|she|they|his|her)\b", re.IGNORECASE)
ROLE = re.compile(
    r"\b(spokesperson|spokesman|spokeswoman|official|officials|minister|ministry|secretary|"
    r"director|chief|executive|ceo|president|chairman|analyst|expert|professor|police|"
    r"lawyer|attorney|statement|critics|researchers?|scientists?)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+)")
_LOOKBACK = 8


def is_quote(sentence: str) -> bool:
    return any(c in sentence for c in QUOTE_CHARS) or sentence.rstrip().endswith(":")


def mentions(sentence: str, speaker_terms: list[str]) -> bool:
    words = {stem(w) for w in re.findall(r"[\w’']+", sentence)}
    return any(t in words for t in speaker_terms)


def _other_speaker(sentence: str, speaker_terms: list[str]) -> bool:
    """A sentence that attributes speech to someone who is not the speaker."""
    if not SPEECH.search(sentence) or mentions(sentence, speaker_terms):
        return False
    outside = re.sub(r"[“\"].*?[”\"]", " ", sentence)  # names inside quotes don't speak
    if PRONOUN.search(outside) and not ROLE.search(outside):
        return False
    names = [n for n in _NAME.findall(outside) if n.split()[0] not in ("The", "A", "An", "In")]
    return bool(names or ROLE.search(outside))


def attributed_to(
    text: str, spans: list[tuple[int, int]], index: int, speaker_terms: list[str]
) -> bool:
    """True when sentence ``spans[index]`` of ``text`` is speech by the speaker."""
    sentence = text[slice(*spans[index])]
    if mentions(sentence, speaker_terms):
        return True
    if _other_speaker(sentence, speaker_terms):
        return False
    for back in range(index - 1, max(-1, index - 1 - _LOOKBACK), -1):
        previous = text[slice(*spans[back])]
        if mentions(previous, speaker_terms):
            return True
        if _other_speaker(previous, speaker_terms):
            return False
    return False


_FIRST_PERSON = re.compile(r"\b(I|I'm|I’m|I've|I’ve|we|We|my|My|our|Our|me|us)\b")
_INTERVIEW = re.compile(r"\binterview|\btells\s+\w+|\bspeaks?\s+(to|with)\b", re.IGNORECASE)


def interview_voice(title: str, text: str, sentence: str, speaker_terms: list[str]) -> bool:
    """In an interview the interviewee's answers carry no quotation marks: a first-person
    sentence speaks for the person the title or the opening names."""
    if not _INTERVIEW.search(title) or not _FIRST_PERSON.search(sentence):
        return False
    return mentions(title, speaker_terms) or mentions(text[:600], speaker_terms)
