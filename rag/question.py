"""What a question asks for: its key words, the answer type it expects, and for
"what did X say about Y" questions the speaker and the topic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from index.text import stem
from index.text import words as content_words

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


# "how long" is answered by "six weeks", "how often" by "twice a year", "how far" by "20 km":
# the wh-word itself is rarely in the answer. "How tall", "how old", "how large" are answered
# by "50 metres tall", "a 45-year-old", "the largest": there the word is evidence.
_UNSAID = frozenset(["long", "often", "far"])


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


def analyze(text: str) -> Question:
    clean = " ".join(text.strip().rstrip("?!. ").split())
    answer_type: AnswerType = "any"
    asking = ""  # the wh-phrase's own word ("long" of "how long"): what is asked, not a topic
    for kind, pattern in _TYPE_PATTERNS:
        match = pattern.search(clean)
        if match:
            answer_type = kind
            asking = match.group(1).lower() if kind == "count" else ""
            asking = asking if asking in _UNSAID else ""
            break
    words = [w for w in dict.fromkeys(content_words(clean)) if w != asking]
    terms = [stem(w) for w in words]
    for pattern in _SAY_PATTERNS:
        match = pattern.match(clean)
        if match and content_words(match.group("speaker")):
            speaker = re.sub(r"^(the|a|an)\s+", "", match.group("speaker"), flags=re.I)
            speaker_terms = [stem(w) for w in content_words(speaker)]
            topic_terms = [stem(w) for w in content_words(match.group("topic"))]
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
