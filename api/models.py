"""Request and response bodies of the HTTP API (the answer itself is rag.schema.Answer)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rag.schema import Answer, AnswerMode, SearchPassage
from rag.schema import SearchResponse as SearchResponse  # re-exported: api.routes use it

Mode = Literal["hybrid", "dense", "bm25"]
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
MAX_SOURCES = 100  # outlets per filter: each is one SQL parameter
MAX_MESSAGES = 200  # chat turns per OpenAI-compatible request
MAX_TURNS = 20  # earlier turns a follow-up question may lean on


def _calendar_date(value: str) -> str:
    """A filter date must exist: "2024-02-30" or "0000-00-00" would silently match nothing."""
    if not re.fullmatch(ISO_DATE, value):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real calendar date ({exc})") from None
    return value


# A real calendar date written YYYY-MM-DD; use it for every date a request carries.
IsoDate = Annotated[
    str, Field(json_schema_extra={"format": "date"}), AfterValidator(_calendar_date)
]
Outlet = Annotated[str, Field(min_length=1, max_length=200)]


class Turn(BaseModel):
    """One earlier turn of a conversation: what was asked and what newsrag answered."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=4000)
    answer: str | None = Field(None, max_length=20000)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question, in plain words.")
    k: int | None = Field(
        None, ge=1, strict=True, description="Passages to retrieve (capped by the server)."
    )
    source: list[Outlet] | Outlet | None = Field(
        None, max_length=MAX_SOURCES, description="Only these outlets."
    )
    since: IsoDate | None = Field(None, description="Published on/after, YYYY-MM-DD.")
    until: IsoDate | None = Field(None, description="Published on/before.")
    as_of: IsoDate | None = Field(
        None,
        description="The question's date, YYYY-MM-DD (default today): nothing published later "
        "is used, and 'this week', 'on Monday', 'recently' are read against it.",
    )
    recency: bool | None = Field(
        None,
        strict=True,
        description="Prefer articles published near as_of (default NEWSRAG_RECENCY); "
        "time-relative questions always do.",
    )
    time_words: bool = Field(
        True,
        strict=True,
        description="Read time words in the question ('this week', 'on Monday') as a window "
        "of publication dates; false: only as_of, since and until filter by date.",
    )
    mode: Mode = "hybrid"
    answer_mode: AnswerMode | None = Field(
        None,
        description="'extractive' (quotes only) or 'llm' (a model writes, every sentence "
        "checked against its quote); default from NEWSRAG_ANSWER_MODE.",
    )
    history: list[Turn] = Field(
        default_factory=list,
        max_length=MAX_TURNS,
        description="Earlier turns, oldest first: a follow-up ('and about the economy?', "
        "'how many votes did he get?') is read with them; the answer's resolved_question "
        "says how it was read.",
    )

    @property
    def as_of_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of) if self.as_of else None

    @property
    def sources(self) -> tuple[str, ...]:
        if self.source is None:
            return ()
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


# /search's bodies live in rag.schema, shared with the evaluation's HTTP client.
PassageOut = SearchPassage


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None
    id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Your own id for an article without URL: posting the same id again "
        "replaces it. Without URL or id, every post is a new article.",
    )


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
    warnings: list[Failure] = Field(
        default_factory=list, description="Kept with a problem, e.g. a date not read: undated."
    )
    cancelled: bool = Field(False, description="Stopped early; committed batches are kept.")
    job_id: str | None = Field(None, description="The ingest job (GET /jobs/{job_id}).")


JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class JobOut(BaseModel):
    """An HTTP ingest running in the background (POST /articles?wait=false)."""

    job_id: str
    status: JobStatus
    done: int = Field(description="Articles processed so far.")
    total: int = Field(description="Articles to process (0 until loading finished).")
    created: float = Field(description="Unix time the job was accepted.")
    started: float | None = None
    finished: float | None = None
    result: IngestResponse | None = Field(None, description="The report, once finished.")
    error: str | None = None


class ArticleOut(BaseModel):
    article_id: str
    title: str
    text: str
    url: str | None
    source: str | None
    author: str | None
    published: str | None
    chunks: list[list[int]] = Field(description="[start, end] of each chunk.")


class ArticleSummary(BaseModel):
    """An article in a listing: its metadata and size, not its text (GET /articles/{id})."""

    article_id: str
    title: str
    url: str | None
    source: str | None
    author: str | None
    published: str | None
    chars: int = Field(description="Length of the article text.")


class ArticleList(BaseModel):
    articles: list[ArticleSummary] = Field(
        description="Newest first (undated last), ties by article_id."
    )
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next page; null on the last page."
    )


class ErrorBody(BaseModel):
    error: str
    detail: Any = None
    request_id: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer", "function"]
    content: str | Annotated[list[dict[str, Any]], Field(max_length=100)] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = "newsrag"
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = Field(False, strict=True)
    k: int | None = Field(None, ge=1, strict=True)
    answer_mode: AnswerMode | None = Field(
        None, description="Overrides the mode the model name picks (newsrag / newsrag-llm)."
    )
    as_of: IsoDate | None = Field(
        None, description="The question's date, YYYY-MM-DD (default today), as in POST /ask."
    )


class AnswerOut(Answer):
    """The core answer plus the question actually asked after resolving follow-ups."""

    resolved_question: str | None = None
