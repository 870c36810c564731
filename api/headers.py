"""Security headers on every response, and a Content-Security-Policy for the chat page.

The chat page keeps the API key in localStorage and shows text and links that come from
ingested articles, i.e. from whoever could ingest. Rendering builds DOM nodes with
``textContent`` and only http(s) hrefs; the policy is the second line of defence: only the
page's own inline script and style (pinned by their SHA-256) may run, it may only talk to
this server, and it cannot be framed. JSON responses get ``default-src 'none'`` so a
response opened directly in a browser can run nothing either. /docs and /redoc
(api/routes/docs.py, served from local assets) set their own policy, ``docs_policy``: the
middleware never replaces a policy a route set.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def _hashes(html: str, tag: str) -> str:
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in blocks
    )


def docs_policy(html: str) -> str:
    """Swagger UI's and ReDoc's pages: scripts and styles from this server, the page's
    inline script by hash. Both libraries inject style elements at run time (a hash
    cannot name those), hence 'unsafe-inline' for styles only; ReDoc's search runs in a
    worker made from a blob: URL. Nothing may be loaded from anywhere else."""
    scripts = " ".join(filter(None, ["'self'", _hashes(html, "script")]))
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def page_policy(page: Path) -> str:
    """The chat page's policy: its own inline script and style by hash, nothing else."""
    html = page.read_text(encoding="utf-8")
    return (
        f"default-src 'none'; script-src {_hashes(html, 'script')}; "
        f"style-src {_hashes(html, 'style')}; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task, so streams and latency are untouched)."""

    def __init__(self, app: ASGIApp, page: Path, page_path: str = "/") -> None:
        self.app = app
        self.page_path = page_path
        self.page_csp = page_policy(page)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = self.page_csp if path == self.page_path else API_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = dict(COMMON, **{"content-security-policy": csp})
                headers += [
                    (k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
