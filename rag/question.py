"""What a question asks for: its key words, the answer type it expects, for "what did X
say about Y" questions the speaker and the topic, and whether it wants one fact, a summary
of the coverage ("Summarize coverage of X", "What happened with X") or a comparison ("Meta
vs Twitter layoffs")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from index.text import stem
from index.text import words as content_words

AnswerType = Literal["person", "date", "count", "place", "entity", "reason", "any"]
Intent = Literal["fact", "summary", "compare", "define"]

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


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# The wh-word that asks, anywhere in the asking clause: quiz and newsroom questions often
# put it late ("A volcano erupted on which Japanese island on Sunday?").
_WH = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.I)
_COUNT_WORDS = _set("many much often long old far large big tall")
_AUXILIARIES = _set(
    "is was are were be been do does did has have had will would can could should may might "
    "must shall it they he she we you i this that there these those"
)
_DATE_NOUNS = _set("year date day month time decade century season weekday")
_PLACE_NOUNS = _set(
    "city country nation state town place island park region county province continent "
    "capital village location area neighborhood neighbourhood territory border"
)
_PERSON_NOUNS = _set(
    "person man woman people star player actor actress singer rapper artist musician athlete "
    "author writer director executive ceo founder politician senator governor lawmaker "
    "candidate president leader minister judge host anchor journalist coach billionaire "
    "celebrity comedian official member quarterback pitcher golfer driver monarch king queen "
    "prince princess chancellor premier mayor pope successor mother father wife husband son "
    "daughter brother sister"
)
# What a person is called by before the name ("strongman leader Xi Jinping", "House Speaker
# Kevin McCarthy"): says who they are.
ROLE_NOUNS = _PERSON_NOUNS | _set("speaker secretary chairman chairwoman spokesperson")
_NOUN_KINDS: tuple[tuple[AnswerType, frozenset[str]], ...] = (
    ("date", _DATE_NOUNS),
    ("place", _PLACE_NOUNS),
    ("person", _PERSON_NOUNS),
)
# Nouns between "which" and its head that say nothing of the kind ("which of these shows").
_SKIPPED = _set("of these the following those new former popular famous")


# "What was the name of X", "what is the title of X": asks for a name, as "which X" does
_NAME_OF = re.compile(r"\s+(?:is|was|are|were)\s+the\s+(?:name|title)s?\s+of\s+", re.I)


# A sentence ends at ". ", "? ", "! " before a capital, but not after an initial ("Mario J.
# Lucero", "the U.S. Senate") or a title ("Dr. Fauci").
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])(?<![A-Z]\.)(?<!\b(?:Mr|Ms|Dr|St|Jr|Sr)\.)(?<!\bMrs\.)\s+(?=[A-Z“\"])"
)


def asking_clause(text: str) -> str:
    """The last sentence with a wh-word: "Ramesh Balwani was convicted. Which company was he
    a top executive for?" asks in its second sentence."""
    clauses = [c for c in _SENTENCE_BREAK.split(text) if _WH.search(c)]
    return clauses[-1] if clauses else text


def _wh_match(clause: str) -> re.Match[str] | None:
    """The asking wh-word: the last one not opening a relative clause (", which Pentagon
    officials said ..."), else the first."""
    found = list(_WH.finditer(clause))
    asking = [m for m in found if m.start() == 0 or not clause[: m.start()].rstrip().endswith(",")]
    return asking[-1] if asking else (found[0] if found else None)


