"""Follow-up questions read with the conversation before them.

Retrieval and the answerer see one question at a time, so a follow-up that leans on earlier
turns ("how many votes did he get?", "and about the economy?") is rewritten into a
standalone question first. Shared by POST /ask (``Query.history``), the OpenAI-compatible
endpoint, the Slack bot's threads and ``newsrag chat``.

A small rule system, not a model, so that every rewrite can be explained and tested:

- ``Conversation`` keeps the names met so far (from the questions and the answers' text),
  most salient first: the newest turn's question before its answer, except after a "who"
  question, whose answer names the person (or team) the talk is now about. Each name is a
  person, a group (organisations, countries: "it", "they"), a thing (the "the ..." phrase a
  question is about: an "it", never a "he") or not known; a person's gender is known from a
  title ("Mr", "Queen") or from a he/she after the name in an answer.
- A pronoun (he/she/him/her/his, it/its, they/them/their) becomes the name of the newest
  turn that fits it: "she" never a known man, "it" never a person; within a turn a name
  known to be of the right kind first, and a "said" question's speaker before the names its
  answer quoted ("what did he say about Truss?" after a question about Sunak is Sunak's).
- An ellipsis ("and about X?", "what about X?", "how about in 2021?", "and the death
  toll?") reuses the previous question: a say question keeps its speaker and takes X as
  its topic (or, for a person's name, keeps the topic and takes X as the speaker); another
  question swaps its name, its time or its phrase with the same preposition for X, or asks
  for X of the previous question's subject.
- A question needing none of this is returned as it was asked, character for character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from index.text import STOPWORDS
from rag.question import analyze

# What a turn's text is read for names: an answer's first sentences name whom it is about,
# and a bound keeps 20 long turns from costing seconds.
MAX_TEXT = 2000

Kind = Literal["person", "group", "thing"]  # thing: "the stampede", an "it" but no "he"
Gender = Literal["m", "f"]


@dataclass(frozen=True)
class Turn:
    """One earlier turn: the question as asked and the answer's text, if any."""

    question: str
    answer: str | None = None


@dataclass
class Entity:
    """A name met in the conversation; ``kind`` and ``gender`` are None until known."""

    name: str
    kind: Kind | None = None
    gender: Gender | None = None
    plural: bool = False  # "the protesters": a "they", never an "it"
    turn: int = 0  # the last turn that named it: a newer turn's names come first
    answer_only: bool = False  # named by answers only: an "it"/"they" only once known a group


# ---- names in text -------------------------------------------------------------------------

_UPPER = "A-ZÀ-ÖØ-Þ"
_CAP = rf"[{_UPPER}][\w’'.&-]*"
_LINK = r"(?:of|da|de|do|dos|du|van|von|bin|al|del|la|le|der)"
_LINKS = set(_LINK.strip("(?:)").split("|"))
_NAME = re.compile(rf"(?<![\w’'-]){_CAP}(?:\s+(?:{_LINK}\s+)?{_CAP})*")

