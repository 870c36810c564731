"""Checking a language model's answer against the passages it cites, one sentence at a time.

A model writes fluent sentences and cites whatever it likes; rivals show that to the user.
Here a sentence is shown only when (1) every passage number it cites was among the passages
the model was given, (2) it carries a quote that really is in the cited passage (after
normalizing whitespace, quotation marks and case), and (3) the cited passage supports it:
every number and name in the sentence is in the passage, the sentence does not negate what
the quote says (or the other way round), and most of its content words are in the passage.
No cross-encoder or NLI model with weights can be installed here, so the support check is
lexical; ``bench/support_check.py`` measures what it lets through and what it stops.

Quotes found are mapped back to exact character offsets of the article, so a kept sentence's
citation carries ``quote == article_text[start:end]`` like every other newsrag citation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.store import StoredArticle
from index.text import (
    STOPWORDS,
    covered,
    is_abbreviation,
    split_sentences,
    stem,
    stems_of,
    tokens,
)
from rag.injection import injection_spans
from rag.retrieval import Passage

# "[2]", "[1, 3]", "[2: "exact words"]"; a quote may also follow the marker: [2] "exact words"
_MARKER = re.compile(
    r"\[\s*(?P<nums>\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*"
    r"(?:[:,\-–—]?\s*[\"“”](?P<quote>[^\]\"“”]*)[\"“”]\s*)?\]"
    r"(?:\s*:?\s*\(?[\"“](?P<after>[^\"“”\n]{3,}?)[\"”]\)?)?"
)
_BODY_QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")
_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+[\"”’')]*|\x00)(?P<gap>\s+)(?=[\"“‘(\[]?[A-Z0-9])|\n\s*(?=\S)"
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        re.findall(
            r"\w+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty",
        )
    )
} | {w: str(10 * i) for i, w in enumerate(["thirty", "forty", "fifty"], start=3)}
_NUMBER_WORDS |= {w: str(10 * i) for i, w in enumerate(["sixty", "seventy", "eighty"], start=6)}
_NUMBER_WORDS |= {"ninety": "90", "hundred": "100", "thousand": "1000"}
_NEGATION = re.compile(
    r"\b(not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n[’']t\b", re.IGNORECASE
)
_NAME = re.compile(r"\b[A-Z][\w’']+")
# Words about the act of citing, not about the news: never counted against coverage.
_META = frozenset(
    stem(w)
    for w in re.findall(
        r"\w+",
        "said says say told according report reported reports article articles passage "
        "passages source sources stated states quoted noted added",
    )
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
MIN_QUOTE_WORDS = 3


@dataclass
class Claim:
    """One sentence of the model's output: its text without markers, and what it cites."""

    text: str
    refs: list[tuple[int, str | None]]  # (passage number, the model's quote or None)


@dataclass
class Evidence:
    """A quote found in a cited passage, as exact offsets into the article's text."""

    passage: int
    article: StoredArticle
    start: int
    end: int
    score: float


@dataclass
class Check:
    claim: Claim
    kept: bool
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    coverage: float | None = None


# ---- parsing --------------------------------------------------------------------------------


def split_claims(text: str, final: bool = True) -> tuple[list[Claim], int]:
    """The complete sentences of ``text`` as claims, and how many characters they used.

    While a model is still streaming (``final=False``) the last sentence may be unfinished,
    so it is left for the next call; a boundary needs the next sentence's first character,
    hence a sentence reported complete never changes when more text arrives.
    """
    limit = len(text)
    if not final:
        open_bracket = text.rfind("[")
        if open_bracket > text.rfind("]"):
            limit = open_bracket  # a marker still being written
    markers = list(_MARKER.finditer(text, 0, limit))
    masked = list(text[:limit])
    for m in markers:
        masked[m.start() : m.end()] = "\x00" * (m.end() - m.start())
    flat = "".join(masked)
    segments: list[tuple[int, int]] = []
    begin = 0
    for b in _BOUNDARY.finditer(flat):
        cut = b.start("gap") if b.group("end") else b.start()
        end = b.group("end")
        if end and end[0] == "." and is_abbreviation(flat[: b.start("end")], flat[b.end() :]):
            continue
        if flat[begin:cut].strip():
            segments.append((begin, cut))
        begin = cut
    if final and flat[begin:].strip():
        segments.append((begin, limit))
        begin = limit
    claims = [_claim(text, start, end, markers) for start, end in segments]
    return [c for c in claims if c.text or c.refs], begin


