"""Language detection of questions (rag/language.py): a table of questions as newsreaders
ask them, in the six languages it knows, plus English ones that share words with the others
(names, "die", "was", "in") and must stay English."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.language import detect, english_only_notice
from rag.pipeline import NewsRAG


@pytest.fixture
def rag(rag_on_backend: NewsRAG) -> NewsRAG:
    """These tests run on both backends, on the same sample articles (tests/backends.py)."""
    return rag_on_backend


QUESTIONS = [
    # English, including words other languages also use
    ("en", "What did Lula say about the Amazon?"),
    ("en", "How many people die in road accidents in Germany each year?"),
    ("en", "Who was the president of Brazil in 2019?"),
    ("en", "Which airlines announced plans to merge this week?"),
    ("en", "Did Angela Merkel visit Paris?"),
    ("en", "Olaf Scholz Emmanuel Macron"),  # names alone: English by default
    ("en", "La Liga final score?"),
    ("en", "Why did the Bank of England raise rates?"),
    # Spanish
    ("es", "¿Qué dijo Lula sobre la Amazonía?"),
    ("es", "¿Quién ganó las elecciones en Brasil?"),
    ("es", "¿Cuántos muertos dejó el terremoto en Turquía?"),
    ("es", "¿Dónde se celebra la cumbre del clima este año?"),
    # German
    ("de", "Was hat Scholz über die Ukraine gesagt?"),
    ("de", "Wer hat die Wahl in Brasilien gewonnen?"),
    ("de", "Wie viele Menschen sind bei dem Erdbeben gestorben?"),
    ("de", "Warum ist der Ölpreis gestiegen?"),
    # French
    ("fr", "Qu'a dit Macron sur la réforme des retraites ?"),
    ("fr", "Qui a gagné les élections au Brésil ?"),
    ("fr", "Combien de personnes sont mortes dans le séisme ?"),
    ("fr", "Pourquoi le prix du pétrole a-t-il augmenté ?"),
    # Italian
    ("it", "Cosa ha detto Meloni sulla guerra in Ucraina?"),
    ("it", "Chi ha vinto le elezioni in Brasile?"),
    ("it", "Quante persone sono morte nel terremoto della Turchia?"),
    # Portuguese
    ("pt", "O que disse Lula sobre a Amazônia?"),
    ("pt", "Quem ganhou as eleições no Brasil?"),
    ("pt", "Quantas pessoas morreram no terremoto da Turquia?"),
]


@pytest.mark.parametrize(("language", "question"), QUESTIONS)
def test_detects_the_language_of_a_question(language: str, question: str) -> None:
    assert detect(question) == language


def test_the_table_covers_every_language() -> None:
    assert len(QUESTIONS) >= 20
    assert {lang for lang, _ in QUESTIONS} == {"en", "es", "de", "fr", "it", "pt"}


def test_notice_names_the_language_and_english_only() -> None:
    notice = english_only_notice("¿Qué dijo Lula sobre la Amazonía?")
    assert notice is not None and "Spanish" in notice and "English-only" in notice
    assert english_only_notice("What did Lula say about the Amazon?") is None


def test_a_question_not_in_english_is_told_why_it_abstains(rag: NewsRAG) -> None:
    """Through the whole pipeline: the Spanish question about an indexed story abstains
    and says that the index is English-only; the English one answers."""
    spanish = rag.ask("¿Qué dijo Xi sobre la carrera armamentista?", as_of=dt.date(2024, 1, 1))
    assert spanish.abstained and "Spanish" in spanish.answer and "English-only" in spanish.answer
    english = rag.ask("What did Xi say about arms races?", as_of=dt.date(2024, 1, 1))
    assert not english.abstained and "English-only" not in english.answer
