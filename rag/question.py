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
_AUXILIARY_VERBS = (
    "is was are were be been do does did has have had will would can could should may might "
    "must shall"
)
_AUXILIARIES = _set(f"{_AUXILIARY_VERBS} it they he she we you i this that there these those")
_DATE_NOUNS = _set("year date day month time decade century season weekday deadline")
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
    "daughter brother sister child children girl boy"
)
# What a person is called by before the name ("strongman leader Xi Jinping", "House Speaker
# Kevin McCarthy"): says who they are.
ROLE_NOUNS = _PERSON_NOUNS | _set("speaker secretary chairman chairwoman spokesperson")
# Nouns that ask for a number: "what percentage …", "which price …", "the minimum age"
COUNT_NOUNS = _set(
    "percentage percent share number amount price cost fee fine sum total salary age value "
    "rate toll"
)
_NOUN_KINDS: tuple[tuple[AnswerType, frozenset[str]], ...] = (
    ("date", _DATE_NOUNS),
    ("place", _PLACE_NOUNS),
    ("person", _PERSON_NOUNS),
)
# Nouns between "which" and its head that say nothing of the kind ("which of these shows").
_SKIPPED = _set("of these the following those new former popular famous")
# Words that end the wh-word's noun group ("which island on Sunday", "what storm battered the").
_GROUP_ENDS = _set(
    "the a an of in on at to for from with by about after before during into over since "
    "under as than and or but not its his her their our your my more most all which who whom "
    "whose where when"
)


