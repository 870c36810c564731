"""/docs (Swagger UI) and /redoc (ReDoc) work with no internet: their pages name only this
server's assets (api/routes/docs.py), the assets are served, each page's policy lets its own
script run and nothing else, and in real headless Chromium both render with every request
off the loopback refused."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.browsing import browser_page, needs_chromium

PAGES = ("/docs", "/redoc")
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app without its lifespan: the documentation needs neither model nor index."""
    return TestClient(create_app(Settings(index_dir=tmp_path_factory.mktemp("docs"))))


@pytest.mark.parametrize("path", PAGES)
def test_pages_name_only_local_assets(http: TestClient, path: str) -> None:
    page = http.get(path)
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url|spec-url)\s*[=:]\s*["']([^"']+)["']""", page.text)
    assert urls, page.text
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "cdn" not in page.text and "fonts.googleapis" not in page.text
    for url in urls:
        asset = http.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url


def test_assets_have_their_types(http: TestClient) -> None:
    expected = {
        "swagger-ui-bundle.js": "text/javascript",
        "swagger-ui.css": "text/css",
        "redoc.standalone.js": "text/javascript",
        "favicon.png": "image/png",
    }
    for name, media in expected.items():
        response = http.get(f"/docs/assets/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "name", ["app.py", "..%2F..%2Fsettings.py", "%2e%2e%2fcore.py", "__init__.py"]
)
def test_only_the_bundled_assets_are_served(http: TestClient, name: str) -> None:
    response = http.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert response.json()["error"]  # the API's JSON error, never a file from disk
    assert "import" not in response.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_policy_that_pins_their_inline_script(http: TestClient, path: str) -> None:
    page = http.get(path)
    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'") and "frame-ancestors 'none'" in policy
    script_src = re.search(r"script-src ([^;]+)", policy)
    assert script_src is not None
    assert "unsafe-inline" not in script_src.group(1) and "unsafe-eval" not in policy
    for block in re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src.group(1)
    assert "http:" not in policy and "https:" not in policy  # nothing from elsewhere


def test_schema_is_still_served_and_lists_no_page_routes(http: TestClient) -> None:
    schema = http.get("/openapi.json").json()
    assert "/ask/stream" in schema["paths"]
    for hidden in ("/docs", "/redoc", "/docs/assets/{name}", "/page-config", "/"):
        assert hidden not in schema["paths"]


@pytest.mark.slow
@needs_chromium
def test_swagger_ui_and_redoc_render_offline(tmp_path: Path) -> None:
    from tests.api.server import serving

    with serving(create_app(Settings(index_dir=tmp_path))) as base_url:
        with browser_page() as (page, watch):
            page.goto(base_url + "/docs")
            page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
            assert "/ask/stream" in page.inner_text(".swagger-ui")
            assert page.locator(".swagger-ui .opblock").count() >= 10
            watch.assert_clean()
        with browser_page() as (page, watch):
            page.goto(base_url + "/redoc")
            page.wait_for_selector("h1", timeout=30_000)
            page.wait_for_function(
                "document.body.innerText.includes('/ask/stream')", timeout=30_000
            )
            assert "newsrag" in page.inner_text("h1")
            # ReDoc's sidebar always tries Redocly's logo from its CDN; the policy stops it
            # and ReDoc hides the image (its onError): the one attempt, and it never leaves.
            watch.assert_clean(blocked=(REDOCLY_LOGO,))
