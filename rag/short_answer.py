"""The short answer inside a quoted sentence: the name, number, date or place that answers a
who / what / which / where / when / how-many question, with its exact offsets in the article.

It is only ever a span of a sentence the answer already quotes, of the kind the question asks
for, and not something the question itself says ("Which bank …" is not answered by "bank").
When no span fits, there is no short answer: it is never made up.

Every span of the right kind in the quotes is a candidate; a small learned model
(``rag/models/short_answer.json``, trained by ``bench/train_short_answer.py`` on the quiz's
train weeks) picks among them by where they sit (next to the question's words, the noun of
"which company", the unit of "how many years"), whether other quotes and passages agree,
and how good their sentence is. Below the model's threshold there is no short answer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.text import STOPWORDS, stem, tokens
from rag.answer_model import AnswerModelError, Logistic
from rag.person_names import looks_like_person
from rag.places import listed
from rag.question import COUNT_NOUNS, ROLE_NOUNS, Question
from rag.schema import Citation, ShortAnswer
from rag.sentence_features import DATE, MONTHS
from rag.time_window import month_number

MODEL_PATH = Path(__file__).parent / "models" / "short_answer.json"
KINDS = ("count", "date", "name", "place")
SHORT_FEATURES: tuple[str, ...] = (
    "sentence_p",  # the answer model's probability for the quoted sentence
    "citation_rank",  # 0 for the best-scored quote
    "first_in_sentence",  # the first candidate of its kind in the sentence
    "position",  # where in the sentence it starts (0..1)
    "agree_quotes",  # other quotes holding the same text
    "agree_passages",  # log(1 + times the retrieved passages hold it)
    "partly_asked",  # share of its words the question has ("President Biden" for "Biden")
    "near_question",  # 1 / (1 + words to the nearest question word in the sentence)
    "head_near",  # the noun of "which company" / unit of "how many years" in or beside it
    "place_before",  # "in", "at", "from" before it
    "words",  # its length in words
    "sentence_initial",
    "year_only",  # a bare year ("2022"): a date, rarely a count
    "in_title",  # the article's title holds it
    "generic_what",  # "what is ..." rather than "which company": a name is less likely
    "unit_how_long",  # "20 years" for "how long" (the unit is part of the answer) ...
    "unit_otherwise",  # ... but not for "how many years" ("9")
    "part",  # a name inside a longer name ("Tucker Carlson" of "Fox News' Tucker Carlson")
    "listed",  # "which state" / "which country": a state or country name (rag/places.py) ...
    "unlisted",  # ... or not ("November", "Africa")
    "person_for_who",  # a person's name ("Simone Biles": rag/person_names.py), asked for one
    "person_otherwise",  # ... where a company, team or place is asked for
    *(f"kind_{kind}" for kind in KINDS),
)
_PARTLY_ASKED = SHORT_FEATURES.index("partly_asked")

_MODIFIERS = r"about|around|nearly|almost|over|more than|at least|up to|some|roughly"
_MODIFIER = re.compile(rf"({_MODIFIERS})\s+", re.IGNORECASE)
_COUNT = re.compile(
    rf"(?:(?:{_MODIFIERS})\s+)?"
    r"(?:[$£€]\s?)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|per cent|million|billion|trillion|"
    r"thousand|hundred))?(?!\w)|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|dozens?)\b"
    r"(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million))*",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    rf"\b(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:,?\s+(?:19|20)\d\d)?|\d{{1,2}}\s+(?:{MONTHS})"
    rf"(?:\s+(?:19|20)\d\d)?|(?:{MONTHS})\s+(?:19|20)\d\d|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# A name: capitalized words, joined by "of", "of the", "de", "the", "&" inside (Bank of
# America, State of the Union: "State" alone is no name).
_NAME = re.compile(
    r"\b[A-Z][\w’'.-]*(?:\s+(?:(?:of(?:\s+the)?|de|del|da|van|von|the|and|&)\s+)?"
    r"[A-Z0-9][\w’'.-]*)*"
)
_LEADING = {"The", "A", "An", "In", "On", "At", "But", "And", "He", "She", "It", "They", "We",
            "I", "This", "That", "His", "Her", "Their", "Its", "After", "When", "While", "As",
            "Mr", "Mrs", "Ms", "Dr", "According", "If", "For", "Last", "Next", "So", "Since",
            "Until", "With", "Without", "During", "Before", "Despite", "Although", "Because",
            "From", "By", "Under", "Like", "Once", "Now", "Then", "Meanwhile", "Today"}  # fmt: skip
_PLACE_BEFORE = re.compile(r"\b(in|at|near|from|to|into|outside)\s+(the\s+)?$", re.IGNORECASE)
_WHAT_WHICH = re.compile(r"^\s*(what|which)\b", re.IGNORECASE)
_UNIT = re.compile(
    r"[\s-]+(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?)\b", re.I
)
_COUNT_QUESTION = re.compile(r"\bhow\s+(many|much)\b", re.IGNORECASE)
# A weekday or month alone is when something happened, never the name or place asked for.
_WEEKDAY = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_CALENDAR_WORD = re.compile(
    rf"{_WEEKDAY}|January|February|March|April|May|June|July|August|September|October|"
    r"November|December"
)
_MONTH = re.compile(rf"\b(?:{MONTHS})\b\.?", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_DAY = re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{MONTHS})\b", re.IGNORECASE)
# A question about what is still to come: its date is not one before the article's
_FUTURE = re.compile(
    r"\b(?:will|(?:is|are) (?:set|scheduled|expected|due|slated) to|next|upcoming)\b", re.I
)
# A short title in quotes, capitalized, not a sentence: “Top Gun: Maverick”, "Stranger Things"
_QUOTED_TITLE = re.compile(r"[“\"]([A-Z0-9][^“”\".!?,;]{0,60}?(?<!\s))[”\"]")
# The word a place may describe, one capitalized word on: "US official", "US House Speaker"
_ROLE_AFTER = re.compile(r"\s+(?:[A-Z][\w.’'-]*\s+)?([A-Za-z]+)")
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|its|his|her|their|our)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """``text`` is exactly the article text at [start, end) (offsets into the article)."""

    text: str
    start: int
    end: int


def kind_of(question: Question) -> str | None:
    """What a short answer to this question would be: count, date or name; None when the
    question wants an explanation or a quote."""
    if question.is_say or question.intent != "fact" or question.answer_type == "reason":
        return None
    if question.answer_type == "count":
        wanted = _COUNT_QUESTION.search(question.text) or question.head in ("long", "old")
        return "count" if wanted else None
    if question.answer_type in ("entity", "any") and question.head in COUNT_NOUNS:
        return "count"  # "what percentage …", "what is the minimum age …"
    if question.answer_type == "date":
        return "date"
    if question.answer_type == "place":
        return "place"
    if question.answer_type in ("person", "entity"):
        return "name"
    if _WHAT_WHICH.search(question.text):
        return "name"
    return None


def candidate_spans(question: Question, sentence: str, offset: int) -> list[Span]:
    """Every span of ``sentence`` (which starts at ``offset`` in its article) of the kind the
    question asks for, minus those made only of the question's own words."""
    kind = kind_of(question)
    if kind is None:
        return []
    asked = {stem(w) for w in tokens(question.text)}
    spans = []
    found = _matches(kind, sentence)
    if kind == "date" and question.head == "month":  # "which month": "July" of "July 26" ...
        found = [m.span() for m in _MONTH.finditer(sentence) if m.group()[:1].isupper()] + found
        found = [(s, e) for s, e in found if _MONTH.search(sentence, s, e)]  # ... never "2022"
    elif kind == "date" and question.head == "year":  # "in what year": "2007", not "July 26"
        found = [(s, e) for s, e in found if _YEAR.fullmatch(sentence, s, e)]
    elif kind == "date" and question.head == "date":  # "on what date": "6 May 2023", not "2023"
        found = [(s, e) for s, e in found if _DAY.search(sentence, s, e)]
    head = stem(question.head) if question.head else None
    for start, end in found:
        text = sentence[start:end].strip(" ,.;:")
        if kind in ("name", "place") and _CALENDAR_WORD.fullmatch(text):
            continue
        start += sentence[start:end].find(text)
        end = start + len(text)
        if _INITIALS.search(text) and sentence[end : end + 1] == ".":
            end, text = end + 1, f"{text}."  # "U.S.", not "U.S"
        if (kind == "place" or question.answer_type == "person") and _before_role(sentence, end):
            continue  # "a US official", "Fox News host Tucker Carlson": whose, not where or who
        words = [w for w in tokens(text) if w.lower() not in STOPWORDS]
        if not words or all(stem(w) in asked for w in words):
            continue
        if kind == "count":  # "Around how many …": "33,000", not "Around 33,000"
            said = _MODIFIER.match(text)
            if said and {stem(w) for w in said.group(1).split()} <= asked:
                start, text = start + said.end(), text[said.end() :]
        spans.append(Span(text, offset + start, offset + end))
        if kind in ("name", "place"):
            unasked = _without_asked_tail(text, asked, head)
            if unasked:  # "New York City Labor Day Parade" asked "which city held the first parade"
                spans.append(Span(unasked, offset + start, offset + start + len(unasked)))
    return list(dict.fromkeys(spans))