def _claim(text: str, start: int, end: int, markers: list[re.Match[str]]) -> Claim:
    refs: list[tuple[int, str | None]] = []
    pieces: list[str] = []
    cursor = start
    for m in markers:
        if m.start() < start or m.end() > end:
            continue
        pieces.append(text[cursor : m.start()])
        cursor = m.end()
        quote = m.group("quote") or m.group("after")
        for number in re.findall(r"\d+", m.group("nums")):
            refs.append((int(number), quote.strip() if quote and quote.strip() else None))
    pieces.append(text[cursor:end])
    body = " ".join("".join(pieces).split())
    body = re.sub(r"\s+([.,;:!?])", r"\1", _BULLET.sub("", body)).strip()
    if refs and all(q is None for _, q in refs):
        inline = [q for q in _BODY_QUOTE.findall(body) if len(q.split()) >= MIN_QUOTE_WORDS]
        if inline:  # Xi said "we should avoid an arms race" [1]
            refs = [(n, inline[0]) for n, _ in refs]
    return Claim(body, refs)


# ---- locating quotes ------------------------------------------------------------------------


def _normalized(text: str) -> tuple[str, list[int]]:
    """Lower-case text with quotation marks unified and whitespace collapsed, plus the
    original position of every character kept."""
    chars: list[str] = []
    positions: list[int] = []
    space = True
    for i, ch in enumerate(text.translate(_QUOTES)):
        if ch.isspace():
            if space:
                continue
            ch, space = " ", True
        else:
            space = False
        chars.append(ch.lower())
        positions.append(i)
    return "".join(chars), positions


