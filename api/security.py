"""API keys (bearer tokens, constant-time comparison) and a per-key rate limit."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from fastapi import HTTPException, Request, status

from index.settings import Settings


class Guard:
    """Checks every request; keys come only from settings (the environment)."""

    def __init__(self, settings: Settings):
        self._keys = [k.get_secret_value().encode() for k in settings.api_keys]
        self.limit = settings.rate_limit_per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def identify(self, request: Request) -> str:
        """The caller's identity for rate limiting: a key digest, or the client address."""
        if not self._keys:
            return f"ip:{request.client.host if request.client else '?'}"
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        supplied = token.strip().encode()
        # compare against every key, always, so timing says nothing about which one matched
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(supplied, key)
        if scheme.lower() != "bearer" or not matched:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or invalid API key (send Authorization: Bearer <key>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return "key:" + hashlib.sha256(supplied).hexdigest()[:12]

    def throttle(self, who: str) -> None:
        """Token bucket: ``limit`` requests a minute, bursts up to ``limit``."""
        if self.limit <= 0:
            return
        now = time.monotonic()
        rate = self.limit / 60.0
        with self._lock:
            tokens, last = self._buckets.get(who, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - last) * rate)
            if tokens < 1.0:
                retry = max(1, int((1.0 - tokens) / rate) + 1)
                raise HTTPException(
                    status.HTTP_429_TOO_MANY_REQUESTS,
                    f"rate limit of {self.limit} requests a minute exceeded",
                    headers={"Retry-After": str(retry)},
                )
            self._buckets[who] = (tokens - 1.0, now)
