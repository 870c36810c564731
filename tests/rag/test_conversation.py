"""Follow-ups made standalone: a table of multi-turn news conversations, written for these
tests (elections, wars, companies, sport, disasters), each with the question as it must be
read. A row whose expected text is the question itself must stay exactly as asked."""

from __future__ import annotations

import pytest

from rag.conversation import Conversation, Turn, conversation_of, resolve

T = Turn

BRAZIL = T(
    "Who won the presidential election in Brazil?",
    "Luiz Inácio Lula da Silva won the runoff with 50.9% of the vote, beating Jair Bolsonaro.",
)
BOLSONARO = T(
    "What did Bolsonaro say about the election result?",
    "Bolsonaro said he would respect the constitution but did not concede.",
)
SUNAK = T(
    "What did Rishi Sunak say about the economy?",
    "Sunak said the country faced “a profound economic challenge” after Boris Johnson and "
    "his successor left office.",
)
TRUSS = T(
    "What did Liz Truss say about the tax cuts?",
    "Truss said she would not resign and that the mini-budget had been a mistake.",
)
REPLACED = T(
    "Who replaced Liz Truss as prime minister?",
    "Rishi Sunak replaced Liz Truss after 45 days. He became the first British Asian leader.",
)
XI = T("What did Xi say about arms races?", "Xi warned that arms races would lead nowhere.")
ZELENSKY = T(
    "What did Zelensky say about the grain deal?",
    "Zelensky said Turkish President Recep Tayyip Erdogan had helped to save the deal.",
)
NATO = T("What did NATO decide at the Madrid summit?", "NATO invited Finland and Sweden to join.")
KHERSON = T("Why did Russia withdraw from Kherson?", "Its troops were short of supplies.")
HAJJ = T("How did the Hajj stampede start?")
HAJJ_DEAD = T("How many people died in the Hajj stampede?", "Over 345 pilgrims were killed.")
MACRON = T(
    "What did Emmanuel Macron say about pensions?",
    "Macron said the reform was necessary. He added that the unions would be consulted.",
)
LIBRIVOX = T("Who founded LibriVox?", "The indexed articles don't cover this.")
TURKEY = T(
    "When did the earthquake in Turkey hit?",
    "The 7.8 magnitude quake struck before dawn on Monday.",
)
IAN = T("How strong was Hurricane Ian when it hit Florida?", "Ian made landfall as a Category 4.")
PAKISTAN = T("What caused the floods in Pakistan?", "Record monsoon rains and melting glaciers.")
TWITTER = T(
    "Why did Twitter lay off half its staff?",
    "Elon Musk said the company was losing $4 million a day.",
)
META = T("What did Meta announce on Wednesday?", "Meta said it would cut 11,000 jobs.")
TESLA = T("How much did Tesla earn in the third quarter?", "It earned $3.3 billion.")
GOOGLE = T("What did Google report for the quarter?", "Revenue rose 6%.")
BOE = T(
    "Why did the Bank of England raise interest rates?",
    "The Bank of England said inflation would peak at about 11% this year.",
)
FTX = T("Who founded FTX?", "Sam Bankman-Fried founded FTX in 2019 with Gary Wang.")
WIMBLEDON = T(
    "Who won the women's singles at Wimbledon?",
    "Elena Rybakina beat Ons Jabeur in the final. She became the first Kazakh champion.",
)
WORLD_CUP = T(
    "Who won the World Cup final?", "Argentina beat France on penalties after a 3-3 draw."
)
MADRID = T(
    "Who scored the winning goal for Real Madrid?", "Vinicius Junior scored in the 59th minute."
)
FIRST_ROUND = T("How many votes did Lula get in the first round?", "About 57 million.")
ROADS = T("How many people died on UK roads in 2020?")
INFLATION = T("How much did inflation rise in the eurozone last month?")
SENATE = T("Who won the Senate race in Pennsylvania?", "John Fetterman defeated Mehmet Oz.")
BIDEN = T("What did Biden say about inflation in October?", "Biden said prices were easing.")
HARRIS = T(
    "What did Kamala Harris say about abortion rights?",
    "Harris said she would keep fighting for them.",
)
PENCE = T("How did Mike Pence respond?", "Pence said he disagreed with the ruling.")
CHANNEL = T("How many migrants crossed the Channel?")
INAUGURATION = T("When is the inauguration?", "The new president takes office on 1 January.")

