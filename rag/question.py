"""What a question asks for: its key words, the answer type it expects, and for
"what did X say about Y" questions the speaker and the topic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rag.text import STOPWORDS, stem, tokens

AnswerType = Literal["person", "date", "count", "place", "reason", "any"]

_SAY_VERBS = (
    r"say|said|tell|told|think|thought|claim|claimed|argue|argued|state|stated|write|wrote|"
    r"mean|believe|believed|feel|felt|suggest|suggested|warn|warned|stress|stressed|note|noted|"
    r"describe|described|call|called|add|added|explain|explained|predict|predicted|promise|"
    r"promised|announce|announced|insist|insisted|comment|commented"
)
_SAY_PATTERNS = [
    re.compile(
        rf"^(?:what|how)\s+(?:did|does|do|has|have|had|was|is|were)\s+(?P<speaker>.+?)\s+"
        rf"(?:{_SAY_VERBS})\b(?:\s+(?:about|on|regarding|of|concerning|as|to))?(?P<topic>.*)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^what\s+(?:was|is|were|are)\s+(?P<speaker>.+?)[’']s?\s+"
        r"(?:view|views|position|stance|opinion|comment|comments|message|remarks?|take|"
        r"thoughts?)\s+(?:on|about|regarding)\s+(?P<topic>.*)$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^according\s+to\s+(?P<speaker>[^,]+),\s*(?P<topic>.*)$",
        re.IGNORECASE,
    ),
]
_TYPE_PATTERNS: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("count", re.compile(r"\bhow\s+(many|much|often|long|old|far|large|big|tall)\b", re.I)),
    (
        "date",
        re.compile(
            r"^\s*(when\b|(in|on|at)\s+what\s+(year|date|day|month|time)\b|"
            r"what\s+(year|date|day|month|time)\b|since\s+when\b)",
            re.I,
        ),
    ),
    ("person", re.compile(r"^\s*(who|whom|whose)\b", re.I)),
    (
        "place",
        re.compile(
            r"^\s*(where\b|(in|at|from)\s+which\s+(city|country|place)\b|"
            r"which\s+(city|country|state|town|place)\b)",
            re.I,
        ),
    ),
    ("reason", re.compile(r"^\s*why\b", re.I)),
]


@dataclass(frozen=True)
class Question:
    text: str
    words: list[str]  # raw content words, lower-case, for IDF look-ups
    terms: list[str]  # their stems, same order
    answer_type: AnswerType = "any"
    speaker: str | None = None
    speaker_terms: list[str] = field(default_factory=list)
    topic_terms: list[str] = field(default_factory=list)

    @property
    def is_say(self) -> bool:
        return self.speaker is not None


def _words(text: str) -> list[str]:
    return [
        w.lower().replace("’", "'").removesuffix("'s")
        for w in tokens(text)
        if w.lower() not in STOPWORDS and len(w) > 1
    ]


def analyze(text: str) -> Question:
    clean = " ".join(text.strip().rstrip("?!. ").split())
    words = list(dict.fromkeys(_words(clean)))
    terms = [stem(w) for w in words]
    answer_type: AnswerType = "any"
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(clean):
            answer_type = kind
            break
    for pattern in _SAY_PATTERNS:
        match = pattern.match(clean)
        if match and _words(match.group("speaker")):
            speaker = re.sub(r"^(the|a|an)\s+", "", match.group("speaker"), flags=re.I)
            speaker_terms = [stem(w) for w in _words(speaker)]
            topic_terms = [stem(w) for w in _words(match.group("topic"))]
            return Question(
                clean,
                words,
                terms,
                "any",
                speaker,
                speaker_terms,
                [t for t in topic_terms if t not in speaker_terms],
            )
    return Question(clean, words, terms, answer_type)