# "What was the name of X", "what is the title of X": asks for a name, as "which X" does
_NAME_OF = re.compile(r"\s+(?:is|was|are|were)\s+the\s+(?:name|title)s?\s+of\s+", re.I)
# "What is the volcano called?", "what was the policy known as?": a name, as "which X" does
_CALLED = re.compile(
    r"\s+(?:is|was|are|were)\s+(?:the\s+|this\s+)?(?P<what>[^,;?]+?)\s+(?:called|named|known\s+as)"
    r"(?:[\s?.!]*$)",
    re.I,
)
# "What is the minimum age …", "what was the release date …": the noun says the kind, when
# it is one of a kind's nouns; "what is the cause of …" stays open.
_WHAT_IS_THE = re.compile(r"\s+(?:is|was|are|were)\s+the\s+", re.I)
# "When the merger closed, which bank …": an opening "when" / "where" without an auxiliary
# after it starts a clause, and the question comes after its comma.
_SUBORDINATE = re.compile(
    rf"(?i:when|where)\s+(?!(?:{'|'.join(_AUXILIARY_VERBS.split())})\b)[^,?]+,\s*"
    r"(?i:which|what|who|whom|whose|how|where|when)\b"
)
# Wh-words that may still ask after a question opened with another ("How many … and which
# …?"), unlike the relative "who" / "when" of "the dog who bit", "the score when they met".
_ASKING_LATE = _set("which what how")


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
    officials said ...", "the dog who bit ..."), else the first; after an opening "when"
    clause, the first after its comma."""
    found = list(_WH.finditer(clause))
    asking = [m for m in found if m.start() == 0 or not clause[: m.start()].rstrip().endswith(",")]
    if found and found[0].start() == 0 and _SUBORDINATE.match(clause):
        comma = clause.index(",")  # "When the merger closed, which bank …?"
        asking = [m for m in found if m.start() > comma][:1]
    elif found and found[0].start() == 0:  # "What was the score when …", "… dog who bit …"
        asking = [m for m in asking if m.start() == 0 or m.group(1).lower() in _ASKING_LATE]
    return asking[-1] if asking else (found[0] if found else None)


# A quiz clue with no wh-word names what it asks for with "this": "Elon Musk purchased this
# company for $44 billion" asks which company ("this week" is no such noun).
_QUIZ_THIS = re.compile(
    r"\b(this|these)\s+(?!(?:week|weekend|month|year|morning|afternoon|evening|summer|"
    r"winter|spring|fall|autumn|season|time)\b)",
    re.IGNORECASE,
)


def answer_type_of(text: str) -> tuple[AnswerType, str | None, tuple[str, ...]]:
    """The kind of answer asked for, and the wh-phrase's own word: the noun of "which
    company" (``head``, what the answer is an instance of) or the "long" of "how long", and
    the noun group it heads, lower-cased ("government agency", "fox news host")."""
    clause = asking_clause(text)
    match = _wh_match(clause) or _QUIZ_THIS.search(clause)
    if match is None:
        return "any", None, ()
    wh = match.group(1).lower()
    rest = re.split(r"[,;:?!()]", clause[match.end() :], maxsplit=1)[0]  # "which holiday, one"
    after = re.findall(r"[\w’'-]+", rest)[:7]
    lower = [w.lower() for w in after]
    if wh == "how":
        if lower[:1] in (["many"], ["much"]) and len(lower) > 1 and lower[1] not in _AUXILIARIES:
            return "count", lower[1], ()  # "how many years": the unit is the head
        if lower and lower[0] in _COUNT_WORDS:
            return "count", lower[0], ()
        return "any", None, ()
    if wh == "when":
        return "date", None, ()
    if wh in ("who", "whom", "whose"):
        return "person", None, ()
    if wh == "where":
        return "place", None, ()
    if wh == "why":
        return "reason", None, ()
    named = _NAME_OF.match(clause, match.end())
    called = _CALLED.match(clause, match.end()) if wh == "what" else None
    if called:  # "what is the volcano called?": asks for a volcano's name
        after = re.findall(r"[\w’'-]+", called.group("what"))[:6]
    elif named:  # "what was the name of the space shuttle …": asks for a shuttle's name
        after = re.findall(r"[\w’'-]+", clause[named.end() :])[:6]
        owner = [i for i, w in enumerate(after) if w.endswith(("’s", "'s"))]
        after = after[owner[0] + 1 :] if owner else after  # "of JD Vance's new book": a book
        after = [w for w in after if w.lower() not in ("his", "her", "its", "their")][:4]
    elif wh == "what" and (not lower or lower[0] in _AUXILIARIES):
        typed = _WHAT_IS_THE.match(clause, match.end())
        if not typed:
            return "any", None, ()  # "what did the report find": an explanation or a quote
        after = re.findall(r"[\w’'-]+", clause[typed.end() :])[:6]
        kind, head, words = _kind_of_group(_noun_group(after))
        if kind == "entity" and head in COUNT_NOUNS:  # "what is the minimum age": a number
            return "any", head, words  # open to the answer model (as trained), a short count
        if kind == "entity":
            return "any", None, ()  # "what is the cause of …" asks for an explanation
        return kind, head, words
    return _kind_of_group(_noun_group(after))


def _kind_of_group(phrase: list[str]) -> tuple[AnswerType, str | None, tuple[str, ...]]:
    """The answer type its head noun asks for (its last common word: "which NATO country"
    asks for a country), the head, and the group lower-cased."""
    if not phrase:
        return "any", None, ()
    common = [w for w in phrase if not w[:1].isupper()]
    head = (common or phrase)[-1].lower()
    words = tuple(w.lower() for w in phrase)
    for kind, group in _NOUN_KINDS:
        if head in group or head.rstrip("s") in group:  # "which states"
            return kind, head, words
    return "entity", head, words


def _noun_group(after: list[str]) -> list[str]:
    """The noun group after the wh-word, whose last common word is its head: "which Japanese
    island" asks for an island, "which Star Trek character" for a character (not a star),
    "what storm battered the island" for a storm. Capitalized words before a common noun
    modify it ("which NATO country"); the group ends at a verb, auxiliary or preposition."""
    group: list[str] = []
    owned = after[:1] == ["of"]  # "which of X's Y" asks for a Y
    for position, word in enumerate(after):
        low = word.lower()
        following = after[position + 1].lower() if position + 1 < len(after) else None
        common = [w for w in group if not w[:1].isupper()]
        if not common and (low in _SKIPPED or low.endswith("ly")):
            continue  # "which of these shows", "which highly anticipated show"
        if low in _AUXILIARIES or low in _GROUP_ENDS or len(group) == 5:
            break
        if common and _is_verb(low, following):
            break
        if low.endswith(("’s", "'s")):
            if (owned or word[:1].isupper()) and following:  # "which of Trump's children"
                group = []
                continue
            group.append(word[:-2])
            if not common:
                break  # "which country’s leader" asks for the country
            continue  # "which 1990s children’s toy" asks for a toy
        group.append(word)
    return group


# Verbs (and adverbs) that follow a wh-phrase's noun ("which team won", "which country
# now …") and that no suffix gives away.
_IRREGULAR_VERBS = _set(
    "won lost held saw took became got made hit led left met ran sold told went gave came "
    "found said paid put set fell rose broke built beat bought brought chose drew drove flew "
    "grew kept knew let meant sent shot sank spent stood struck threw wore wrote takes makes "
    "holds gets goes comes says wants needs sees keeps gives began caught cut dealt did forgot "
    "froze hung heard hid hurt laid lent quit rang rode sought shook shut sang slid spoke "
    "split spread stole stuck swept swam taught tore thought withdrew woke now also still just "
    "already"
)


def _is_verb(word: str, following: str | None) -> bool:
    """Whether ``word``, after the wh-phrase's noun, is its verb (or an adverb): "won",
    "announced", "carrying", "holds the", "recently". Before the noun, "anticipated" and
    "decorated" are adjectives; the caller only asks once a noun has been seen."""
    if word in _IRREGULAR_VERBS or word.endswith(("ly", "ed", "ing")):
        return True
    if word.endswith("s") and not word.endswith("ss"):  # "holds the", not "key programs"
        return following in _GROUP_ENDS or following in _SKIPPED or following in ("this", "these")
    return False


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
    head_phrase: tuple[str, ...] = ()  # the noun group it heads ("government agency")
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
    answer_type, head, phrase = answer_type_of(clean)
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
    return Question(clean, words, terms, answer_type, head, phrase)
