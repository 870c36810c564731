"""Turn scraped text into the article text that is stored and quoted.

Page furniture is removed by general rules rather than a list tuned to one site, each
named (``furniture_rule``) so ``bench/furniture.py`` can count what each removes on the
shared corpus (docs/answers.md):

- *cross-link*: "Related: <headline>", "Magazine: <headline>": a section or navigation
  label, a colon, then a headline that never ends like a sentence ("When: 5:30 p.m." and
  "Stadium: ..." are the story's own fact box, and stay).
- *navigation*: "Related articles", "Read more", "Advertisement": a few words, no sentence
  ending, and a navigation cue word. Section headings ("Background") survive.
- *photo caption*: a paragraph that ends in a photo credit ("... on August 14. Jane
  Doe/Reuters", "Getty Images") instead of a sentence ending, or that opens with one ("Jane
  Doe/AFP/Getty Images Firefighters try to …"), or runs several together (a gallery's
  captions on one line).
- *gallery*: carousel text ("Hide Caption 3 of 12", "Prev Next", "Photos: ...",
  "In pictures: ...").
- *video*: an embedded video's title card ("Video Ad Feedback <title> 02:02 - Source: CNN").
- *dateline* and *byline* lines on their own ("Washington CNN —", "By Jane Doe").
- *date line*: the article's first line when it is only a date ("Friday, May 8, 2009", as
  every Wikinews page opens). Only the first: further down, a date alone on its line heads
  a timeline entry ("May 11, 2022" then what happened that day), which is story.

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
# The label of a link to another story is a section or a cue, never a fact-box key: "When:
# 5:30 p.m.", "Stadium: Al Thumama Stadium", "Defenders: ..." are the story's own facts.
_LINK_LABEL = re.compile(
    r"related|more|read|see also|also|magazine|video|watch|listen|podcast|opinion|analysis|"
    r"latest|trending|recommended|sponsored|news|sports?|entertainment|money|tech|travel|life|"
    r"politics|world|health|business|photos?|gallery|explainer|perspective|live updates",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# What rag/grounding.py reads as a citation: a number (or list of them), then optionally a
# separator and anything up to the closing bracket (a quote).
_MARKER_LOOKALIKE = re.compile(
    r"[\[［](\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*(?:[:,;\-–—][^\]\n]*)?)[\]］]"
)
_NAV_SEPARATORS = re.compile(r"\s+[|•·»›/]\s+|\s+[-–—]\s+")


_NAME_WORDS = r"[A-Z][\w.'’&-]*(?:\s+(?:[A-Z][\w.'’&-]*|de|van|von|for|of))*"
_PHOTO_CREDIT = re.compile(
    rf"(?:^|[.!?”\"’)]\s+){_NAME_WORDS}\s*/\s*{_NAME_WORDS}(?:\s*/\s*{_NAME_WORDS})*$"
    r"|\b(?:Getty Images|AFP via Getty Images|AP Photo|Shutterstock|File photo)\)?$"
)
# A credit by a photo agency ("Jane Doe/AP", "John Roe/AFP via Getty Images"), at the start
# of a line or after a sentence, with the caption it belongs to after it.
_AGENCY = (
    r"(?:AFP|AP|Reuters|Getty Images|Bloomberg|EPA(?:-EFE)?|Shutterstock|Sipa USA|NurPhoto|"
    r"Anadolu Agency|SOPA Images|LightRocket|USA TODAY(?: Network)?|USA Today(?: Network)?|"
    r"Imagn|ZUMA Press|Pool|POOL|Alamy|UPI|Polaris|Redux|Xinhua)"
)
_CREDIT_BEFORE_CAPTION = re.compile(
    rf"(?:^|(?<=[.!?”\"’)])\s+){_NAME_WORDS}\s*/\s*(?:{_NAME_WORDS}\s*/\s*)*{_AGENCY}"
    r"(?:\s+via\s+Getty\s+Images)?\s+(?=[A-Z“\"])"
)
_GALLERY = re.compile(
    r"\bHide Caption \d+ of \d+\b|\bPrev(?:ious)?\s+Next\b|^(?:Photos|In pictures|Gallery)\s*:",
    re.IGNORECASE,
)
_VIDEO = re.compile(r"^Video Ad Feedback\b|\b\d{1,2}:\d{2}\s*[-•–]\s*Source:")
_DATELINE = re.compile(
    r"^(?:[A-Z][\w.'’-]*(?:,?\s+[A-Z][\w.'’-]*){0,4}\s+)?\(?(?:CNN|AP|Reuters|AFP)\)?"
    r"(?:\s+(?:Business|Politics|Sport|Travel|Style))?\s*[—–-]+\s*$"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DATE_LINE = re.compile(
    rf"^(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}},?|\d{{1,2}}\s+{_MONTH})\s+(?:19|20)\d\d$"
)
_BYLINE = re.compile(
    r"^By\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
    r"(?:(?:,|\s+and|,?\s+&)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3})*"
    r"(?:,\s+[A-Z][\w ]{0,30})?$"
)


def furniture_rule(line: str, first: bool = False) -> str | None:
    """Which furniture rule a line falls under, or None for a line of the story; ``first``:
    it is the article's first non-empty line."""
    line = line.strip()
    if not line:
        return None
    if first and _DATE_LINE.match(line):
        return "date line"
    if _GALLERY.search(line):
        return "gallery"
    if _VIDEO.search(line):
        return "video"
    credits = _CREDIT_BEFORE_CAPTION.findall(line)
    if len(credits) >= 2 or (credits and _CREDIT_BEFORE_CAPTION.match(line)):
        return "photo caption"
    if _SENTENCE_END.search(line):
        return None
    words = line.split()
    if _PHOTO_CREDIT.search(line):
        return "photo caption"
    if len(words) <= 6 and _DATELINE.match(line):
        return "dateline"
    if len(words) <= 12 and _BYLINE.match(line):
        return "byline"
    cross = _CROSS_LINK.match(line)
    if cross and len(cross.group("rest").split()) >= 3:
        label = cross.group("label")
        if _LINK_LABEL.fullmatch(label) or _NAV_CUES.search(label):
            return "cross-link"
    if len(words) <= 4 and _NAV_CUES.search(line):
        return "navigation"
    return None


def is_furniture(line: str, first: bool = False) -> bool:
    """True for lines that are not part of the story (``furniture_rule`` says which)."""
    return furniture_rule(line, first) is not None


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
    paragraphs: list[str] = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line and not is_furniture(line, first=not paragraphs):
            paragraphs.append(neutralize_markers(line))
    return "\n\n".join(paragraphs)


def clean_title(title: str | None) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", title or "")).strip()
