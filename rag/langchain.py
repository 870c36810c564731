"""newsrag's hybrid retriever as a LangChain ``BaseRetriever``, for users' own chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.pipeline import NewsRAG
from rag.retrieval import Mode


class NewsRetriever(BaseRetriever):
    """Documents carry the passage text and, in metadata, the article and offsets to cite."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    rag: NewsRAG
    k: int = 5
    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    mode: Mode = "hybrid"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        retrieval = self.rag.retrieve(
            query, self.k, self.sources, self.since, self.until, self.mode
        )
        documents = []
        for passage in retrieval.passages:
            article = passage.chunk.article
            documents.append(
                Document(
                    page_content=passage.chunk.text,
                    metadata={
                        "article_id": article.article_id,
                        "title": article.title,
                        "source": article.source,
                        "published": article.published,
                        "url": article.url,
                        "start": passage.chunk.start,
                        "end": passage.chunk.end,
                        "score": passage.score,
                    },
                )
            )
        return documents
