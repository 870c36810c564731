"""Request and response bodies of the HTTP API (the answer itself is rag.schema.Answer)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.schema import Answer, AnswerMode

Mode = Literal["hybrid", "dense", "bm25"]
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question, in plain words.")
    k: int | None = Field(None, ge=1, description="Passages to retrieve (capped by the server).")
    source: list[str] | str | None = Field(None, description="Only these outlets.")
    since: str | None = Field(None, pattern=ISO_DATE, description="Published on/after, YYYY-MM-DD.")
    until: str | None = Field(None, pattern=ISO_DATE, description="Published on/before.")
    mode: Mode = "hybrid"
    answer_mode: AnswerMode | None = Field(
        None,
        description="'extractive' (quotes only) or 'llm' (a model writes, every sentence "
        "checked against its quote); default from NEWSRAG_ANSWER_MODE.",
    )

    @property
    def sources(self) -> tuple[str, ...]:
        if self.source is None:
            return ()
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


class PassageOut(BaseModel):
    article_id: str
    title: str
    url: str | None
    source: str | None
    published: str | None
    start: int
    end: int
    text: str
    score: float
    dense: float | None = None
    bm25: float | None = None


class SearchResponse(BaseModel):
    question: str
    passages: list[PassageOut]
    timings_ms: dict[str, float]


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None


class ArticleBatch(BaseModel):
    articles: list[ArticleIn] = Field(min_length=1, max_length=1000)


class Failure(BaseModel):
    path: str
    reason: str


class IngestResponse(BaseModel):
    added: int
    updated: int
    unchanged: int
    failed: list[Failure]
    chunks: int
    seconds: float
    article_ids: list[str]


class ArticleOut(BaseModel):
    article_id: str
    title: str
    text: str
    url: str | None
    source: str | None
    author: str | None
    published: str | None
    chunks: list[list[int]] = Field(description="[start, end] of each chunk.")


class ErrorBody(BaseModel):
    error: str
    detail: Any = None
    request_id: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer", "function"]
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = "newsrag"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    k: int | None = Field(None, ge=1)
    answer_mode: AnswerMode | None = Field(
        None, description="Overrides the mode the model name picks (newsrag / newsrag-llm)."
    )


class AnswerOut(Answer):
    """The core answer plus the question actually asked after resolving follow-ups."""

    resolved_question: str | None = None
