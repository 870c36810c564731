"""Who said a quoted sentence, read from the sentence and, when it has no name of its own,
from the text before it ("he also said that:" two paragraphs after "Xi Jinping ...")."""

from __future__ import annotations

import re

from index.text import stem, tokens

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
    words = {stem(w) for w in tokens(sentence)}
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


# Verbs that name who speaks ("Ruiz said", "said Ruiz", "Ruiz tweeted"); "states" is left
# out on purpose: it is also the noun in "United States".
_SPEAKS = re.compile(
    r"\b(said|says|stated|told|tells|added|adds|continued|stressed|noted|argued|warned|"
    r"explained|insisted|remarked|urged|wrote|writes|tweeted|posted|replied|answered|"
    r"announced|declared|claimed|according to)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"«„][^“”\"«»„]*[”\"»]")
_FILLER = {
    "has", "had", "have", "also", "later", "then", "previously", "was", "were", "is", "would",
    "will", "once", "reportedly", "repeatedly", "recently", "earlier", "simply", "just",
    "who", "which", "that", "and", "but", "on", "in", "at", "x", "twitter", "social", "media",
}  # fmt: skip
_LEADING_PHRASES = {
    "in", "on", "at", "after", "before", "during", "since", "when", "while", "last", "earlier",
    "later", "meanwhile", "however", "separately", "speaking", "asked", "then", "today",
}  # fmt: skip
_PRONOUNS = {"he", "she", "they", "it", "i", "we", "you", "one"}
_MAX_SUBJECT_WORDS = 6


def speech_subject(sentence: str) -> str | None:
    """Who the sentence says is speaking, as written ("Council member Ana Ruiz", "he"), or
    None when it attributes its words to nobody. Quoted words are never the speaker."""
    masked = _QUOTED.sub(lambda m: "\x00" * len(m.group()), sentence)
    for verb in _SPEAKS.finditer(masked):
        if verb.group(1).lower() == "according to":
            after = re.split(r"[,.;:\x00(]", masked[verb.end() :], maxsplit=1)[0].split()
            return " ".join(after[:_MAX_SUBJECT_WORDS]) or None
        pieces = re.split(r"([,;:\x00()—–])", masked[: verb.start()])
        texts, seps = pieces[0::2], pieces[1::2]
        last = len(texts) - 1
        if last > 0 and not texts[last].strip() and seps[last - 1] == ",":
            last -= 1  # "Xi, the Chinese president, said"
        before = texts[last].split()
        while before and before[-1].lower() in _FILLER:
            before.pop()
        if before:
            subject = " ".join(before[-_MAX_SUBJECT_WORDS:])
            # "Xi, the Chinese president, said" / "Xi, who spoke by video, said": the
            # lower-case piece is an aside about the name before it
            name = texts[last - 1].split()[-_MAX_SUBJECT_WORDS:] if last > 0 else []
            if (
                before[0][:1].islower()
                and seps[last - 1] == ","
                and name
                and name[0][:1].isupper()
                and name[0].lower() not in _LEADING_PHRASES
            ):
                subject = " ".join(name) + ", " + subject
            return subject
        # inverted: '"...," said Ana Ruiz, a council member.'
        after = re.split(r"[,.;:\x00(]", masked[verb.end() :], maxsplit=1)[0].split()
        name = [w for w in after[:_MAX_SUBJECT_WORDS] if w.lower() not in ("on", "in", "at")]
        if name and (name[0][0].isupper() or name[0].lower() in ("the", "a", "an")):
            return " ".join(name)
    return None


def _names_someone(subject: str) -> bool:
    """Does the subject hold a personal name ("Ana Ruiz", "Ruiz", "Senator Lopez"), as opposed
    to a description ("the Chinese head of state") that may well be the asked speaker?"""
    names = [n for n in _NAME.findall(subject) if n.split()[0] not in ("The", "A", "An", "In")]
    words = subject.split()
    single = len(words) == 1 and words[0][:1].isupper() and words[0].lower() not in _PRONOUNS
    return bool(names) or single