_MALE_TITLES = {"mr", "mr.", "sir", "king", "prince", "lord", "pope"}
_FEMALE_TITLES = {"mrs", "mrs.", "ms", "ms.", "miss", "dame", "queen", "princess", "lady"}
_TITLES = _MALE_TITLES | _FEMALE_TITLES | {
    "president", "prime", "minister", "chancellor", "senator", "sen.", "rep.", "governor",
    "mayor", "dr", "dr.", "judge", "coach", "ceo", "secretary", "general", "premier",
    "former", "leader", "chief", "justice", "speaker", "foreign", "finance", "defence",
    "defense", "vice", "opposition",
}  # fmt: skip
_GROUP_WORDS = {
    "inc", "inc.", "corp", "corp.", "corporation", "ltd", "llc", "plc", "group", "party",
    "bank", "fund", "council", "commission", "ministry", "department", "agency", "union",
    "association", "federation", "airlines", "airways", "motors", "company", "committee",
    "court", "parliament", "congress", "senate", "government", "police", "army", "navy",
    "fc", "university", "institute", "foundation", "organization", "organisation", "office",
    "board", "authority", "service", "times", "news", "post", "house", "kremlin", "league",
    "club", "team", "network", "reserve", "fed", "nations", "states", "kingdom", "republic",
    "tories", "democrats", "republicans", "labour", "international", "technologies",
    "hurricane", "storm", "typhoon", "cyclone", "earthquake",
}  # fmt: skip
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday",
]  # fmt: skip
_NOT_NAMES = STOPWORDS | set(_MONTHS) | {
    "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "is", "are",
    "was", "were", "did", "does", "do", "has", "have", "had", "will", "would", "can",
    "could", "should", "and", "but", "also", "so", "then", "tell", "give", "summarize",
    "summarise", "i", "we", "you", "okay", "ok", "according", "after", "before", "during",
    "in", "on", "at", "for", "while", "as", "his", "her", "its", "their", "our", "my",
    "yes", "no", "meanwhile", "however", "there", "here", "the", "a", "an", "this", "that",
    "these", "those", "q1", "q2", "q3", "q4",
}  # fmt: skip
_SAY = re.compile(
    r"^\s*(?:,\s*)?(?:has\s+|had\s+|have\s+)?(?:said|says|told|tells|added|warned|wrote|"
    r"argued|stated|announced|claimed)\b",
    re.I,
)
_SAID_BY = re.compile(r"\b(?:said|says|told|added|warned|according\s+to)\s*$", re.I)


@dataclass(frozen=True)
class _Mention:
    entity: Entity
    start: int
    end: int


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start = 0
    for match in re.finditer(r"(?<![.!?])[.!?]+[\"”’')\]]*\s+|\n+", text):
        out.append((start, text[start : match.start()]))
        start = match.end()
    out.append((start, text[start:]))
    return [(s, t) for s, t in out if t.strip()]


def _mentions(text: str, from_answer: bool = False, to_who: bool = False) -> list[_Mention]:
    """The names in ``text``, in order, each with what its context says of it: a title or
    a "said" makes a person, a group word ("Party", "Bank") or an acronym a group.

    In an answer, one capitalised word opening a sentence ("Record rains", "Police") is
    taken for a name only before a "said", or as the first word of the answer to a "who"
    question ("Lula won")."""
    found: list[_Mention] = []
    for offset, sentence in _sentences(text):
        for match in _NAME.finditer(sentence):
            words = match.group().split()
            at_start = not sentence[: match.start()].strip(" \"“‘'([-–—")
            while words and words[0].lower().strip("’'") in _NOT_NAMES:
                words = words[1:]  # "What", "The", "In" open sentences, they name nothing
            if at_start and from_answer and len(words) == 1 and match.group() == words[0]:
                said = _SAY.match(sentence[match.end() :])
                if not said and not (to_who and not found):
                    continue
            if not words:
                continue
            kind: Kind | None = None
            gender: Gender | None = None
            title_words = 0
            for word in words:
                low = word.lower()
                if low not in _TITLES:
                    break
                title_words += 1
                kind = "person"
                gender = "m" if low in _MALE_TITLES else "f" if low in _FEMALE_TITLES else gender
            name_words = words[title_words:]
            if not name_words or name_words[0].lower() in _LINKS:
                # "the CEO of FTX": a title of something, not of a person
                kind, gender, name_words = None, None, name_words[1:]
            name = " ".join(name_words).rstrip(".’'").removesuffix("’s").removesuffix("'s")
            if not name or name.lower() in _NOT_NAMES:
                continue
            lowered = {w.lower().rstrip(".") for w in name_words}
            before = sentence[: match.start()]
            after = sentence[match.end() :]
            the = re.search(r"\bthe\s*$", before, re.I) or (
                match.group().split()[0].lower() == "the"
            )
            if kind is None:
                said = _SAY.match(after)
                if lowered & _GROUP_WORDS or re.fullmatch(r"[A-Z]{2,6}s?", name):
                    kind = "group"
                elif the or (said and re.match(r"\s*(?:it|they)\b", after[said.end() :], re.I)):
                    kind = "group"  # "the Fed", "the Kremlin"; "Meta said it would"
                elif said or _SAID_BY.search(before):
                    kind = "person"  # "Truss said", "said Truss"
            if the and kind == "group":
                name = "the " + name  # "When did the Fed raise rates?", not "did Fed"
            end = offset + match.end()
            start = end - len(" ".join(words))
            found.append(_Mention(Entity(name, kind, gender), start, end))
    return found


