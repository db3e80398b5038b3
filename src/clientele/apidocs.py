"""`/docs` (Swagger UI) and `/redoc` served from this server, never a CDN: agents' networks
and air-gapped installs have no internet. The assets are fastapi-offline's vendored copies of
Swagger UI (Apache-2.0) and ReDoc (MIT), served under /docs/static."""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC = "/docs/static"
# The pages' own policy (the web UI's stricter one would stop Swagger UI's inline start-up
# script): everything from this server, so even ReDoc's attribution logo is never fetched from
# its CDN (ReDoc hides the image when it cannot load).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["content-security-policy"] = DOCS_POLICY
    return page


def install_docs(app: FastAPI) -> None:
    """Add /docs and /redoc; create the app with `docs_url=None, redoc_url=None`."""
    app.mount(STATIC, StaticFiles(directory=ASSETS), name="docs-static")
    title = app.title
    favicon = f"{STATIC}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def get_swagger_ui() -> HTMLResponse:
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{title} API",
                swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
                swagger_css_url=f"{STATIC}/swagger-ui.css",
                swagger_favicon_url=favicon,
                swagger_ui_parameters={"displayOperationId": True, "persistAuthorization": True},
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def get_redoc() -> HTMLResponse:
        return _with_policy(
            get_redoc_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{title} API",
                redoc_js_url=f"{STATIC}/redoc.standalone.js",
                redoc_favicon_url=favicon,
                with_google_fonts=False,
            )
        )
