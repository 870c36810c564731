"""The one answer schema shared by the CLI's --json, the HTTP API and the Slack bot."""

from __future__ import annotations

from pydantic import BaseModel, Field


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


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