def _before_role(sentence: str, end: int) -> bool:
    """Is the name ending at ``end`` followed by a role noun ("US officials", "US House
    Speaker")? Then it says whose role it is."""
    role = _ROLE_AFTER.match(sentence, end)
    word = role.group(1).lower() if role else ""
    return word in ROLE_NOUNS or word.removesuffix("s") in ROLE_NOUNS


def _without_asked_tail(name: str, asked: set[str], head: str | None) -> str | None:
    """The name without the words at its end that the question says, other than the noun
    it asks for ("Silicon Valley Bank" stays whole for "which bank"); None when nothing is
    cut or too little is left."""
    words = name.split()
    cut = len(words)
    while cut > 1 and stem(words[cut - 1].strip(",.")) in asked - {head}:
        cut -= 1
    # one word left is rather a modifier: "Summer" of "Summer Games" for "which games …"
    if cut == len(words) or cut < 2 or words[cut - 1].lower() in STOPWORDS:
        return None
    return " ".join(words[:cut])


def find_span(question: Question, sentence: str, offset: int) -> Span | None:
    """The first candidate span of one sentence (None when there is none): what the short
    answer is when no model can be loaded."""
    spans = candidate_spans(question, sentence, offset)
    return spans[0] if spans else None


def _matches(kind: str, sentence: str) -> list[tuple[int, int]]:
    """Spans of the kind, in sentence order; each name is followed by the shorter names
    inside it (the owner and the owned of "Mexico's President", the person of "Florida Gov.
    Ron DeSantis"), and each full date by its year: the model chooses among them."""
    if kind == "date":
        spans = []
        for m in _FULL_DATE.finditer(sentence):
            if m.group().isdigit() and _DETERMINER_BEFORE.search(sentence, 0, m.start()):
                continue  # "the 2022 World Cup final": part of a name, not when
            spans.append(m.span())
            year = re.search(r"(19|20)\d\d$", m.group())
            if year and year.start() > 0:
                spans.append((m.start() + year.start(), m.end()))
        return spans
    if kind == "count":  # each number, then with its unit of time ("20 years")
        dates = [m.span() for m in DATE.finditer(sentence)]
        spans = []
        for m in _COUNT.finditer(sentence):
            if any(s <= m.start() < e for s, e in dates):
                continue
            spans.append(m.span())
            unit = _UNIT.match(sentence, m.end())
            if unit:
                spans.append((m.start(), unit.end()))
        return spans
    spans = []
    for m in _NAME.finditer(sentence):
        start, end = _without_leading(sentence, *m.span())
        if start == end:
            continue
        if sentence[start:end].endswith(("'s", "’s", "s'", "s’")):
            end -= 2 if sentence[end - 2] in "'’" else 1
        spans.append((start, end))
        spans.extend(_parts(sentence, start, end))
    if kind == "name":  # a title in quotes is one name: “Top Gun: Maverick”, not two
        spans.extend(m.span(1) for m in _QUOTED_TITLE.finditer(sentence))
        spans.sort(key=lambda span: (span[0], -span[1]))
    if kind == "place":  # "at Jamarat Bridge" before "Islam's most holy site"
        spans.sort(key=lambda span: not _PLACE_BEFORE.search(sentence[: span[0]]))
    return list(dict.fromkeys(spans))


