"""The guard's parts on their own: key rules at startup, token buckets, eviction."""

import pytest
from fastapi import HTTPException
from pydantic import ValidationError

import api.security
from api.security import TokenBuckets
from api.settings import Settings


@pytest.mark.parametrize(
    "keys",
    ['[""]', '["   "]', '["short"]', '["a-long-enough-key-123", ""]', '["fifteen-chars!!"]'],
)
def test_empty_or_short_api_keys_are_refused_at_startup(
    keys: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSRAG_API_KEYS", keys)
    with pytest.raises(ValidationError, match="empty or shorter than 16"):
        Settings()


def test_long_keys_are_accepted_in_both_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSRAG_API_KEYS", '["sixteen-chars-ok"]')
    assert len(Settings().api_keys) == 1
    monkeypatch.setenv("NEWSRAG_API_KEYS", "sixteen-chars-ok, another-long-key-1")
    assert len(Settings().api_keys) == 2


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_bucket_allows_limit_then_429_with_retry_after(limit: int) -> None:
    buckets = TokenBuckets(limit, "requests")
    for _ in range(limit):
        buckets.take("a")
    with pytest.raises(HTTPException) as refused:
        buckets.take("a")
    assert refused.value.status_code == 429
    assert int(refused.value.headers["Retry-After"]) >= 1  # type: ignore[index]
    buckets.take("b")  # per name


def test_zero_limit_is_off() -> None:
    buckets = TokenBuckets(0, "requests")
    for _ in range(100):
        buckets.take("a")
    assert len(buckets) == 0


def test_refilled_buckets_are_evicted_and_spent_ones_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api.security, "MAX_BUCKETS", 50)
    clock = [1000.0]
    monkeypatch.setattr(api.security.time, "monotonic", lambda: clock[0])
    buckets = TokenBuckets(1, "requests")
    for n in range(50):
        buckets.take(f"caller-{n}")
    assert len(buckets) == 50
    clock[0] += 61.0  # every bucket has refilled: forgetting them changes nothing
    buckets.take("spent")
    assert len(buckets) == 1
    for n in range(49):
        buckets.take(f"other-{n}")
    clock[0] += 1.0
    buckets.take("late")  # eviction runs, but these buckets are still spent
    assert len(buckets) == 51
    with pytest.raises(HTTPException):
        buckets.take("spent")
