"""Turn scraped text into the article text that is stored and quoted.

Page furniture is removed by two general rules rather than a list tuned to one site.
A *cross-link line* ("Related: <headline>", "Magazine: <headline>", "See also: ...") is a
one-word (or navigation) label, a colon, then a headline that never ends like a sentence.
A *navigation line* ("Related articles", "Read more", "Advertisement") is a few words, no
sentence ending, and a navigation cue word. Section headings ("Background") survive.

Text that looks like newsrag's own citation markers ("[1]", "[2, 3]", "[1: \"...\"]") is
neutralized: its square brackets become parentheses, so an article cannot plant a fake
citation in an answer that quotes it. Other bracketed text ("[sic]", "[Photo]") is kept.
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
# What rag/grounding.py reads as a citation: a number (or list of them), then optionally a
# separator and anything up to the closing bracket (a quote).
_MARKER_LOOKALIKE = re.compile(
    r"[\[［](\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*(?:[:,;\-–—][^\]\n]*)?)[\]］]"
)
_NAV_SEPARATORS = re.compile(r"\s+[|•·»›/]\s+|\s+[-–—]\s+")


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


def neutralize_markers(text: str) -> str:
    """``[1]`` -> ``(1)``, ``[1: "words"]`` -> ``(1: "words")``: same length, so offsets
    computed on either text agree; "[sic]" and "[Photo]" are untouched."""
    return _MARKER_LOOKALIKE.sub(r"(\1)", text)


def is_navigation(paragraph: str) -> bool:
    """A run of short links with separators ("Home | World | Sport"), not a sentence."""
    parts = [p for p in _NAV_SEPARATORS.split(paragraph.strip()) if p.strip()]
    return len(parts) >= 3 and all(len(p.split()) <= 3 for p in parts)


def has_main_text(text: str) -> bool:
    """True when some paragraph reads as prose: four or more words and not a link list.
    An HTML page without one is a section front or menu, not an article."""
    return any(
        len(p.split()) >= 4 and not is_navigation(p) and not is_furniture(p)
        for p in text.splitlines()
    )


def clean_text(text: str) -> str:
    """Normalize whitespace and Unicode form, drop furniture, neutralize citation-marker
    look-alikes, keep one blank line between paragraphs. Quotation marks and apostrophes
    are kept as published."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u200b", "").replace("\ufeff", "")
    paragraphs = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line and not is_furniture(line):
            paragraphs.append(neutralize_markers(line))
    return "\n\n".join(paragraphs)


def clean_title(title: str | None) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", title or "")).strip()
