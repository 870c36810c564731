"""Short answers: a span of the quoted sentence, of the kind asked for, never invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer_model import AnswerModelError
from rag.question import analyze
from rag.schema import Citation
from rag.short_answer import (
    SHORT_FEATURES,
    candidate_spans,
    candidates,
    find_span,
    kind_of,
    load_short_model,
    short_answer_for,
)


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "Which bank was hit by leaked details of its accounts this week?",
            "Leaked details of accounts at Credit Suisse were published on Sunday.",
            "Credit Suisse",
        ),
        (
            "How many pilgrims were killed in the Hajj stampede?",
            "According to the Saudi Interior Ministry over 345 Muslim pilgrims have been killed.",
            "over 345",
        ),
        (
            "When did Xi address the World Internet Conference?",
            "Xi Jinping addressed an audience on Nov. 8 at the World Internet Conference.",
            "Nov. 8",
        ),
        (
            "Who is the director of Stardust@home?",
            "Andrew Westphal is the director of Stardust @ home.",
            "Andrew Westphal",
        ),
        (
            "Where did the 2016 Fan Expo Canada take place?",
            "The 22nd Fan Expo Canada took place at the Metro Toronto Convention Centre.",
            "Metro Toronto Convention Centre",
        ),
        (
            "How many shells were fired at KPA posts?",
            "They fired 36 shells at KPA civil police posts on August 20.",
            "36",
        ),
        # a weekday or month is never the name or place asked for
        (
            "Which airline's pilots picketed this week?",
            "On Tuesday Southwest Airlines pilots picketed at Dallas Love Field.",
            "Southwest Airlines",
        ),
        (
            "Where did the storm make landfall?",
            "In August, it made landfall in Florida, officials said.",
            "Florida",
        ),
        # "which month" is answered by the month of a full date
        ("During which month do the Games begin?", "The Games open on July 26 in Paris.", "July"),
        # a year before a name is part of it ("the 2022 World Cup"), not the date asked for
        (
            "When is the World Cup final?",
            "Argentina will play in the 2022 World Cup final on December 18.",
            "December 18",
        ),
        # the question's own "around" is not repeated; a modifier it does not say stays
        (
            "Around how many union workers at Boeing are on strike?",
            "Around 33,000 of Boeing's unionized workers have been on strike since Sept. 13.",
            "33,000",
        ),
        # initials keep their last dot
        ("Which country ran the shuttle program?", "The U.S. space shuttle program ended.", "U.S."),
        # a noun that asks for a number
        (
            "What percentage of the population has been jailed?",
            "El Salvador has jailed about 2% of its population.",
            "about 2%",
        ),
    ],
)
def test_the_span_that_answers(question: str, sentence: str, expected: str) -> None:
    offset = 1000
    span = find_span(analyze(question), sentence, offset)
    assert span is not None
    assert span.text == expected
    assert sentence[span.start - offset : span.end - offset] == expected


@pytest.mark.parametrize(
    ("question", "sentence", "among", "never"),
    [
        # "X of the Y" is one name, and Y is one too; X alone ("State", "Queen") is none
        (
            "Who is the new speaker of the House?",
            "Speaker Nancy Pelosi named the members for tonight's State of the Union.",
            "Nancy Pelosi",
            "State",
        ),
        (
            "Which country did she reign over?",
            "She was Queen of the United Kingdom for 70 years.",
            "United Kingdom",
            "Queen",
        ),
    ],
)
def test_a_name_with_of_the_stays_whole(
    question: str, sentence: str, among: str, never: str
) -> None:
    texts = [s.text for s in candidate_spans(analyze(question), sentence, 0)]
    assert among in texts and never not in texts


@pytest.mark.parametrize(
    ("question", "sentence", "among", "never"),
    [
        # the words of the question at the end of a name go ("… Labor Day Parade") ...
        (
            "Cities hold Labor Day parades. Which city held the first?",
            "This year, the New York City Labor Day Parade will be held on Saturday.",
            "New York City",
            "New York City Labor Day",
        ),
        # ... but not the noun asked for, which is part of the name
        (
            "Which bank collapsed on Friday?",
            "Silicon Valley Bank collapsed.",
            None,
            "Silicon Valley",
        ),
        # one word left is a modifier, not the answer
        (
            "Which games will the city host?",
            "Salt Lake City will host the Summer Games.",
            None,
            "Summer",
        ),
        # a sentence's first word is no part of a name
        (
            "Which animal was cloned?",
            "Since Dolly the Sheep, many were cloned.",
            None,
            "Since Dolly",
        ),
    ],
)
def test_a_name_without_what_the_question_says(
    question: str, sentence: str, among: str | None, never: str
) -> None:
    texts = [s.text for s in candidate_spans(analyze(question), sentence, 0)]
    assert (among is None or among in texts) and never not in texts


@pytest.mark.parametrize(
    ("question", "quotes", "expected"),
    [
        # the best-scored "Carlson" is given as another quote names him in full
        (
            "Which Fox News host parted ways with the network this week?",
            [
                "Fox News announced Monday that it had agreed to part ways with Carlson.",
                "Fox News' Tucker Carlson will no longer host his high-profile talk show.",
            ],
            "Tucker Carlson",
        ),
        # never with a title, another name or an acronym before it
        (
            "Which Fox News host parted ways with the network this week?",
            [
                "Fox News announced Monday that it had agreed to part ways with Carlson.",
                "Fox News host Carlson will no longer host his show, AP Carlson reported.",
            ],
            "Carlson",
        ),
    ],
)
def test_a_surname_is_given_in_full(question: str, quotes: list[str], expected: str) -> None:
    citations = [_citation(n, q, 0.3 - n / 100, n * 1000) for n, q in enumerate(quotes, 1)]
    short, _ = short_answer_for(analyze(question), citations, quotes)
    assert short is not None and short.text == expected
    quote = citations[short.n - 1]
    assert quote.quote[short.start - quote.start : short.end - quote.start] == expected


@pytest.mark.parametrize(
    ("question", "sentence", "spans"),
    [
        # a title in quotes is one name, besides the names inside it
        (
            "The actor's biggest opening came with this 1999 film.",
            "“Night Train: Return” topped the box office this weekend.",
            ["Night Train: Return", "Night Train", "Return"],
        ),
        # a quoted remark is no title: it is lower-case, or has its own punctuation
        ("Which group warned of delays?", "The group said: “we expect long waits, delays.”", []),
        ("Which group warned of delays?", "The group said waits were “very long”.", []),
        # a place that says whose official or speaker it is, is not where
        (
            "Where did the speaker travel on her tour?",
            "US House Speaker Ann Lee will visit Fiji, a US official said.",
            ["US House Speaker Ann Lee", "Ann Lee", "Fiji"],
        ),
        # "which month" is a month, never a bare year; "what year" a year, never a day
        (
            "During which month do the 2030 Games begin?",
            "After the 2026 Games, the 2030 Games run from July 26 to Aug. 11.",
            ["July", "Aug", "July 26", "Aug. 11"],
        ),
        (
            "In what year did the writers last strike?",
            "On July 4, 2007, writers walked out, and again in 2008.",
            ["2007", "2008"],
        ),
        # "on what date" is a day of a month, never a bare year
        (
            "The coronation will take place on what date?",
            "It is set for 6 May 2023, in a year that began on Jan. 1, 2023.",
            ["6 May 2023", "Jan. 1, 2023"],
        ),
        # a name before a role noun says whose host or officials they are, not who
        (
            "Which television host left the network this week?",
            "Fox News host Tucker Carlson left, Fox officials said.",
            ["Tucker Carlson"],
        ),
    ],
)
def test_the_candidates_of_a_kind(question: str, sentence: str, spans: list[str]) -> None:
    assert [span.text for span in candidate_spans(analyze(question), sentence, 0)] == spans


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # nothing of the kind asked for
        ("How many pilgrims died at the Hajj?", "Many pilgrims died at the Hajj."),
        ("When did the stampede happen?", "The stampede happened at the bridge."),
        # only what the question already says
        ("Who leads Credit Suisse?", "Credit Suisse is led by its board."),
        # questions a span cannot answer
        ("Why did the crane fall?", "It fell because of strong winds on 11 September."),
        ("What did Xi say about arms races?", "Xi said in 2023 that Wuzhen matters."),
        ("Is the festival popular?", "The Taipei Lantern Festival drew 100,000 people."),
    ],
)
def test_no_span_is_invented(question: str, sentence: str) -> None:
    assert find_span(analyze(question), sentence, 0) is None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people died?", "count"),
        ("How long did the trial last?", "count"),  # "six weeks"
        ("How often do ferries run?", None),
        ("When did it open?", "date"),
        ("Who won?", "name"),
        ("Where was it held?", "place"),
        ("Which country left the summit?", "place"),
        ("What company bought Twitter?", "name"),
        ("Around 800 people tested positive for which virus?", "name"),
        ("Which country’s leader stayed away?", "place"),
        ("They last went on strike in what year?", "date"),
        ("What percentage of voters backed the plan?", "count"),
        ("Which price did the company set?", "count"),
        ("Why did it fall?", None),
    ],
)
def test_kind_follows_the_question(question: str, kind: str | None) -> None:
    assert kind_of(analyze(question)) == kind


def _citation(n: int, quote: str, score: float, start: int = 0, title: str = "A story") -> Citation:
    return Citation(
        n=n, article_id=f"a{n}", title=title, quote=quote, start=start,
        end=start + len(quote), score=score,
    )  # fmt: skip


def _feature(row: list[float], name: str) -> float:
    return row[SHORT_FEATURES.index(name)]


def test_candidates_know_where_they_sit() -> None:
    """Agreement across quotes, the unit of "how many years" beside the number, and the
    distance to the question's words are what the model reads."""
    question = analyze("Griner was sentenced to how many years in a Russian prison?")
    quotes = [
        _citation(1, "Griner, 32, was sentenced on Thursday to nine years in prison.", 0.8, 40),
        _citation(2, "A court gave her nine years in a Russian penal colony.", 0.6, 900),
    ]
    found = {(c.n, c.span.text): c.row for c in candidates(question, quotes)}
    assert set(found) == {(1, "32"), (1, "nine"), (1, "nine years"), (2, "nine"), (2, "nine years")}
    assert _feature(found[(1, "nine years")], "unit_otherwise") == 1.0  # "9" is the answer
    assert _feature(found[(1, "nine")], "agree_quotes") == 1.0
    assert _feature(found[(1, "32")], "agree_quotes") == 0.0
    assert _feature(found[(1, "nine")], "head_near") == 1.0  # "years" beside it
    assert _feature(found[(1, "32")], "head_near") == 0.0
    assert _feature(found[(2, "nine")], "citation_rank") == 1.0