CASES: list[tuple[list[Turn], str, str]] = [
    # -- pronouns: the most recent person, of the right gender, from questions and answers
    ([BRAZIL], "How many votes did he get?", "How many votes did Luiz Inácio Lula da Silva get?"),
    (
        [BRAZIL, INAUGURATION],
        "How many votes did he get?",
        "How many votes did Luiz Inácio Lula da Silva get?",
    ),
    (
        [SUNAK, BRAZIL],
        "How many votes did he get?",
        "How many votes did Luiz Inácio Lula da Silva get?",
    ),
    ([BRAZIL, BOLSONARO], "How many votes did he get?", "How many votes did Jair Bolsonaro get?"),
    ([SUNAK], "What did he say about Truss?", "What did Rishi Sunak say about Truss?"),
    ([TRUSS], "When did she resign?", "When did Liz Truss resign?"),
    ([REPLACED], "How long was she in office?", "How long was Liz Truss in office?"),
    ([REPLACED], "When did he take office?", "When did Rishi Sunak take office?"),
    ([HARRIS, PENCE], "What did she say about Pence?", "What did Kamala Harris say about Pence?"),
    (
        [HARRIS, PENCE],
        "When did he become vice president?",
        "When did Mike Pence become vice president?",
    ),
    ([WIMBLEDON], "How old is she?", "How old is Elena Rybakina?"),
    (
        [WIMBLEDON],
        "And who did she beat in the semi-final?",
        "Who did Elena Rybakina beat in the semi-final?",
    ),
    (
        [MADRID],
        "How many goals has he scored this season?",
        "How many goals has Vinicius Junior scored this season?",
    ),
    ([FTX], "Where did he live?", "Where did Sam Bankman-Fried live?"),
    ([XI], "When did he say it?", "When did Xi say it?"),
    ([TWITTER], "When did he buy it?", "When did Elon Musk buy Twitter?"),
    # -- it / its / they / their: organisations, countries, events
    ([NATO], "When was it founded?", "When was NATO founded?"),
    ([TESLA], "What was its revenue?", "What was Tesla’s revenue?"),
    ([META], "How many jobs did they cut in 2022?", "How many jobs did Meta cut in 2022?"),
    ([KHERSON], "How many troops did they lose?", "How many troops did Russia lose?"),
    ([BOE], "When do they meet next?", "When do the Bank of England meet next?"),
    ([WORLD_CUP], "Who scored their goals?", "Who scored Argentina’s goals?"),
    (
        [TURKEY],
        "How many people did it kill?",
        "How many people did the earthquake in Turkey kill?",
    ),
    ([IAN], "How many people did it kill?", "How many people did Hurricane Ian kill?"),
    (
        [PAKISTAN],
        "How many people have they displaced?",
        "How many people have the floods in Pakistan displaced?",
    ),
    # -- ellipsis after a "what did X say" question: same speaker, new topic
    ([BOLSONARO], "and what about the protests?", "What did Bolsonaro say about the protests?"),
    (
        [BOLSONARO],
        "And about the truckers' blockades?",
        "What did Bolsonaro say about the truckers' blockades?",
    ),
    ([XI], "and about sovereignty?", "What did Xi say about sovereignty?"),
    ([XI], "What about cyber sovereignty?", "What did Xi say about cyber sovereignty?"),
    (
        [MACRON],
        "and his approval rating?",
        "What did Emmanuel Macron say about his approval rating?",
    ),
    ([MACRON], "What about Le Pen?", "What did Emmanuel Macron say about Le Pen?"),
    ([SUNAK], "and the economy?", "What did Rishi Sunak say about the economy?"),
    ([ZELENSKY], "And Erdogan?", "What did Erdogan say about the grain deal?"),
    ([BIDEN], "And in November?", "What did Biden say about inflation in November?"),
    (
        [XI, BRAZIL],
        "and about sovereignty?",
        "Who won the presidential election in Brazil, and sovereignty?",
    ),
    # -- ellipsis after another question: swap its name, time or phrase, or ask of its subject
    ([HAJJ], "And the death toll?", "What was the death toll in the Hajj stampede?"),
    (
        [XI, T("Where did Xi say it?")],
        "and about sovereignty?",
        "What did Xi say about sovereignty?",
    ),
    (
        [
            T(
                "How many pilgrims died in the Hajj stampede?",
                "According to the Saudi Interior Ministry over 345 pilgrims were killed.",
            )
        ],
        "When did it happen?",
        "When did the Hajj stampede happen?",
    ),
    ([HAJJ_DEAD], "and the crane collapse?", "How many people died in the crane collapse?"),
    (
        [HAJJ_DEAD],
        "And the number of injured?",
        "What was the number of injured in the Hajj stampede?",
    ),
    ([TURKEY], "and the death toll?", "What was the death toll in the earthquake in Turkey?"),
    ([FIRST_ROUND], "And in the second round?", "How many votes did Lula get in the second round?"),
    (
        [FIRST_ROUND],
        "What about Bolsonaro?",
        "How many votes did Bolsonaro get in the first round?",
    ),
    ([SENATE], "and in Georgia?", "Who won the Senate race in Georgia?"),
    ([ROADS], "How about in 2021?", "How many people died on UK roads in 2021?"),
    ([ROADS], "and 2019?", "How many people died on UK roads in 2019?"),
    (
        [INFLATION],
        "What about this month?",
        "How much did inflation rise in the eurozone this month?",
    ),
    ([CHANNEL], "what about last year?", "How many migrants crossed the Channel last year?"),
    ([GOOGLE], "And Amazon?", "What did Amazon report for the quarter?"),
    ([TESLA], "What about its profits?", "What were Tesla’s profits in the third quarter?"),
    # -- self-contained questions: exactly as asked
    ([XI], "Who founded LibriVox?", "Who founded LibriVox?"),
    (
        [BRAZIL],
        "Who is the new prime minister of Italy?",
        "Who is the new prime minister of Italy?",
    ),
    ([SENATE], "And who won the Senate race in Nevada?", "And who won the Senate race in Nevada?"),
    ([SUNAK], "What did Truss say about her budget?", "What did Truss say about her budget?"),
    ([BOE], "Is it true that the Fed raised rates?", "Is it true that the Fed raised rates?"),
    ([HAJJ], "What did he say?", "What did he say?"),
    ([LIBRIVOX], "When did he start it?", "When did he start LibriVox?"),
    ([MACRON], "Why are they striking?", "Why are they striking?"),
    ([TWITTER], "Why did Meta cut its workforce?", "Why did Meta cut its workforce?"),
    (
        [MADRID],
        "How did Lionel Messi celebrate his goal?",
        "How did Lionel Messi celebrate his goal?",
    ),
    (
        [PAKISTAN],
        "What did the UN say about the floods in Pakistan?",
        "What did the UN say about the floods in Pakistan?",
    ),
    (
        [BRAZIL],
        "How did markets react to the election result?",
        "How did markets react to the election result?",
    ),
    (
        [TRUSS],
        "Why did the pound fall after the mini-budget?",
        "Why did the pound fall after the mini-budget?",
    ),
    (
        [META],
        "What did Mark Zuckerberg say about his metaverse plans?",
        "What did Mark Zuckerberg say about his metaverse plans?",
    ),
    (
        [IAN],
        "How much damage did Hurricane Fiona cause in Puerto Rico?",
        "How much damage did Hurricane Fiona cause in Puerto Rico?",
    ),
    (
        [WORLD_CUP],
        "Where will the 2026 World Cup be held?",
        "Where will the 2026 World Cup be held?",
    ),
    (
        [KHERSON],
        "What is the latest on the war in Ukraine?",
        "What is the latest on the war in Ukraine?",
    ),
    (
        [NATO],
        "And what did Sweden's prime minister say about joining?",
        "And what did Sweden's prime minister say about joining?",
    ),
    (
        [ROADS],
        "How many people died on UK roads in 2021?",
        "How many people died on UK roads in 2021?",
    ),
    (
        [BRAZIL],
        "When will they announce the final count?",
        "When will they announce the final count?",
    ),
    ([], "and about sovereignty?", "and about sovereignty?"),
    ([], "How many votes did he get?", "How many votes did he get?"),
]


