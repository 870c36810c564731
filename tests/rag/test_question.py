"""Question analysis on its own: answer types, speakers and topics."""

import pytest

from index.text import stem, tokens
from rag.question import analyze, asking_clause


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("How many pilgrims died in the stampede?", "count"),
        ("How long will the bridge close?", "count"),
        ("When did the council vote?", "date"),
        ("In what year was the dam built?", "date"),
        ("Who won the Brazilian presidential election?", "person"),
        ("Where did the summit take place?", "place"),
        ("Which city hosts the games?", "place"),
        ("Why did the ferry stop running?", "reason"),
        ("What did the report find?", "any"),
        # The asking wh-word is often late, after a lead-in sentence or mid-clause.
        ("A volcano erupted on which Japanese island on Sunday?", "place"),
        ("Balwani was convicted on Thursday. Which company was he an executive for?", "entity"),
        ("Which country’s leader did not attend the summit?", "place"),
        ("The coronation will take place on what date?", "date"),
        ("They last went on strike in what year?", "date"),
        ("Fox News will part ways with which top-rated host?", "person"),
        ("Griner was sentenced to how many years in prison?", "count"),
        ("Around 800 people tested positive for which virus?", "entity"),
        ("Which of these shows had the most nominations?", "entity"),
        # a relative "which" after a comma is not the question's
        ("A balloon, which officials said was a spy craft, fell off which state?", "place"),
        ("In addition to the US, which country will send tanks?", "place"),
        ("According to Amtrak, how many people took the train?", "count"),
        ("What is the name of the rocket?", "entity"),
        ("What was the name of the new prime minister?", "person"),
        ("What is the title of JD Vance’s new book?", "entity"),
        ("What was the cause of the fire?", "any"),
    ],
)
def test_answer_type(question: str, answer_type: str) -> None:
    assert analyze(question).answer_type == answer_type


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("Which company was he an executive for?", "company"),
        ("What is the name of the rocket?", "rocket"),
        ("What was the name of his dog?", "dog"),
        ("What is the title of JD Vance’s new book?", "book"),  # the book's, not Vance's
    ],
)
def test_the_name_of_asks_for_what_is_named(question: str, head: str) -> None:
    """ "What is the name of X" asks for a name, as "which X" does."""
    assert analyze(question).head == head


@pytest.mark.parametrize(
    ("question", "answer_type", "head"),
    [
        # the head is the noun group's last common word: names and adjectives before it modify it
        ("Which Marvel film character did she play?", "entity", "character"),
        ("Which NATO country hosted the talks?", "place", "country"),
        ("Which tennis star withdrew from the final?", "person", "star"),
        ("Which highly anticipated HBO series was delayed?", "entity", "series"),
        ("Which decorated swimmer recently retired?", "entity", "swimmer"),
        ("The US opened a consulate in which Pacific island nation?", "place", "nation"),
        # the group ends at its verb, even one with an object that names a kind of answer
        ("What storm flooded the island this week?", "entity", "storm"),
        ("Which football team won the cup on Sunday?", "entity", "team"),
        ("Which carmaker announced plans to cut jobs?", "entity", "carmaker"),
        ("Which city dyes its river green?", "place", "city"),
        ("Which fruit holds the top spot on the list?", "entity", "fruit"),
        ("Which holiday takes place in February?", "entity", "holiday"),
        ("Which region, one of the largest in Europe, voted?", "place", "region"),
        # a possessive: the owner for "which country's", else a modifier or not the head
        ("Which of the senator’s children spoke at the rally?", "person", "children"),
        ("Which 1980s children’s show returns this fall?", "entity", "show"),
        ("Which of President Smith’s key policies was struck down?", "entity", "policies"),
        # a quiz clue without a wh-word names what it asks for with "this"
        ("The billionaire bought this company for $10 billion.", "entity", "company"),
        ("This agency raided the mayor's home this week.", "entity", "agency"),
        ("The volcano erupted this week for the first time since:", "any", None),
        # "what is the X": typed when X is one of a kind's nouns, open otherwise
        ("What is the minimum age for a driving licence?", "any", "age"),
        ("What is the filing deadline for most taxpayers?", "date", "deadline"),
        ("What is the capital of the new province?", "place", "capital"),
        ("What is the cause of the outage?", "any", None),
        ("A new volcano formed this week. What is the volcano called?", "entity", "volcano"),
        ("What was the new relief scheme known as?", "entity", "scheme"),
        # a later "who" or "when" opens a relative clause, not the question
        ("How many people died when the dam burst?", "count", "people"),
        ("What was the score when the two sides met?", "any", None),
        ("What is the name of the horse who won the derby?", "entity", "horse"),
        # an opening "when" clause without an auxiliary is no question: the one after it is
        ("When the merger closed, which bank kept its name?", "entity", "bank"),
        ("When did the merger, which regulators opposed, close?", "date", None),
    ],
)
def test_the_wh_phrase_head(question: str, answer_type: str, head: str | None) -> None:
    """The noun of "which X" says what kind of name answers: its last word, not a modifier
    ("Star Trek character") nor the verb's object ("what storm battered the island")."""
    question_ = analyze(question)
    assert (question_.answer_type, question_.head) == (answer_type, head)


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("How long will the bridge stay closed?", ["bridge", "stay", "closed"]),
        ("How old is the mayor of Harlow?", ["old", "mayor", "harlow"]),
        ("How tall is the Korvik lighthouse?", ["tall", "korvik", "lighthouse"]),
        ("How far did the long march go?", ["long", "march", "go"]),
        ("How often do the ferries run?", ["ferries", "run"]),
        ("How many people died in the long march?", ["people", "died", "long", "march"]),
    ],
)
def test_the_wh_phrase_is_not_a_topic_word(question: str, words: list[str]) -> None:
    """ "How long" asks for a duration: a sentence need not say "long" to answer it."""
    assert analyze(question).words == words


@pytest.mark.parametrize(
    ("question", "speaker", "topic"),
    [
        ("What did Xi say about arms races?", "Xi", ["arms", "races"]),
        ("What did the U.S. say about the sanctions?", "U.S.", ["sanctions"]),
        ("What has the U.N. warned about famine?", "U.N.", ["famine"]),
        ("What was Musk's view on free speech?", "Musk", ["free", "speech"]),
        ("According to the mayor, the bridge is unsafe", "mayor", ["bridge", "unsafe"]),
    ],
)
def test_speaker_and_topic(question: str, speaker: str, topic: list[str]) -> None:
    analysed = analyze(question)
    assert analysed.speaker == speaker
    assert all(stem(w) in analysed.topic_terms for w in topic), analysed.topic_terms
    assert analysed.speaker_terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. and the U.K. agreed.", ["The", "U.S.", "and", "the", "U.K.", "agreed"]),
        ("Xi’s speech, 2024", ["Xi’s", "speech", "2024"]),
        ("e.g. this", ["e.g.", "this"]),
    ],
)
def test_tokens_keep_acronyms_whole(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        (
            "Ramesh Balwani was convicted. Which company was he a top executive for?",
            "Which company was he a top executive for?",
        ),
        # an initial or a title ends no sentence
        (
            "Which college did Mario J. Lucero and Isabel Ruiz attend together?",
            "Which college did Mario J. Lucero and Isabel Ruiz attend together?",
        ),
        ("The U.S. Senate voted on Tuesday. Who won?", "Who won?"),
        ("What did Dr. Fauci say? It rained all week.", "What did Dr. Fauci say?"),
    ],
)
def test_the_asking_sentence(question: str, clause: str) -> None:
    assert asking_clause(question) == clause
