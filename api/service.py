"""What one running API process holds: its settings, the guard (keys and rate-limit
buckets), metrics, ingest jobs, and the model and index once the lifespan has loaded them.

A plain object on ``app.state.service``, reached by the routes only through the dependencies
in api/deps.py, so no route closes over it and two apps in one process (tests) share nothing.
The Slack bot (api/slack.py) reads the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api.jobs import Jobs
from api.observability import Metrics
from api.security import Guard
from api.settings import Settings
from index.embedding import Embedder
from index.ingest import Ingestor, open_store
from rag.pipeline import NewsRAG


@dataclass
class Service:
    """What the lifespan loads; ``rag`` is None until the model and index are ready."""

    settings: Settings
    guard: Guard
    metrics: Metrics = field(default_factory=Metrics)
    rag: NewsRAG | None = None
    ingestor: Ingestor | None = None
    jobs: Jobs = field(default_factory=Jobs)

    def load(self, embedder: Embedder | None = None) -> None:
        """Load the model and open (or create) the index; slow, so the lifespan runs it in
        a worker thread while /healthz already answers."""
        settings = self.settings
        if settings.torch_threads:
            import torch

            torch.set_num_threads(settings.torch_threads)
        # Small batches: a question waits for at most one batch of an ingest running beside it.
        embedder = embedder or Embedder.from_settings(settings, min(settings.batch_size, 8))
        store = open_store(settings, embedder)  # an empty index is created if there is none
        self.rag = NewsRAG(settings, embedder, store)
        self.ingestor = Ingestor(settings, embedder, store)
        self.update_gauges()

    def update_gauges(self) -> None:
        """The index-size gauges; SQLite counts, so callers run it off the event loop."""
        if self.rag:
            stats = self.rag.store.stats()
            self.metrics.articles.set(stats.articles)
            self.metrics.chunks.set(stats.chunks)