@pytest.mark.parametrize(("history", "question", "expected"), CASES)
def test_follow_ups_are_read_as_standalone_questions(
    history: list[Turn], question: str, expected: str
) -> None:
    assert resolve(question, history) == expected


def test_the_table_has_enough_cases_of_both_kinds() -> None:
    changed = sum(1 for _, question, expected in CASES if question != expected)
    assert len(CASES) >= 40
    assert changed >= 30 and len(CASES) - changed >= 10


def test_a_chain_of_follow_ups_keeps_its_meaning() -> None:
    """Each turn is read before it is remembered: the third question leans on the second
    as it was read, not as it was typed."""
    chat = Conversation()
    assert chat.add(*BOLSONARO.__dict__.values()) == BOLSONARO.question
    assert chat.add("and about the protests?") == "What did Bolsonaro say about the protests?"
    assert chat.resolve("and the economy?") == "What did Bolsonaro say about the economy?"


def test_plain_strings_are_questions_without_answers() -> None:
    assert resolve("and about sovereignty?", [XI.question]) == "What did Xi say about sovereignty?"


def test_the_answer_text_names_people_the_question_did_not() -> None:
    """Without the answer nobody is known; with it, "he" is the person it named."""
    assert resolve("Where did he live?", [FTX.question]) == "Where did he live?"
    assert (
        conversation_of([FTX]).resolve("Where did he live?") == "Where did Sam Bankman-Fried live?"
    )


def test_long_turns_cost_little() -> None:
    """20 turns of a few thousand characters each (the API's limits) and a question of
    punctuation: read in well under a second, not the minute an unbounded scan took."""
    import time

    long_turn = Turn("Q " * 1900, "Xi said " * 2400)
    started = time.perf_counter()
    assert resolve("and " + "?" * 3990 + "b", [long_turn] * 20).endswith("?")
    assert time.perf_counter() - started < 5
