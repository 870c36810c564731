"""Turn scraped text into the article text that is stored and quoted.

Page furniture is removed by two general rules rather than a list tuned to one site.
A *cross-link line* ("Related: <headline>", "Magazine: <headline>", "See also: ...") is a
one-word (or navigation) label, a colon, then a headline that never ends like a sentence.
A *navigation line* ("Related articles", "Read more", "Advertisement") is a few words, no
sentence ending, and a navigation cue word. Section headings ("Background") survive.
"""

from __future__ import annotations

import re
import unicodedata

_SENTENCE_END = re.compile(r"[.!?…\"”’»)\]]$")
_CROSS_LINK = re.compile(r"^(?P<label>[A-Z][\w’'&-]*(?: [\w’'&-]+){0,2})\s*:\s+(?P<rest>\S.*)$")
_NAV_CUES = re.compile(
    r"\b(related|read\s+more|see\s+also|more\s+(from|stories|on)|also\s+read|advertisement|"
    r"sponsored|subscribe|newsletter|sign\s+up|follow\s+us|share\s+(this|on)|recommended|"
    r"trending|most\s+(read|popular)|top\s+stories|click\s+here|watch\s+now|listen)\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def is_furniture(line: str) -> bool:
    """True for navigation and cross-link lines that are not part of the story."""
    line = line.strip()
    if not line or _SENTENCE_END.search(line):
        return False
    words = line.split()
    cross = _CROSS_LINK.match(line)
    if cross and len(cross.group("rest").split()) >= 3:
        label = cross.group("label")
        if " " not in label or _NAV_CUES.search(label):
            return True
    return len(words) <= 4 and bool(_NAV_CUES.search(line))


def clean_text(text: str) -> str:
    """Normalize whitespace and Unicode form, drop furniture, keep one blank line between
    paragraphs. Quotation marks and apostrophes are kept as published."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u200b", "").replace("\ufeff", "")
    paragraphs = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line and not is_furniture(line):
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def clean_title(title: str | None) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", title or "")).strip()
