"""Rate limits that fit (issue 15.7), against a real server on loopback: per key when keys
are set, none by default for a keyless server's loopback callers, and every 429 with
``Retry-After``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.security import FAILED_KEYS_PER_MINUTE, Guard
from api.settings import Settings
from index.embedding import Embedder
from tests.api.server import running

KEY_A, KEY_B = "first-key-0123456789", "second-key-0123456789"


def statuses(http: httpx.Client, count: int, **headers: str) -> list[int]:
    return [http.get("/stats", headers=headers).status_code for _ in range(count)]


def test_no_keys_on_loopback_means_no_limit_by_default(
    server_index: Path, embedder: Embedder
) -> None:
    """A local script asking more than the per-key limit a minute is never refused."""
    settings = Settings(index_dir=server_index, rate_limit_per_minute=5)
    with running(settings, embedder) as url, httpx.Client(base_url=url) as http:
        assert statuses(http, 30) == [200] * 30


def test_a_loopback_limit_can_be_set_and_429s_say_when_to_retry(
    server_index: Path, embedder: Embedder
) -> None:
    settings = Settings(index_dir=server_index, rate_limit_loopback_per_minute=3)
    with running(settings, embedder) as url, httpx.Client(base_url=url) as http:
        assert statuses(http, 4) == [200, 200, 200, 429]
        refused = http.get("/stats")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"] == "rate limit of 3 requests a minute exceeded"


def test_with_keys_the_limit_is_per_key_on_loopback_too(
    server_index: Path, embedder: Embedder
) -> None:
    settings = Settings(index_dir=server_index, api_keys=[KEY_A, KEY_B], rate_limit_per_minute=3)
    with running(settings, embedder) as url, httpx.Client(base_url=url) as http:
        first = {"Authorization": f"Bearer {KEY_A}"}
        assert statuses(http, 4, **first) == [200, 200, 200, 429]
        assert int(http.get("/stats", headers=first).headers["Retry-After"]) >= 1
        assert statuses(http, 3, Authorization=f"Bearer {KEY_B}") == [200] * 3
        guesses = statuses(http, FAILED_KEYS_PER_MINUTE + 2, Authorization="Bearer wrong")
        assert guesses[-1] == 429
        guessed = http.get("/stats", headers={"Authorization": "Bearer wrong"})
        assert guessed.status_code == 429 and int(guessed.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("who", "limited"),
    [("ip:127.0.0.1", False), ("ip:::1", False), ("ip:10.1.2.3", True), ("ip:?", True)],
)
def test_without_keys_other_addresses_keep_the_limit(who: str, limited: bool) -> None:
    """A keyless server started with --allow-public still limits remote addresses."""
    guard = Guard(Settings(rate_limit_per_minute=2))
    codes = []
    for _ in range(3):
        try:
            guard.throttle(who)
            codes.append(200)
        except Exception as exc:  # the 429 HTTPException
            codes.append(getattr(exc, "status_code", 500))
    assert codes == ([200, 200, 429] if limited else [200, 200, 200])