def _learn_genders(text: str, mentions: list[_Mention]) -> None:
    """A he or she in an answer is the first name of its sentence before it, else the first
    name of the sentence before: "Rybakina beat Jabeur. She became the first Kazakh
    champion" makes Rybakina a woman (and a person)."""
    sentences = _sentences(text)
    for index, (offset, sentence) in enumerate(sentences):
        for pronoun in re.finditer(r"\b(he|his|him|she|her|hers)\b", sentence, re.I):
            at = offset + pronoun.start()
            here = [m for m in mentions if offset <= m.start < at and m.entity.kind != "group"]
            if not here and index > 0:
                start = sentences[index - 1][0]
                here = [
                    m for m in mentions if start <= m.start < offset and m.entity.kind != "group"
                ]
            if not here or here[0].entity.gender is not None:
                continue
            here[0].entity.kind = "person"
            here[0].entity.gender = "f" if pronoun.group(1).lower() in _FEMININE else "m"


# ---- the subject of a question: "the Hajj stampede", "the protesters" -----------------------

_SUBJECT = re.compile(
    rf"\bthe\s+(?:(?:{_CAP}|[a-z][\w-]*)\s+){{0,3}}?(?:{_CAP}|[a-z][\w-]*)"
    rf"(?:\s+(?:in|of)\s+{_CAP}(?:\s+{_CAP})*)?(?=\s*(?:[?,.]|$|\s+"
    r"(?:start|begin|end|happen|win|lose|say|said|do|did|get|take|kill|cost|hit|cause|"
    r"demand|want|announce|report|face|go|come|make|mean|in|on|at|of|for|after|before|"
    r"during|with|since|over|to|by|and)\b))",
)
_NOT_SUBJECTS = {
    "the", "same", "first", "last", "latest", "most", "number", "death", "quarter", "year",
    "month", "week", "half", "season", "day", "time",
}  # fmt: skip


def _subject(question: str) -> str | None:
    """The noun phrase a question is about: the last "the ..." phrase naming a thing, so
    "and the death toll?" after "How did the Hajj stampede start?" can ask for the death
    toll *of the Hajj stampede*."""
    phrases = [m.group() for m in _SUBJECT.finditer(question)]
    phrases = [p for p in phrases if p.split()[-1].lower() not in _NOT_SUBJECTS]
    return phrases[-1] if phrases else None


# ---- the conversation ------------------------------------------------------------------------

_PRONOUN = re.compile(
    r"\b(he|him|his|himself|she|her|hers|herself|it|its|they|them|their|theirs)\b", re.I
)
# what an event does: "when did it happen?" is the stampede, not the ministry that counted
_EVENT_VERB = re.compile(
    r"\s+(?:happen|occur|take\s+place|start|begin|end|break\s+out|strike|hit)\b", re.I
)
_MASCULINE = {"he", "him", "his", "himself"}
_FEMININE = {"she", "her", "hers", "herself"}
_NEUTER = {"it", "its"}
_POSSESSIVE = {"his", "its", "their", "theirs", "hers"}
_NOT_AFTER_HER = {
    "about", "on", "in", "at", "to", "for", "with", "from", "by", "and", "or", "that", "as",
    "after", "before", "when", "if", "over", "into", "up", "out", "back", "off", "again",
}  # fmt: skip
_SAY_VERB_BEFORE = re.compile(
    r"\b(?:say|said|mean|meant|announce|announced|write|wrote|claim|claimed)\s*$", re.I
)
_LEAD = re.compile(r"^\s*(?:and|but|also|so|then|ok(?:ay)?|now)\b[\s,]*", re.I)
_ELLIPSIS = re.compile(
    r"^\s*(?:(?:and|but|also|so|then|ok(?:ay)?|now)\b[\s,]*)?"
    r"(?:(?:and\s+)?(?:what|how)\s+about\b|what\s+of\b)?[\s,]*"
    r"(?P<rest>.*)$",
    re.I,
)
_CLAUSE_START = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|did|does|do|has|"
    r"have|had|will|would|can|could|should|tell|give|summari[sz]e|list|name|compare)\b",
    re.I,
)
# "Who won the World Cup final?" asks for a team, not a person.
_GROUP_ASKED = re.compile(
    r"\b(?:team|teams|club|side|country|nation|company|firm|party|cup|final|league|"
    r"championship|tournament|series)\b",
    re.I,
)
# What a thing has, not a thing like it: "and the death toll?" asks for the stampede's.
_ATTRIBUTES = {
    "toll", "cost", "costs", "turnout", "result", "results", "score", "cause", "causes",
    "reason", "reasons", "response", "reaction", "number", "price", "prices", "revenue",
    "profit", "profits", "sales", "salary", "age", "population", "budget", "outcome",
    "impact", "damage", "verdict", "sentence", "margin", "share", "shares", "rate", "total",
    "size", "name", "date", "aftermath", "casualties", "injured", "dead", "victims",
    "losses", "earnings", "debt", "value", "winner", "loser", "location", "death",
}  # fmt: skip
_TOPIC_PREPS = {"about", "on", "regarding", "concerning"}
_PREPS = {"in", "at", "for", "during", "after", "before", "with", "since", "by", "from", "to",
          "against", "among", "under", "over"}  # fmt: skip
