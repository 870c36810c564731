"""The one answer schema shared by the CLI's --json, the HTTP API and the Slack bot."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AnswerMode = Literal["extractive", "llm"]


class AlsoIn(BaseModel):
    """The same sentence in another article: one wire story run by several outlets is one
    citation that lists every outlet, not [1][2][3]."""

    article_id: str
    title: str
    source: str | None = None
    published: str | None = None
    url: str | None = None
    start: int = Field(ge=0, description="Where the same sentence is in that article.")
    end: int = Field(ge=0)


class Citation(BaseModel):
    n: int = Field(description="The marker number used in the answer: [n].")
    article_id: str
    title: str
    source: str | None = None
    published: str | None = None
    url: str | None = None
    quote: str = Field(description="Exactly article_text[start:end].")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float
    also_in: list[AlsoIn] = Field(
        default_factory=list, description="Other articles that carry the same sentence."
    )


class SentenceCheck(BaseModel):
    """What the grounding check made of one sentence the model wrote."""

    text: str = Field(description="The sentence without its markers.")
    kept: bool
    reason: str = Field(description="'supported', or why the sentence was dropped.")
    cited: list[int] = Field(description="Passage numbers the model cited.")
    coverage: float | None = Field(None, description="Share of its words in the passage.")


class Verification(BaseModel):
    """How an LLM answer was checked: only kept sentences reach the user."""

    model: str
    outcome: Literal["verified", "fallback"] = Field(
        description="verified: the model's checked sentences are the answer; "
        "fallback: too little survived, the extractive answer is shown instead."
    )
    kept: int
    dropped: int
    reason: str | None = Field(
        None, description="Why the model's answer fell short (a fallback, or one cut short)."
    )
    sentences: list[SentenceCheck] = Field(default_factory=list)


class TimeWindowOut(BaseModel):
    """The publication dates the question's time words ask for, against its as-of date."""

    since: str | None = Field(description="First day (YYYY-MM-DD); null: open.")
    until: str | None = Field(description="Last day (YYYY-MM-DD), never after the as-of date.")
    expression: str = Field(description="The words in the question it comes from.")


class ShortAnswer(BaseModel):
    """The name, number, date or place that answers, inside citation ``n``'s quote."""

    text: str = Field(description="Exactly article_text[start:end].")
    n: int = Field(description="The citation whose quote holds it.")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    short_answer: ShortAnswer | None = Field(
        None, description="For who/what/which/where/when/how-many questions, when a quote holds it."
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)
    mode: AnswerMode = "extractive"
    verification: Verification | None = Field(
        None, description="Present in LLM mode: what the check kept, dropped and why."
    )
    as_of: str | None = Field(
        None, description="The question's date (YYYY-MM-DD): nothing published later is used."
    )
    time_window: TimeWindowOut | None = Field(
        None, description="The window the question's time words ask for; null when none."
    )
    outside_window: bool = Field(
        False,
        description="Nothing in time_window answered: the answer is the nearest dated "
        "evidence outside it, and says so.",
    )


class SearchPassage(BaseModel):
    """One retrieved passage of ``POST /search``: the chunk's offsets into its article's text
    and the scores that ranked it (``dense``/``bm25`` are null where that retriever did not
    find it)."""

    article_id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    start: int
    end: int
    text: str = Field(description="Exactly article_text[start:end].")
    score: float
    dense: float | None = None
    bm25: float | None = None


class SearchResponse(BaseModel):
    """``POST /search``: retrieval only, shared by the API and the evaluation's HTTP client."""

    question: str
    passages: list[SearchPassage]
    timings_ms: dict[str, float]
