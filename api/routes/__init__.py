"""The HTTP routes, one module per group, each a ``router`` that api/app.py includes:
admin (probes, metrics), page (the chat page), ask (questions, SSE, search), chat (the
OpenAI-compatible endpoint), articles (ingest, jobs, articles, stats), feeds (watched RSS/Atom
feeds). State comes only through api/deps.py."""