_TIME = re.compile(
    r"\b(?:(?:in|on|during|since|by|before|after|from|for)\s+)?(?:(?:the\s+)?(?:(?:first|"
    r"second|third|fourth)\s+(?:quarter|half)\s+of\s+)?(?:19|20)\d\d\b|(?:last|this|next)\s+"
    rf"(?:year|month|week|season|quarter|time|{'|'.join(_MONTHS)})\b|yesterday\b|today\b|"
    r"(?:the\s+)?(?:first|second|third|fourth)\s+quarter\b|"
    rf"tomorrow\b|(?:early|late|mid-?)?\s*(?:{'|'.join(_MONTHS)})\b(?:\s+\d{{1,2}})?"
    r"(?:,?\s+(?:19|20)\d\d)?|Q[1-4]\b(?:\s+(?:19|20)\d\d)?)",
    re.I,
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _question_mark(text: str) -> str:
    return text.rstrip(" ?.!") + "?"


@dataclass
class Conversation:
    """The state of one conversation: the names met, most salient first, and the last
    question as it was read. ``resolve`` reads a question against it; ``add`` records a
    turn (its question read first, so a chain of follow-ups keeps its meaning)."""

    entities: list[Entity] = field(default_factory=list)
    last: str | None = None  # the previous question, as it was read
    last_say: str | None = None  # the newest "what did X say about Y" question, as read
    turns: int = 0

    def add(self, question: str, answer: str | None = None) -> str:
        """Record a turn and return its question as it was read."""
        read = self.resolve(question)
        mentions = _mentions(read[:MAX_TEXT])
        asked = analyze(read)
        speaker = asked.speaker
        if asked.is_say and speaker:
            self.last_say = read
        subject = _subject(read)
        if subject:
            # "the Hajj stampede", "the earthquake in Turkey": the names describe what the
            # question is about; that is what an "it" means, not "Hajj" or "Turkey"
            inside = read.find(subject)
            mentions = [
                m for m in mentions if not (inside <= m.start and m.end <= inside + len(subject))
            ]
            if not any(m.entity.name.lower() == subject.lower() for m in mentions):
                plural = bool(re.search(r"[^s]s$", subject.split(" in ")[0].split(" of ")[0]))
                mentions.append(_Mention(Entity(subject, "thing", plural=plural), 0, 0))
        # A speaker outranks the other names of its question: "he" is who was quoted.
        mentions.sort(key=lambda m: 0 if speaker and m.entity.name in speaker else 1)
        said: list[_Mention] = []
        to_who = False
        if answer:
            answer = answer.replace("**", "")  # "**Herrick.** In the interview, ...": a name
            to_who = re.match(r"^\s*(?:and\s+)?who\b", read, re.I) is not None
            answer = answer[:MAX_TEXT]
            said = _mentions(answer, from_answer=True, to_who=to_who)
            for mention in said:
                mention.entity.answer_only = True
            _learn_genders(answer, said)
        for mention in mentions:
            # "What did Sunak say": Sunak is a person, unless the answer says "Meta said it"
            if speaker and mention.entity.name in speaker and mention.entity.kind is None:
                groups = [m for m in said if m.entity.kind == "group"]
                is_group = self._find(mention.entity.name, [m.entity for m in groups])
                mention.entity.kind = "group" if is_group else "person"
        if said and to_who:
            # the answer is the news now: the person asked for, or the team or country
            first = said[0].entity
            first.kind = first.kind or ("group" if _GROUP_ASKED.search(read) else "person")
            mentions, said = said[:1], mentions + said[1:]
        self.turns += 1
        self._remember([m.entity for m in mentions + said])
        self.last = read
        return read

    def _remember(self, newest: Iterable[Entity]) -> None:
        fresh: list[Entity] = []
        seen: set[str] = set()
        for entity in newest:
            if entity.name.lower() in seen:
                continue  # named again in the same turn: nothing new
            seen.add(entity.name.lower())
            known = self._find(entity.name, fresh + self.entities)
            if known is None:
                fresh.append(entity)
                continue
            known.kind = known.kind or entity.kind
            known.answer_only = known.answer_only and entity.answer_only
            known.gender = known.gender or entity.gender
            if len(entity.name) > len(known.name) and known.name in entity.name:
                known.name = entity.name  # "Sunak", then "Rishi Sunak": one person
            if known not in fresh:
                fresh.append(known)
        for entity in fresh:
            entity.turn = self.turns
        self.entities = fresh + [e for e in self.entities if e not in fresh]

    @staticmethod
    def _find(name: str, entities: list[Entity]) -> Entity | None:
        """The known entity a name means: the same name, or its last word ("Truss" for
        "Liz Truss"), or a name it ends with."""
        low = name.lower().removeprefix("the ")
        for entity in entities:
            known = entity.name.lower().removeprefix("the ")
            if known == low:
                return entity
            if not _NAME.fullmatch(name.removeprefix("the ")) or not _NAME.fullmatch(
                entity.name.removeprefix("the ")
            ):
                continue  # "the floods in Pakistan" is not Pakistan
            if known.endswith(" " + low) or low.endswith(" " + known):
                return entity
        return None

    def resolve(self, question: str) -> str:
        """The question made self-contained; unchanged if it already is."""
        if self.last is None:
            return question
        ellipsis = self._ellipsis(question)
        if ellipsis is not None:
            return ellipsis
        return self._pronouns(question)

    # -- pronouns

    def _fits(self, pronoun: str, entity: Entity) -> bool:
        """Whether ``pronoun`` can stand for ``entity``, as far as the state knows it."""
        known = self._find(entity.name, self.entities) or entity
        if pronoun in _MASCULINE or pronoun in _FEMININE:
            gender = "m" if pronoun in _MASCULINE else "f"
            return known.kind in (None, "person") and known.gender in (None, gender)
        if known.kind is None and known.answer_only:
            return False  # "Lula won": no "they"; "Why did Twitter ...?": an "it" or "they"
        if known.kind == "thing" and known.plural == (pronoun in _NEUTER):
            return False  # "the election" is an "it", "the floods" a "they"
        return known.kind != "person" and not (known.plural and pronoun in _NEUTER)

    def _referent(self, pronoun: str, taken: list[Entity], event: bool = False) -> Entity | None:
        """The entity of the newest turn the pronoun fits, one of a known fitting kind first
        (a thing for an "it" that happened, started or hit: an event); none that ``taken``
        holds (what another kind of pronoun of the question means)."""
        fits = [e for e in self.entities if self._fits(pronoun, e) and e not in taken]
        wanted = "person" if pronoun in _MASCULINE | _FEMININE else "thing" if event else "group"
        # the newest turn first; in it, a name known to be of the kind first; then salience
        fits.sort(key=lambda e: (-e.turn, e.kind != wanted))
        return next(iter(fits), None)

    def _pronouns(self, question: str) -> str:
        """Each pronoun that leans on an earlier turn replaced by the name it stands for.
        "it" and "they" are read first, so that in "when did he start it?" the company is
        the "it" and not also the "he"."""
        own = _mentions(question)
        found = [m for m in _PRONOUN.finditer(question) if self._leans(m, question, own)]
        found.sort(key=lambda m: m.group(1).lower() in _MASCULINE | _FEMININE)
        names: dict[int, str] = {}
        taken: dict[bool, list[Entity]] = {True: [], False: []}  # by "is personal"
        for match in found:
            low = match.group(1).lower()
            personal = low in _MASCULINE | _FEMININE
            event = low == "it" and _EVENT_VERB.match(question[match.end() :]) is not None
            entity = self._referent(low, taken[not personal], event)
            if entity is not None:
                taken[personal].append(entity)
                names[match.start()] = self._name_for(match, question, entity)
        if not names:
            return question
        read = _PRONOUN.sub(lambda m: names.get(m.start(), m.group()), question)
        read = _LEAD.sub("", read)
        return _capital(_question_mark(read.strip()))

    def _leans(self, match: re.Match[str], question: str, own: list[_Mention]) -> bool:
        """Whether a pronoun means something from earlier turns: not the "it" of "is it
        true" or "when did he say it", not one whose name the question itself gave first
        ("What did Truss say about her budget?")."""
        low = match.group(1).lower()
        before, after = question[: match.start()], question[match.end() :]
        if low == "it" and (
            _SAY_VERB_BEFORE.search(before)
            or re.match(r"\s*(?:is|was|'s|’s)?\s+(?:true|likely|possible|clear)\b", after)
        ):
            return False
        return not any(m.end <= match.start() and self._fits(low, m.entity) for m in own)

    @staticmethod
    def _name_for(match: re.Match[str], question: str, entity: Entity) -> str:
        """The name in the pronoun's place: "Tesla’s" for "its", "the Fed" mid-sentence."""
        low = match.group(1).lower()
        name = entity.name
        if name.lower().startswith("the ") and match.start() > 0:
            name = "the " + name[4:]
        after = question[match.end() :]
        possessive = low in _POSSESSIVE or (
            low == "her"
            and re.match(r"\s+[\w’'-]+", after) is not None
            and (after.split() or [""])[0].lower().strip("?.,!") not in _NOT_AFTER_HER
        )
        if possessive:
            return name + ("’" if name.endswith("s") and entity.plural else "’s")
        return name

    # -- ellipsis

    def _ellipsis(self, question: str) -> str | None:
        """``question`` rebuilt from the previous one, if it is an ellipsis: a phrase after
        "and", "what about", "how about"; None for anything with its own clause."""
        match = _ELLIPSIS.match(question.rstrip(" ?.!\t\n"))
        previous = self.last
        if match is None or previous is None:
            return None
        lead = question[: match.start("rest")]
        rest = match.group("rest").strip(" ,")
        if not lead.strip(" ,") or not rest or _CLAUSE_START.match(rest):
            return None
        if len(rest.split()) > 8 or re.search(r"\b(?:did|does|is|was|are|were)\b", rest, re.I):
            return None
        asked = analyze(previous)
        if (
            _PRONOUN.search(rest) and not asked.is_say
        ):  # "his" after a say question is its speaker's
            rest = self._pronouns(rest).rstrip("?")
        first, _, tail = rest.partition(" ")
        prep = first.lower() if tail else ""
        if asked.is_say and asked.speaker:
            if prep in _TOPIC_PREPS:
                return f"What did {asked.speaker} say about {tail}?"
            person = self._person(rest)
            if person and asked.topic_terms:
                topic = re.sub(
                    rf"^.*?\b{re.escape(asked.speaker)}\b.*?\b(?:about|on|regarding)\s+",
                    "",
                    previous,
                    count=1,
                )
                if topic != previous:
                    return f"What did {person} say about {topic.rstrip(' ?.')}?"
            if _TIME.fullmatch(rest) or prep in _PREPS:
                return self._swap_phrase(previous, rest, prep)
            return f"What did {asked.speaker} say about {rest}?"
        if prep in _TOPIC_PREPS:
            if re.search(rf"\b{prep}\s", previous, re.I):
                return self._swap_phrase(previous, rest, prep)
            said = analyze(self.last_say).speaker if self.last_say else None
            if said and re.search(rf"\b{re.escape(said.split()[-1])}\b", previous):
                # "Where did Xi say it?" after "What did Xi say about arms races?": still
                # the speech, so "and about sovereignty?" asks what he said about that
                return f"What did {said} say about {tail}?"
            return f"{previous.rstrip('?. ')}, and {tail}?"
        if _TIME.fullmatch(rest) or prep in _PREPS:
            return self._swap_phrase(previous, rest, prep)
        if self._is_name(rest):
            names = [m for m in _mentions(previous) if m.start > 0]
            if names:
                target = names[0]
                return previous[: target.start] + rest + previous[target.end :]
        subject = _subject(previous)
        if (
            subject
            and rest.split()[-1].lower() not in _ATTRIBUTES
            and re.search(rf"\b(?:{'|'.join(_PREPS)}|of)\s+{re.escape(subject)}", previous)
        ):
            # "and the crane collapse?" after "How many people died in the Hajj stampede?":
            # the same question of another event
            return previous.replace(subject, rest, 1)
        # "and the death toll?": the death toll of what the previous question was about,
        # at its time ("What were Tesla's profits in the third quarter?")
        subject = subject or self._last_name()
        if subject and subject.lower().removeprefix("the ") in rest.lower():
            subject = None
        times = list(_TIME.finditer(previous))
        when = " " + times[-1].group() if times and times[-1].group() not in (subject or "") else ""
        verb = "were" if re.search(r"[^s]s$", rest) else "was"
        if subject or when:
            return f"What {verb} {rest}{f' in {subject}' if subject else ''}{when}?"
        return f"{previous.rstrip('?. ')}, and {rest}?"

    @staticmethod
    def _is_name(text: str) -> bool:
        """Whether ``text`` is one name and nothing else ("Bolsonaro", "Real Madrid")."""
        mentions = _mentions(text)
        return len(mentions) == 1 and mentions[0].end - mentions[0].start >= len(text.strip())

    def _person(self, text: str) -> str | None:
        """``text`` if it names a person: a known person, or a name with a title."""
        if not self._is_name(text):
            return None
        entity = _mentions(text)[0].entity
        known = self._find(entity.name, self.entities)
        if (known and known.kind == "person") or entity.kind == "person":
            return text.strip()
        return None

    def _last_name(self) -> str | None:
        return self.entities[0].name if self.entities else None

    @staticmethod
    def _swap_phrase(previous: str, rest: str, prep: str) -> str:
        """The previous question with its time ("in 2020") or its phrase with the same
        preposition replaced by ``rest``; added at the end if it has none."""
        body = previous.rstrip(" ?.!")
        if _TIME.fullmatch(rest):
            times = list(_TIME.finditer(body))
            if times:
                last = times[-1]
                if not prep and re.match(r"(?:in|on|during|since|by)\s", last.group(), re.I):
                    rest = last.group().split()[0] + " " + rest  # "in 2020" -> "in 2021"
                return body[: last.start()] + rest + body[last.end() :] + "?"
            if not prep and re.match(r"^(?:19|20)\d\d$", rest):
                rest = "in " + rest
            return f"{body} {rest}?"
        stop = "|".join(sorted(_PREPS | _TOPIC_PREPS | {"and"}))
        same = list(re.finditer(rf"\b{re.escape(prep)}\s+.+?(?=\s+(?:{stop})\b|$)", body, re.I))
        if same:
            last = same[-1]
            return body[: last.start()] + rest + body[last.end() :] + "?"
        return f"{body} {rest}?"


def _as_turn(item: Turn | str) -> Turn:
    return item if isinstance(item, Turn) else Turn(item)


def conversation_of(history: Sequence[Turn | str]) -> Conversation:
    """The state after ``history`` (oldest first; a plain string is a question whose
    answer is not known)."""
    state = Conversation()
    for turn in map(_as_turn, history):
        state.add(turn.question, turn.answer)
    return state


def resolve(question: str, history: Sequence[Turn | str]) -> str:
    """``question`` made self-contained with the turns before it (oldest first);
    unchanged, character for character, if it needs nothing from them."""
    return conversation_of(history).resolve(question)
