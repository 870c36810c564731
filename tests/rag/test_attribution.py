"""Whose words a sentence carries (issue 13, item 8): sharing a word with the asked-about
speaker must not make someone else's quote theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor
from index.text import split_sentences
from rag.attribution import attributed_to, interview_voice, speech_subject
from rag.pipeline import NewsRAG
from rag.question import analyze
from tests.backends import store_uri


def _attributed(question: str, text: str, sentence_start: str) -> bool:
    spans = split_sentences(text)
    index = next(i for i, (s, _) in enumerate(spans) if text[s:].startswith(sentence_start))
    return attributed_to(text, spans, index, analyze(question).speaker_terms)


# (question, article text, the sentence judged, is it the asked speaker's?)
CASES = [
    (  # the reported case: shares "Kelsey" and "ferry" with the speaker, spoken by Ruiz
        "What did the Kelsey ferry captain say about the timetable?",
        "The Kelsey ferry captain spoke to passengers on Monday. Council member Ana Ruiz "
        "said the Kelsey ferry timetable “will not change before spring”.",
        "Council member",
        False,
    ),
    (  # inverted attribution
        "What did the Kelsey ferry captain say about delays?",
        "The Kelsey ferry ran late again. “The ferry captain cannot fix the delays alone,” "
        "said Ana Ruiz, a council member.",
        "“The ferry captain",
        False,
    ),
    (  # a tweet by someone else, in an article about the asked speaker
        "What did Musk say about the launch?",
        "Elon Musk watched the launch from Texas. In a tweet, Senator Maria Lopez wrote that "
        "“Musk's launch was reckless”.",
        "In a tweet",
        False,
    ),
    (  # the asked name inside someone else's quote
        "What did Xi say about trade?",
        "Trade talks resumed. “Xi knows trade wars have no winners,” the senator said.",
        "“Xi knows",
        False,
    ),
    (  # "according to" someone else
        "What did the mayor of Kelsey say about the bridge?",
        "According to engineer Tom Li, the Kelsey mayor's bridge “needs new cables”.",
        "According to",
        False,
    ),
    (  # a pronoun after another named speaker: the nearest name wins
        "What did Biden say about tariffs?",
        "Biden spoke first. Prime Minister Carney answered him on Friday. He said: “Tariffs "
        "on steel hurt both countries.”",
        "He said",
        False,
    ),
    (  # a quoted phrase that is someone else's self-description, after the speaker's quote
        "What did Musk say about free speech?",
        "Musk has said Twitter should be “an inclusive arena for free speech.” And former "
        "President Donald Trump founded Truth Social, which describes itself as a “free "
        "speech haven.”",
        "And former",
        False,
    ),
    # and the asked speaker's own words stay theirs
    (
        "What did the Kelsey ferry captain say about the timetable?",
        "“We will keep the 6:30 sailing,” the Kelsey ferry captain said on Monday.",
        "“We will",
        True,
    ),
    (
        "What did the ferry captain say about the timetable?",
        "“We will keep the 6:30 sailing,” Captain John Reyes said on Monday.",
        "“We will",
        True,
    ),
    (
        "What did Xi say about arms races?",
        "Xi, the Chinese president, said “we should avoid an arms race in cyberspace”.",
        "Xi, the",
        True,
    ),
    (
        "What did Xi say about arms races?",
        "Xi Jinping spoke at the summit. He also said that: “We should avoid an arms race.”",
        "He also",
        True,
    ),
    (
        "What did Ana Ruiz say about the timetable?",
        "“The timetable will not change,” said Ana Ruiz, a council member.",
        "“The timetable",
        True,
    ),
    (  # a pronoun's quote with a place in it: the place does not speak
        "What did Xi say about arms races?",
        "Xi Jinping spoke at the summit. “We should avoid an arms race,” he said in New York City.",
        "“We should",
        True,
    ),
    (  # a quote on its own after the speaker's: still theirs
        "What did Musk say about free speech?",
        "Musk said Twitter should be “an inclusive arena for free speech.” “Free speech is the "
        "bedrock of a functioning democracy.”",
        "“Free speech",
        True,
    ),
]


@pytest.mark.parametrize(("question", "text", "sentence", "expected"), CASES)
def test_quotes_are_attributed_to_whoever_the_sentence_names(
    question: str, text: str, sentence: str, expected: bool
) -> None:
    assert _attributed(question, text, sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "subject"),
    [
        ("Council member Ana Ruiz said the ferry was late.", "Council member Ana Ruiz"),
        ("“No,” said Ana Ruiz, a council member.", "Ana Ruiz"),
        ("In a tweet, Elon Musk wrote that it failed.", "Elon Musk"),
        ("The ferry sails at 6:30 from the United States.", None),
        ("“It works,” the captain said on Monday.", "the captain"),
    ],
)
def test_speech_subject(sentence: str, subject: str | None) -> None:
    assert speech_subject(sentence) == subject


def test_interview_answer_that_names_another_speaker_is_not_the_interviewee() -> None:
    terms = analyze("What did Ruiz say about ferries?").speaker_terms
    title = "Ana Ruiz speaks to the Herald about ferries"
    assert interview_voice(title, "", "I think the ferries are fine.", terms)
    assert not interview_voice(title, "", "“I was wrong,” the captain said.", terms)


@pytest.mark.parametrize(
    ("sentence", "interviewee"),
    [
        ("I just wanted to know if you had any thoughts on the ferries.", False),
        ("Do you think the council will listen?", False),
        ("What is your view of the timetable?", False),
        ("I think, you know, the ferries are fine.", True),
        ("I told them you cannot run a port like that.", True),
    ],
)
def test_the_interviewers_questions_are_not_the_interviewees_words(
    sentence: str, interviewee: bool
) -> None:
    title = "Interview with harbour master Ana Ruiz"
    assert interview_voice(title, "", sentence, ["ana", "ruiz"]) is interviewee


ARTICLE = (
    "Kelsey ferry timetable to change in spring\n\n"
    "The Kelsey ferry will move its first sailing to 7:15 a.m. from March. "
    "Council member Ana Ruiz said the new Kelsey ferry timetable “abandons the commuters "
    "who rely on the early boat”. "
    "The operator said ticket prices stay the same.\n"
)


def test_answer_never_prefixes_the_asked_speaker_onto_someone_elses_words(
    request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder, backend: str
) -> None:
    source = tmp_path / "kelsey.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    uri = store_uri(request, backend)  # on both backends (tests/backends.py)
    settings = Settings(index_dir=tmp_path / "index", store_uri=uri)
    assert Ingestor(settings, embedder).run_paths([source]).added == 1
    rag = NewsRAG(settings, embedder)
    answer = rag.ask("What did the Kelsey ferry captain say about the timetable?")
    assert "captain said:" not in answer.answer, answer.answer
