"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from local assets, so they work offline.

FastAPI's own pages load both from a CDN, which a server without internet (or a browser
behind a strict proxy) cannot reach. The JavaScript and CSS come from the pinned
``fastapi-offline`` package (its ``static/`` folder: swagger-ui-bundle.js, swagger-ui.css,
redoc.standalone.js, favicon.png); the HTML is FastAPI's documented self-hosting recipe
(``get_swagger_ui_html`` / ``get_redoc_html`` with local URLs, Google Fonts off). Each page
carries its own Content-Security-Policy (api/headers.py ``docs_policy``): scripts from this
server and the page's inline one by hash, nothing from elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from api.headers import docs_policy

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSET_URL = "/docs/assets"
# The only files served: a fixed list, so no path from the URL ever reaches the disk.
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}

router = APIRouter(include_in_schema=False)


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["content-security-policy"] = docs_policy(bytes(page.body).decode())
    return page


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return _with_policy(
        get_swagger_ui_html(
            openapi_url=f"{root}{request.app.openapi_url}",
            title=f"{request.app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSET_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSET_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSET_URL}/favicon.png",
        )
    )


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return _with_policy(
        get_redoc_html(
            openapi_url=f"{root}{request.app.openapi_url}",
            title=f"{request.app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSET_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSET_URL}/favicon.png",
            with_google_fonts=False,
        )
    )


@router.get(ASSET_URL + "/{name}")
async def asset(name: str) -> FileResponse:
    """One of the bundled files, cacheable for a day (they change only with the package)."""
    if name not in MEDIA_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no documentation asset {name!r}")
    return FileResponse(
        ASSETS / name, media_type=MEDIA_TYPES[name], headers={"cache-control": "max-age=86400"}
    )