def answer_type_of(text: str) -> tuple[AnswerType, str | None]:
    """The kind of answer asked for, and the wh-phrase's own word: the noun of "which
    company" (``head``, what the answer is an instance of) or the "long" of "how long"."""
    clause = asking_clause(text)
    match = _wh_match(clause)
    if match is None:
        return "any", None
    wh = match.group(1).lower()
    after = re.findall(r"[\w’'-]+", clause[match.end() :].lower())[:4]
    if wh == "how":
        if after[:1] in (["many"], ["much"]) and len(after) > 1 and after[1] not in _AUXILIARIES:
            return "count", after[1]  # "how many years": the unit is the head
        if after and after[0] in _COUNT_WORDS:
            return "count", after[0]
        return "any", None
    if wh == "when":
        return "date", None
    if wh in ("who", "whom", "whose"):
        return "person", None
    if wh == "where":
        return "place", None
    if wh == "why":
        return "reason", None
    named = _NAME_OF.match(clause, match.end())
    if named:  # "what was the name of the space shuttle …": asks for a shuttle's name
        after = re.findall(r"[\w’'-]+", clause[named.end() :].lower())[:6]
        owner = [i for i, w in enumerate(after) if w.endswith(("’s", "'s"))]
        after = after[owner[0] + 1 :] if owner else after  # "of JD Vance's new book": a book
        after = [w for w in after if w not in ("his", "her", "its", "their")][:4]
    elif wh == "what" and (not after or after[0] in _AUXILIARIES):
        return "any", None  # "what did the report find": an explanation or a quote
    nouns = [w for w in after if w not in _SKIPPED][:3]
    for position, noun in enumerate(nouns):
        if noun.endswith(("’s", "'s")):  # "which country’s leader" asks for the country
            nouns = [*nouns[:position], noun[:-2]]
            break
    for noun in nouns:
        if noun in _AUXILIARIES:
            break
        for kind, group in _NOUN_KINDS:
            if noun in group or noun.rstrip("s") in group:  # "which states"
                return kind, noun
    head = next((n for n in nouns if n not in _AUXILIARIES), None)
    return ("entity", head) if head else ("any", None)


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
    head: str | None = None  # the noun of "which company", the "long" of "how long"
    speaker: str | None = None
    speaker_terms: list[str] = field(default_factory=list)
    topic_terms: list[str] = field(default_factory=list)
    intent: Intent = "fact"
    compared: tuple[str, ...] = ()  # the two sides of a comparison ("Meta", "Twitter")
    subject: str | None = None  # the name a "who is" / "what is" question asks about

    @property
    def is_say(self) -> bool:
        return self.speaker is not None


_SUMMARY = re.compile(
    r"^(?:please\s+)?(?:summari[sz]e|give\s+(?:me\s+)?(?:a\s+|an\s+)?(?:summary|overview|rundown)|"
    r"(?:a\s+)?(?:summary|overview|rundown)\s+of|what\s+(?:happened|is\s+happening|has\s+"
    r"happened)\b|what(?:'s|’s|\s+is)\s+(?:the\s+)?(?:latest|news)\s+(?:on|about|with|in)|"
    r"(?:the\s+)?latest\s+(?:news\s+)?(?:on|about)|tell\s+me\s+about|catch\s+me\s+up\s+on|"
    r"news\s+(?:about|on)|what(?:'s|’s|\s+is|\s+are)\s+(?:in\s+)?(?:the\s+)?(?:today(?:'s|’s)\s+)?"
    r"(?:(?:top|main|big|biggest|latest)\s+)?(?:news|stories|headlines)(?=[\s?.!]*$|\s+(?:about|on|"
    r"from|in|of|for|this|last|today|yesterday)\b)|(?:the\s+)?(?:top|main|biggest|latest)\s+"
    r"(?:news|stories|headlines)[\s?.!]*$)",
    re.IGNORECASE,
)
# The words that ask for a summary, not what it is about.
_SUMMARY_WORDS = _set(
    "summarize summarise summary coverage overview rundown happened happening latest news "
    "tell catch give please"
)
# "Who is Rishi Sunak?", "What is OPEC?": a name alone asks who or what it is. "Who is the
# CEO of Twitter?" is not one (its lower-case "of" ends the name): it asks for a name.
_DEFINE = re.compile(
    r"^(?i:who|what)\s+(?i:is|was|are|were)\s+(?:(?i:the)\s+)?"
    r"(?P<name>[A-Z][\w’'&.-]*(?:\s+[A-Z0-9][\w’'&.-]*){0,4})$"
)
_COMPARE = re.compile(
    r"\s(?:vs\.?|versus)\s|^(?:compare|contrast)\s|\bdifference\s+between\s", re.IGNORECASE
)
_NAME_RUN = re.compile(r"[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*)*")