def _without_leading(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The name without the capitalized words before it that are not part of it: "The Bank
    of England" -> "Bank of England", "On Tuesday Southwest" -> "Southwest"; (end, end)
    when nothing is left."""
    while (first := sentence[start:end].split()[0]) in _LEADING or re.fullmatch(_WEEKDAY, first):
        rest = sentence[start + len(first) : end].lstrip()
        if not rest[:1].isupper():
            return end, end
        start = end - len(rest)
    return start, end


# Where a run of capitalized words holds several names: a possessive ("Fox News' Tucker
# Carlson"), "and", a title before a person, a weekday or month before a name.
_INNER_BREAK = re.compile(r"['’]s?\s+|\s+and\s+")
_OF_THE = re.compile(r"\s+of\s+the\s+")  # "Queen of the United Kingdom": the owner is a name
_TITLES = re.compile(
    r"^(?:[\w.]+\s+)*?(?:President|Vice President|Gov\.|Governor|Sen\.|Senator|Rep\.|Mayor|"
    r"Secretary|Minister|Prime Minister|Chancellor|King|Queen|Prince|Princess|Dr\.|Judge|"
    r"Justice|Leader|Speaker|CEO|Chief|Director|Coach|General|Gen\.|Pope|Sheikh|Ambassador|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
    r"June|July|August|September|October|November|December|Images)\s+(?=[A-Z])"
)


def _parts(sentence: str, start: int, end: int) -> list[tuple[int, int]]:
    """Shorter names inside the name at [start, end)."""
    text = sentence[start:end]
    parts = []
    at = 0
    for brk in _INNER_BREAK.finditer(text):
        if brk.start() > at:
            parts.append((start + at, start + brk.start()))
        at = brk.end()
    if parts and at < len(text):
        parts.append((start + at, end))
    owner = _OF_THE.search(text)
    if owner:
        parts.append((start + owner.end(), end))
    for s, e in [(start, end), *parts]:
        title = _TITLES.match(sentence[s:e])
        if title:
            parts.append((s + title.end(), e))
    return [(s, e) for s, e in parts if sentence[s:e][:1].isupper() and (s, e) != (start, end)]


@dataclass(frozen=True)
class SpanCandidate:
    span: Span
    n: int  # the citation it is quoted in
    row: list[float]  # its SHORT_FEATURES


def candidates(
    question: Question, citations: Sequence[Citation], passages: Sequence[str] = ()
) -> list[SpanCandidate]:
    """Every candidate span in the quotes, with the features the short-answer model reads."""
    kind = kind_of(question)
    if kind is None:
        return []
    asked = frozenset(question.terms)
    # "which government agency": a span beside any of the phrase's words ("Department of
    # Government Efficiency") is next to what is asked for, not only beside its head
    heads = {stem(w) for w in question.head_phrase if w not in STOPWORDS}
    heads |= {stem(question.head)} if question.head else set()
    context = " ".join(passages).lower()
    quotes = [c.quote.lower() for c in citations]
    ranked = sorted(citations, key=lambda c: (-c.score, c.n))
    found = []
    for rank, citation in enumerate(ranked):
        sentence = citation.quote
        words = [(m.start(), stem(m.group())) for m in re.finditer(r"[\w’'.-]+", sentence)]
        asked_at = [i for i, (_, w) in enumerate(words) if w in asked]
        spans = candidate_spans(question, sentence, citation.start)
        if kind == "date" and _FUTURE.search(question.text):
            spans = [s for s in spans if not _before_publication(s.text, citation.published)]
        outer = [(o.start, o.end) for o in spans]
        for number, span in enumerate(spans):
            local = span.start - citation.start
            inside = [i for i, (at, _) in enumerate(words) if local <= at < local + len(span.text)]
            first = inside[0] if inside else 0
            last = inside[-1] if inside else 0
            distance = min((abs(i - first) for i in asked_at if i not in inside), default=50)
            beside = {w for i, (_, w) in enumerate(words) if first - 3 <= i <= last + 3}
            own = [stem(w) for w in tokens(span.text) if w.lower() not in STOPWORDS]
            text = span.text.lower()
            has_unit = bool(kind == "count" and _UNIT.search(span.text))
            key = (span.start, span.end)
            on_list = listed(question.head, span.text)
            person = looks_like_person(span.text)
            row = [
                citation.score,
                float(rank),
                float(number == 0),
                local / max(len(sentence), 1),
                float(sum(text in q for q in quotes) - 1),
                math.log1p(context.count(text)),
                sum(w in asked for w in own) / max(len(own), 1),
                1.0 / (1.0 + distance),
                float(bool(heads & beside)),
                float(bool(_PLACE_BEFORE.search(sentence[:local]))),
                float(len(own)),
                float(local == 0),
                float(bool(re.fullmatch(r"(19|20)\d\d", span.text))),
                float(text in citation.title.lower()),
                float(question.answer_type == "any"),
                float(has_unit and question.head == "long"),
                float(has_unit and question.head != "long"),
                float(any(o[0] <= span.start and span.end <= o[1] for o in outer if o != key)),
                float(on_list is True),
                float(on_list is False),
                float(person and question.answer_type == "person"),
                float(person and question.answer_type != "person"),
                *(float(kind == k) for k in KINDS),
            ]
            found.append(SpanCandidate(span, citation.n, row))
    return found


def _before_publication(when: str, published: str | None) -> bool:
    """Is the date ``when`` ("2 June 1953", "May 2022", "2021") before the month its article
    was published in? Then it is not when something still to come happens."""
    year = _YEAR.search(when)
    if not year or not published or not published[:4].isdigit():
        return False
    month = _MONTH.search(when)
    if month is None or len(published) < 7:
        return int(year.group()) < int(published[:4])
    return (int(year.group()), month_number(month.group())) < (
        int(published[:4]),
        int(published[5:7]),
    )


# One or two capitalized words before a name, not an acronym ("AP", a dateline's "DETROIT")
# nor a joiner ("One of Trump")
_FIRST_NAMES = re.compile(r"[A-Z][a-z][\w’'.-]*(?: [A-Z][a-z][\w’'.-]*)?")
_INITIALS = re.compile(r"(?:\b[A-Z]\.)+[A-Z]$")


def _in_full(chosen: SpanCandidate, found: list[SpanCandidate]) -> SpanCandidate:
    """A name as the quotes give it in full: "Tucker Carlson" where the best-scored span is
    "Carlson" and another quote says "Fox News' Tucker Carlson". Only first names (or a
    city's "Detroit" of "Detroit Lions") are added, never a title ("President Biden") or
    another name ("Fox News' …"), and only from a span the question does not say. Not for
    places: "Washington" is no short "George Washington"."""
    text = chosen.span.text
    if not text[:1].isupper() or any(ch.isdigit() for ch in text):
        return chosen
    fuller = [
        c
        for c in found
        if c.span.text.endswith(f" {text}")
        and _FIRST_NAMES.fullmatch(c.span.text[: -len(text) - 1])
        and not _TITLES.match(c.span.text)
        and not _INNER_BREAK.search(c.span.text)
        and c.row[_PARTLY_ASKED] == 0.0
    ]
    return max(fuller, key=lambda c: len(c.span.text), default=chosen)


@dataclass(frozen=True)
class ShortAnswerModel:
    scorer: Logistic
    threshold: float  # give a short answer only when the best candidate's p reaches this
    info: dict[str, object]

    def to_dict(self) -> dict[str, object]:
        return {
            "version": 1,
            "scorer": self.scorer.to_dict(),
            "threshold": self.threshold,
            "info": self.info,
        }


@lru_cache(maxsize=4)
def load_short_model(path: Path = MODEL_PATH) -> ShortAnswerModel:
    """The shipped model (cached); raises AnswerModelError naming the file and the reason."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != 1:
            raise AnswerModelError(f"{path}: not a version 1 short-answer model")
        scorer = Logistic.from_dict(data["scorer"], SHORT_FEATURES, f"{path} scorer")
        return ShortAnswerModel(scorer, float(data["threshold"]), dict(data.get("info", {})))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, AnswerModelError):
            raise
        raise AnswerModelError(f"{path}: cannot read the short-answer model ({error})") from error


def short_answer_for(
    question: Question,
    citations: Sequence[Citation],
    passages: Sequence[str] = (),
    model: ShortAnswerModel | None = None,
) -> tuple[ShortAnswer | None, str | None]:
    """The short answer from the quotes and the answer text's lead ("**Credit Suisse.** "),
    or (None, None) when no quote holds a span the model trusts."""
    found = candidates(question, citations, passages)
    if not found:
        return None, None
    model = model or load_short_model()
    scores = model.scorer.predict(np.array([c.row for c in found]))
    best = int(np.argmax(scores))
    if scores[best] < model.threshold:
        return None, None
    chosen = found[best] if kind_of(question) == "place" else _in_full(found[best], found)
    span = chosen.span
    short = ShortAnswer(text=span.text, n=chosen.n, start=span.start, end=span.end)
    return short, f"**{span.text}.** "