def test_a_span_beside_any_word_of_the_asked_noun_group_is_near_the_head() -> None:
    """ "Which state agency" asks for an agency, but the name that answers may carry the
    modifier instead ("the Office of State Lands"): either word beside it counts."""
    question = analyze("The governor put his deputy in charge of which state agency?")
    assert (question.head, question.head_phrase) == ("agency", ("state", "agency"))
    quote = "Her deputy now runs the Office of State Lands, a spokesman for Governor Ames said."
    found = {c.span.text: c.row for c in candidates(question, [_citation(1, quote, 0.9)])}
    assert _feature(found["Office of State Lands"], "head_near") == 1.0
    assert _feature(found["Governor Ames"], "head_near") == 0.0


def test_the_shipped_model_prefers_the_agreed_span_beside_the_unit() -> None:
    question = analyze("Griner was sentenced to how many years in a Russian prison?")
    quotes = [
        _citation(1, "Griner, 32, was sentenced on Thursday to nine years in prison.", 0.8, 40),
        _citation(2, "A court gave her nine years in a Russian penal colony.", 0.6, 900),
    ]
    short, lead = short_answer_for(question, quotes, ["She got nine years."])
    assert short is not None and short.text == "nine" and lead == "**nine.** "
    quote = quotes[short.n - 1]
    assert quote.quote[short.start - quote.start : short.end - quote.start] == "nine"