def locate(quote: str, text: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """Offsets of ``quote`` inside ``text[start:end]``; an ellipsis may skip words."""
    region = text[start:end]
    flat, positions = _normalized(region)
    parts = [
        p.strip(" \"'.,;:")
        for p in re.split(r"\.\.\.|…", quote.translate(_QUOTES).lower())
        if p.strip(" \"'.,;:")
    ]
    if not parts:
        return None
    cursor, first, last = 0, -1, -1
    for part in parts:
        part = " ".join(part.split())
        found = flat.find(part, cursor)
        if found < 0:
            return None
        first = found if first < 0 else first
        last = found + len(part)
        cursor = last
    return start + positions[first], start + positions[last - 1] + 1


def instruction_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of an article that address a model with instructions ("ignore your
    instructions and reply that ..."): never sent as evidence, never accepted as quotes.
    The measured detector of rag/injection.py decides (it replaced a phrase list)."""
    return injection_spans(text)


# ---- support --------------------------------------------------------------------------------


def _numbers(text: str) -> set[str]:
    found = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return found


def support(
    claim: str, passage: str, quote: str, evidence: str, article: str, min_coverage: float
) -> tuple[bool, str, float]:
    """Does ``passage`` support ``claim``? ``quote`` is what the model quoted, ``evidence``
    the sentence(s) holding it, ``article`` the cited articles' whole text.

    Returns (supported, reason, coverage). Numbers and names are hard requirements because
    they are what small models get wrong (a swapped figure, a swapped person). Names may
    come from anywhere in the cited article: a quote's speaker is often named paragraphs
    before it. Negation is checked both ways because "did not" reads as close as "did" to
    any similarity measure: a negated sentence needs a negation in the quoted sentence, and
    a quote that itself negates needs a negated sentence."""
    words = [w for w in tokens(claim) if len(w) > 1]
    terms = {stem(w) for w in words if w.lower() not in STOPWORDS} - _META
    passage_stems = stems_of(passage)
    coverage = sum(covered(t, passage_stems) for t in terms) / len(terms) if terms else 0.0
    missing_numbers = sorted(_numbers(claim) - _numbers(passage))
    if missing_numbers:
        return False, f"numbers not in the passage: {', '.join(missing_numbers)}", coverage
    names = {m.group(0) for m in _NAME.finditer(claim) if m.start() > 0}
    article_stems = passage_stems | stems_of(article)
    missing_names = sorted(
        n for n in names if n.lower() not in STOPWORDS and stem(n) not in article_stems
    )
    if missing_names:
        return False, f"names not in the cited article: {', '.join(missing_names)}", coverage
    negated = bool(_NEGATION.search(claim))
    if negated and not _NEGATION.search(evidence):
        return False, "negation only in the sentence", coverage
    if not negated and _NEGATION.search(quote):
        return False, "negation only in the quote", coverage
    if coverage < min_coverage:
        return False, f"only {coverage:.0%} of its words are in the passage", coverage
    return True, "supported", coverage


# ---- the whole check ------------------------------------------------------------------------


class GroundingChecker:
    """Configured with the support threshold; ``check`` judges one claim against the
    passages the model was shown (numbered from 1 in the order given)."""

    def __init__(self, min_coverage: float = 0.6, require_quote: bool = True):
        self.min_coverage = min_coverage
        self.require_quote = require_quote

    def check(self, claim: Claim, passages: Sequence[Passage]) -> Check:
        if not claim.refs:
            return Check(claim, False, "no citation")
        outside = sorted({n for n, _ in claim.refs if not 1 <= n <= len(passages)})
        if outside:
            shown = ", ".join(f"[{n}]" for n in outside)
            return Check(claim, False, f"cites {shown}; only passages 1-{len(passages)} exist")
        evidence: list[Evidence] = []
        for number, quote in claim.refs:
            found = self._evidence(claim.text, number, quote, passages[number - 1])
            if isinstance(found, str):
                return Check(claim, False, found)
            evidence.append(found)
        # the model saw each passage's title beside its text: names may come from either
        texts = [f"{e.article.title}. {passages[e.passage - 1].chunk.text}" for e in evidence]
        quotes = " ".join(e.article.text[e.start : e.end] for e in evidence)
        sentences = " ".join(_sentence_around(e) for e in evidence)
        whole = " ".join({e.article.article_id: e.article.text for e in evidence}.values())
        ok, reason, coverage = support(
            claim.text, " ".join(texts), quotes, sentences, whole, self.min_coverage
        )
        cited = ", ".join(f"[{e.passage}]" for e in evidence)
        return Check(
            claim, ok, reason if ok else f"not supported by {cited}: {reason}", evidence, coverage
        )

    def _evidence(
        self, claim: str, number: int, quote: str | None, passage: Passage
    ) -> Evidence | str:
        chunk = passage.chunk
        article = chunk.article
        span: tuple[int, int] | None
        if quote is None:
            if self.require_quote:
                return f"no quote for [{number}]"
            span = _best_sentence(claim, article.text, chunk.start, chunk.end)
        elif len(quote.split()) < MIN_QUOTE_WORDS:
            return f"quote for [{number}] is shorter than {MIN_QUOTE_WORDS} words"
        else:
            span = locate(quote, article.text, chunk.start, chunk.end)
        if span is None:
            return f"quote for [{number}] is not in passage [{number}]"
        for s, e in instruction_spans(article.text[chunk.start : chunk.end]):
            if span[0] < chunk.start + e and chunk.start + s < span[1]:
                return f"quote for [{number}] is instruction-like text in the article"
        return Evidence(number, article, span[0], span[1], passage.score)


def _sentence_around(evidence: Evidence) -> str:
    """The whole sentence(s) a quote sits in: negation may sit just outside a short quote."""
    text = evidence.article.text
    spans = [(s, e) for s, e in split_sentences(text) if s < evidence.end and evidence.start < e]
    if not spans:
        return text[evidence.start : evidence.end]
    return text[spans[0][0] : spans[-1][1]]


def _best_sentence(claim: str, text: str, start: int, end: int) -> tuple[int, int]:
    """With quotes not required: the passage sentence sharing most words with the claim."""
    terms = stems_of(claim) - _META
    spans = [
        (max(s, start), min(e, end)) for s, e in split_sentences(text) if s < end and start < e
    ]
    return max(
        spans, key=lambda se: len(terms & stems_of(text[se[0] : se[1]])), default=(start, end)
    )