def _compared(text: str) -> tuple[str, ...]:
    """The two sides of "Meta vs Twitter layoffs", "Compare the layoffs at Meta and
    Twitter": the name nearest the joining word on each side (a word, if no name)."""
    body = re.sub(
        r"^(?:compare|contrast)\s+|^(?:what\s+is\s+)?the\s+difference\s+between\s+",
        "",
        text,
        flags=re.IGNORECASE,
    )
    sides = re.split(r"\s+(?:vs\.?|versus|and|with|to)\s+", body, maxsplit=1, flags=re.I)
    if len(sides) != 2:
        return ()
    before, after = (s.strip() for s in sides)
    first = _NAME_RUN.findall(before)
    second = _NAME_RUN.findall(after)
    one = first[-1] if first else (before.split() or [""])[-1]
    two = second[0] if second else (after.split() or [""])[0]
    return (one, two) if one and two and one.lower() != two.lower() else ()


def search_text(text: str) -> str:
    """What to search for: a summary request without its asking words ("Summarize coverage
    of the Hajj stampede" -> "the Hajj stampede"), so they do not pull in articles about
    coverage or summaries; any other question as asked."""
    match = _SUMMARY.search(text.strip())
    if not match:
        return text
    rest = re.sub(
        r"^(?:(?:the\s+)?(?:news\s+)?coverage\s+)?(?:of|on|about|with|to|in|at)\s+",
        "",
        text.strip()[match.end() :].strip(),
        flags=re.I,
    )
    return rest if re.search(r"\w", rest) else text


def analyze(text: str) -> Question:
    clean = " ".join(text.strip().rstrip("?!. ").split())
    compared = _compared(clean) if _COMPARE.search(clean) else ()
    intent: Intent = "compare" if compared else "summary" if _SUMMARY.search(clean) else "fact"
    if intent != "fact":  # many facts, not one of a kind; the asking words are no topic
        words = [w for w in dict.fromkeys(content_words(clean)) if w not in _SUMMARY_WORDS]
        words = [w for w in words if w not in ("compare", "contrast", "difference", "versus", "vs")]
        terms = [stem(w) for w in words]
        return Question(clean, words, terms, "any", intent=intent, compared=compared)
    define = _DEFINE.match(clean)
    if define:
        name = define.group("name")
        words = list(dict.fromkeys(content_words(name)))
        return Question(clean, words, [stem(w) for w in words], intent="define", subject=name)
    answer_type, head = answer_type_of(clean)
    asking = head if answer_type == "count" and head in _UNSAID else ""
    words = [w for w in dict.fromkeys(content_words(clean)) if w != asking]
    terms = [stem(w) for w in words]
    for pattern in _SAY_PATTERNS:
        match = pattern.match(clean)
        if match and pattern is _SAY_PATTERNS[-1] and _WH.search(match.group("topic")):
            break  # "According to Amtrak, how many people ...?" asks for a number, not a view
        if match and content_words(match.group("speaker")):
            speaker = re.sub(r"^(the|a|an)\s+", "", match.group("speaker"), flags=re.I)
            speaker_terms = [stem(w) for w in content_words(speaker)]
            topic_terms = [stem(w) for w in content_words(match.group("topic"))]
            return Question(
                clean,
                words,
                terms,
                speaker=speaker,
                speaker_terms=speaker_terms,
                topic_terms=[t for t in topic_terms if t not in speaker_terms],
            )
    return Question(clean, words, terms, answer_type, head)