@pytest.mark.parametrize(
    ("question", "quote", "expected"),
    [
        (
            "A lake-effect snowstorm took aim at which state this week?",
            "In November the storm buried towns across western New York under six feet of snow.",
            "New York",
        ),
        (
            "Sri Lanka's president fled to which country this week?",
            "The president left Colombo for the Maldives, fleeing protests across South Asia.",
            "Maldives",
        ),
    ],
)
def test_which_state_or_country_is_answered_with_one(
    question: str, quote: str, expected: str
) -> None:
    """A month, a city or a region sits closer to the question's words than the state or
    country does; the list the question's noun names decides (rag/places.py)."""
    asked = analyze(question)
    found = {c.span.text: c.row for c in candidates(asked, [_citation(1, quote, 0.9)])}
    assert _feature(found[expected], "listed") == 1.0
    assert all(_feature(row, "unlisted") == 1.0 for text, row in found.items() if text != expected)
    short, _ = short_answer_for(asked, [_citation(1, quote, 0.9)])
    assert short is not None and short.text == expected


@pytest.mark.parametrize(
    "question",
    ["Why did the court rule?", "What did Griner say about the verdict?", "Is it over?"],
)
def test_no_short_answer_to_questions_a_span_cannot_answer(question: str) -> None:
    quotes = [_citation(1, "Griner, 32, was sentenced on 4 August to nine years.", 0.9)]
    assert short_answer_for(analyze(question), quotes) == (None, None)


def test_the_shipped_model_matches_this_code() -> None:
    model = load_short_model()
    assert model.scorer.features == SHORT_FEATURES
    assert 0.0 <= model.threshold < 1.0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "cannot read"),
        ('{"version": 2}', "not a version 1"),
        ('{"version": 1, "scorer": {"features": ["x"]}, "threshold": 0.1}', "do not match"),
    ],
)
def test_a_bad_short_answer_model_is_named(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "short.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnswerModelError, match=reason) as error:
        load_short_model(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("question", "spans"),
    [
        # what is still to come happens after the article was written: not the last coronation
        ("When will the king's coronation take place?", ["6 May 2023", "2023"]),
        ("The coronation is set to take place on what date?", ["6 May 2023"]),
        # what happened may be long before it
        ("When was the last coronation?", ["2 June 1953", "1953", "6 May 2023", "2023"]),
    ],
)
def test_a_date_still_to_come_is_not_one_before_the_article(
    question: str, spans: list[str]
) -> None:
    quote = "The last was on 2 June 1953; the next is on 6 May 2023."
    citation = _citation(1, quote, 0.3).model_copy(update={"published": "2022-10-12"})
    found = candidates(analyze(question), [citation])
    assert [c.span.text for c in found] == spans
