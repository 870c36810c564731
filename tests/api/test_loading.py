"""Requests that arrive while the model and index are still loading get a 503 JSON body
before any stream starts, never a 200 followed by a broken stream."""

import asyncio
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import Settings

XI = {"question": "What did Xi say about arms races?"}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ask/stream", {}),
        ("/ask", {"Accept": "text/event-stream"}),
        ("/ask", {}),
        ("/search", {}),
    ],
)
def test_questions_during_loading_get_503_before_any_stream(
    tmp_path: Path, path: str, headers: dict[str, str]
) -> None:
    # No lifespan has run: the app is exactly as it is while the model is still loading.
    app = create_app(Settings(index_dir=tmp_path / "idx"))

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, json=XI, headers=headers)

    response = asyncio.run(call())
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert "still loading" in response.json()["error"]
