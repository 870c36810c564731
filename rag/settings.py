"""Settings of the answering layer: retrieval, fusion, recency, the answer model and LLM
mode. They extend the index's settings (``index.settings``), and the HTTP layer's
``api.settings.Settings`` extends these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from index.settings import IndexSettings


class RagSettings(IndexSettings):
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
        4,
        ge=0,
        le=20,
        description="Best sentences the answer model re-scores with the embedding model's "
        "own cosine: better answers for ~50 ms a question on 2 cores; 0 turns it off "
        "(4 answered most on the train weeks; trade-off: docs/answers.md).",
    )
    rerank_within: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="Re-score only when the first stage's two best sentences are closer than "
        "this (probability): the re-ranker decides close calls and a clear first choice "
        "skips its cost; 1 always re-scores (trade-off: docs/answers.md).",
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

    @model_validator(mode="after")
    def _llm_needs_an_endpoint(self) -> RagSettings:
        if self.answer_mode == "llm" and not self.llm_base_url:
            raise ValueError(
                "NEWSRAG_ANSWER_MODE=llm needs NEWSRAG_LLM_BASE_URL (the chat endpoint)"
            )
        return self
