import pytest

from rag.conversation import resolve

XI = "what did Xi say about arms races?"


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("and about sovereignty?", [XI], "What did Xi say about sovereignty?"),
        ("What about cyber sovereignty?", [XI], "What did Xi say about cyber sovereignty?"),
        (
            "And the death toll?",
            ["How did the Hajj stampede start?"],
            "How did the Hajj stampede start, and the death toll?",
        ),
        ("when did he say it?", [XI], "when did he say it (what did Xi say about arms races)?"),
        ("Who founded LibriVox?", [XI], "Who founded LibriVox?"),
        ("and about sovereignty?", [], "and about sovereignty?"),
    ],
)
def test_follow_ups_are_made_self_contained(
    question: str, history: list[str], expected: str
) -> None:
    assert resolve(question, history) == expected


def test_only_the_latest_turn_is_the_context() -> None:
    history = ["Who founded LibriVox?", XI]
    assert resolve("and about sovereignty?", history) == "What did Xi say about sovereignty?"
