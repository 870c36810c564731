"""Sources read the same in the OpenAI endpoint, Slack and the CLI (api/rendering.py)."""

import pytest

from api.rendering import also_in_text, citation_mrkdwn, sources_text
from rag.schema import AlsoIn, Answer, Citation


def _citation(also_in: list[AlsoIn]) -> Citation:
    return Citation(
        n=1,
        article_id="a1",
        title="Harlow bridge to close",
        source="Daily Post",
        published="2024-02-10",
        url="https://dailypost.example/harlow",
        quote="The board voted 7-2 to close the bridge.",
        start=10,
        end=51,
        score=0.9,
        also_in=also_in,
    )


WIRE = [
    AlsoIn(article_id="a2", title="Bridge closes", source="Evening Star", published="2024-02-11",
           url="https://star.example/b", start=0, end=41),
    AlsoIn(article_id="a3", title="Harlow <bridge>", source=None, published=None, url=None,
           start=5, end=46),
]  # fmt: skip


@pytest.mark.parametrize(
    ("also_in", "expected"),
    [
        ([], ""),
        (
            WIRE,
            "Also in: Evening Star (2024-02-11) https://star.example/b; Harlow <bridge>",
        ),
    ],
)
def test_also_in_text(also_in: list[AlsoIn], expected: str) -> None:
    assert also_in_text(_citation(also_in)) == expected


def test_every_surface_lists_the_other_outlets() -> None:
    answer = Answer(question="q", answer="a [1]", abstained=False, citations=[_citation(WIRE)])
    assert "Also in: Evening Star (2024-02-11)" in sources_text(answer)
    mrkdwn = citation_mrkdwn(answer.citations[0])
    assert "Evening Star" in mrkdwn and "Harlow &lt;bridge&gt;" in mrkdwn  # escaped for Slack
    plain = Answer(question="q", answer="a [1]", abstained=False, citations=[_citation([])])
    assert "Also in" not in sources_text(plain) + citation_mrkdwn(plain.citations[0])
