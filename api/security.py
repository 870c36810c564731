"""API keys (bearer tokens, constant-time comparison), a per-key rate limit, and a limit on
wrong keys per client address so that keys cannot be guessed at speed.

Whom the request limit counts: with keys set, each key (``rate_limit_per_minute``); without
keys, each client address, except that a loopback address (a script or the chat page on the
same machine, the only callers a keyless server accepts unless started with
``--allow-public``) has its own limit, ``rate_limit_loopback_per_minute``, off by default: a
local batch of 200 questions is not an attack. Every 429 carries ``Retry-After``."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time

from fastapi import HTTPException, Request, status

from api.settings import Settings

FAILED_KEYS_PER_MINUTE = 10  # wrong or missing keys one address may send before a 429
MAX_BUCKETS = 10_000  # past this, buckets that have refilled (carry no state) are dropped


class TokenBuckets:
    """``limit`` events a minute per name, bursts up to ``limit``. A bucket untouched for a
    minute is full again, the same as no bucket, so evicting it loses nothing; that keeps
    memory bounded however many distinct callers come."""

    def __init__(self, limit: int, what: str):
        self.limit = limit
        self.what = what
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, name: str) -> None:
        """Spend one token of ``name``'s bucket, or raise 429 with Retry-After."""
        if self.limit <= 0:
            return
        now = time.monotonic()
        rate = self.limit / 60.0
        with self._lock:
            if len(self._buckets) >= MAX_BUCKETS:
                self._evict_full(now, rate)
            tokens, last = self._buckets.get(name, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - last) * rate)
            if tokens < 1.0:
                retry = max(1, int((1.0 - tokens) / rate) + 1)
                raise HTTPException(
                    status.HTTP_429_TOO_MANY_REQUESTS,
                    f"rate limit of {self.limit} {self.what} a minute exceeded",
                    headers={"Retry-After": str(retry)},
                )
            self._buckets[name] = (tokens - 1.0, now)

    def _evict_full(self, now: float, rate: float) -> None:
        self._buckets = {
            name: (tokens, last)
            for name, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * rate < self.limit
        }


class Guard:
    """Checks every request; keys come only from settings (the environment)."""

    def __init__(self, settings: Settings):
        self._keys = [k.get_secret_value().encode() for k in settings.api_keys]
        self.requests = TokenBuckets(settings.rate_limit_per_minute, "requests")
        self.loopback = TokenBuckets(settings.rate_limit_loopback_per_minute, "requests")
        self.failures = TokenBuckets(FAILED_KEYS_PER_MINUTE, "failed API key attempts")

    def identify(self, request: Request) -> str:
        """The caller's identity for rate limiting: a key digest, or the client address.
        A wrong key spends a token of the address's failure bucket before the 401, so an
        address that keeps guessing gets 429 whatever it sends."""
        address = f"ip:{request.client.host if request.client else '?'}"
        if not self._keys:
            return address
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        supplied = token.strip().encode()
        # compare against every key, always, so timing says nothing about which one matched
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(supplied, key)
        if scheme.lower() != "bearer" or not supplied or not matched:
            self.failures.take(address)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or invalid API key (send Authorization: Bearer <key>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return "key:" + hashlib.sha256(supplied).hexdigest()[:12]

    def throttle(self, who: str) -> None:
        """Token bucket per caller: ``rate_limit_per_minute`` requests a minute per key, or
        per address without keys; a loopback address without keys has
        ``rate_limit_loopback_per_minute`` (0, no limit, by default)."""
        if not self._keys and _is_loopback(who):
            self.loopback.take(who)
        else:
            self.requests.take(who)


def _is_loopback(who: str) -> bool:
    """Is this caller identity (``ip:<address>``) a loopback address?"""
    if not who.startswith("ip:"):
        return False
    try:
        return ipaddress.ip_address(who[3:]).is_loopback
    except ValueError:
        return False
