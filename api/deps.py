"""The routes' dependencies: the service, readiness, and the caller (API key, rate limit).

Routes take what they need as ``Annotated[..., Depends(...)]`` parameters (``ServiceDep``,
``SettingsDep``, ``JobsDep``, ``ReadyRag``, ``Caller``) instead of closing over state built in
``create_app``, so they can live in their own modules (api/routes/) and every app built in one
process (the tests build many) reads only its own ``app.state.service``.

Order is behaviour here. FastAPI solves a route's dependencies in parameter order and before
it validates query parameters, so a route lists ``Caller`` first (401/429 before anything
else) and takes ``ReadyRag`` only where nothing else can fail before the 503; routes that must
report a bad request (422) before "still loading" (503) call ``require_rag`` in their body,
after their own checks.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status

from api.jobs import Jobs
from api.service import Service
from api.settings import Settings
from rag.pipeline import NewsRAG


async def get_service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_settings(service: ServiceDep) -> Settings:
    return service.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_jobs(service: ServiceDep) -> Jobs:
    return service.jobs  # read per request: the lifespan replaces the one made at start


JobsDep = Annotated[Jobs, Depends(get_jobs)]


def require_rag(service: Service) -> NewsRAG:
    """The loaded pipeline, or 503 while the model and index are still loading."""
    if service.rag is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the index is still loading")
    return service.rag


async def ready_rag(service: ServiceDep) -> NewsRAG:
    return require_rag(service)


ReadyRag = Annotated[NewsRAG, Depends(ready_rag)]


def authorize(request: Request, service: ServiceDep) -> str:
    """Every route but the probes and the page: API key (when configured), then rate limit.
    The caller's identity comes back: jobs belong to it."""
    who = service.guard.identify(request)
    service.guard.throttle(who)
    return who


Caller = Annotated[str, Depends(authorize)]