def same_speaker(subject: str, speaker_terms: list[str]) -> bool | None:
    """Is the speaking ``subject`` the asked-about speaker? None when it cannot tell: a bare
    pronoun or a description without a name ("the Chinese head of state"), which only the
    sentences around it can resolve.

    Sharing any word is not enough: "Council member Ana Ruiz" is not the "Kelsey ferry
    captain" because her sentence mentions the Kelsey ferry. The subject's head (its last
    word before "of"/"for": "Ruiz", "mayor") must be one of the speaker's words, or the
    speaker's head ("captain" in "Kelsey ferry captain") must be among the subject's words.
    """
    words = [stem(w) for w in tokens(subject)]
    if not words or (len(words) == 1 and words[0] in _PRONOUNS):
        return None
    if not speaker_terms:
        return False
    for part in subject.split(","):  # "Xi, the Chinese president": either part may match
        head_part = re.split(r"\b(?:of|for|from|at|with|to|who|which)\b", part, maxsplit=1)[0]
        head_words = [stem(w) for w in tokens(head_part)]
        if head_words and head_words[-1] in speaker_terms:
            return True
    if speaker_terms[-1] in words:
        return True
    return False if _names_someone(subject) else None


def _speaks(sentence: str, speaker_terms: list[str]) -> bool | None:
    """True / False when the sentence itself says who speaks; None when it does not."""
    subject = speech_subject(sentence)
    if subject is None:
        return None
    return same_speaker(subject, speaker_terms)


def attributed_to(
    text: str, spans: list[tuple[int, int]], index: int, speaker_terms: list[str]
) -> bool:
    """True when sentence ``spans[index]`` of ``text`` is speech by the speaker.

    A sentence that names its own speaker decides alone (another speaker's words are never
    the asked speaker's, even when they mention the asked speaker's name); otherwise the
    sentences before it decide ("he also said that:" after a paragraph naming Xi).
    """
    sentence = text[slice(*spans[index])]
    subject = speech_subject(sentence)
    own = None if subject is None else same_speaker(subject, speaker_terms)
    if own is not None:
        return own
    outside = _QUOTED.sub(" ", sentence)
    if mentions(outside, speaker_terms):  # named outside the quote
        return True
    if _other_speaker(sentence, speaker_terms):
        return False
    if subject is None and _names_someone(outside):
        # no speech verb, and someone else by name is what it is about: "Trump founded Truth
        # Social, which describes itself as a “free speech haven”" does not go on with the
        # quote before it; a bare quote or "he said in New York City" does
        return False
    for back in range(index - 1, max(-1, index - 1 - _LOOKBACK), -1):
        previous = text[slice(*spans[back])]
        told = _speaks(previous, speaker_terms)
        if told is not None:
            return told
        if mentions(previous, speaker_terms):
            return True
        if _other_speaker(previous, speaker_terms):
            return False
    return False


_FIRST_PERSON = re.compile(r"\b(I|I'm|I’m|I've|I’ve|we|We|my|My|our|Our|me|us)\b")
_INTERVIEW = re.compile(r"\binterview|\btells\s+\w+|\bspeaks?\s+(to|with)\b", re.IGNORECASE)


# The interviewer's turn: speaks to the guest ("you", "your") rather than as them.
_ADDRESSES_GUEST = re.compile(
    r"\b(do|did|does|would|could|can|have|are|were|will)\s+you\b|"
    r"\bwant(ed)?\s+to\s+(know|ask)\b|\byour\b[^.!]*\?\s*$",
    re.IGNORECASE,
)


def interview_voice(title: str, text: str, sentence: str, speaker_terms: list[str]) -> bool:
    """In an interview the interviewee's answers carry no quotation marks: a first-person
    sentence speaks for the person the title or the opening names."""
    if not _INTERVIEW.search(title) or not _FIRST_PERSON.search(sentence):
        return False
    if _ADDRESSES_GUEST.search(sentence):  # the interviewer asking: "do you think …?"
        return False
    subject = speech_subject(sentence)  # '"I was wrong," the mayor said.' is the mayor's
    if subject and subject.lower() not in _PRONOUNS and not same_speaker(subject, speaker_terms):
        return False
    return mentions(title, speaker_terms) or mentions(text[:600], speaker_terms)
