"""Follow-up questions read with the conversation before them.

"and about sovereignty?" after "what did Xi say about arms races?" means "what did Xi say
about sovereignty?". Shared by the OpenAI-compatible endpoint and the Slack bot's threads.
"""

from __future__ import annotations

import re

from index.text import content_words
from rag.question import analyze

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|then|what\s+about|how\s+about|and\s+what\s+about|what\s+of)\b"
    r"[\s,]*(?:(?:on|about|regarding|of)\s+)?(?P<rest>.*)$",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(he|she|they|him|her|them|his|hers|their|it|its|that|this)\b", re.I)


def resolve(question: str, history: list[str]) -> str:
    """A self-contained question: unchanged unless it leans on the previous one."""
    if not history:
        return question
    previous = history[-1].strip()
    follow = _FOLLOW_UP.match(question)
    if follow and follow.group("rest").strip(" ?"):
        topic = follow.group("rest").strip().rstrip("?").strip()
        before = analyze(previous)
        if before.is_say:
            return f"What did {before.speaker} say about {topic}?"
        return f"{previous.rstrip('?. ')}, and {topic}?"
    if _PRONOUN.search(question) and len(content_words(question)) <= 3:
        return f"{question.strip().rstrip('?')} ({previous.rstrip('?. ')})?"
    return question
