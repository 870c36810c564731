"""Operations: liveness, readiness and Prometheus metrics.

The probes take no key and answer while the model loads (a load balancer must see "up, not
ready yet"); metrics are behind the key like every other data route.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import Caller, ServiceDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (it may still be loading)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(service: ServiceDep) -> JSONResponse:
    """Ready once the model and the index are loaded."""
    if service.rag is None:
        return JSONResponse({"status": "loading"}, status.HTTP_503_SERVICE_UNAVAILABLE)
    return JSONResponse({"status": "ready", "generation": service.rag.store.generation})


@router.get("/metrics", response_class=Response)
async def metrics(_: Caller, service: ServiceDep) -> Response:
    """Prometheus metrics: requests, latency per endpoint and per stage, index size."""
    await run_in_threadpool(service.update_gauges)
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)
