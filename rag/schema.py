"""The one answer schema shared by the CLI's --json, the HTTP API and the Slack bot."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

AnswerMode = Literal["extractive", "llm"]


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


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    mode: AnswerMode = "extractive"
    verification: Verification | None = Field(
        None, description="Present in LLM mode: what the check kept, dropped and why."
    )
