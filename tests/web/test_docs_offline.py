"""/docs and /redoc render in a real browser with no network beyond the server: every request
to another host is blocked, as on an air-gapped install. Skipped like the other browser tests
where /usr/bin/chromium or Playwright is missing."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.live import database_copy, uvicorn_server
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, sync_api


@pytest.fixture(scope="module")
def base_url(server_url: str, template_database: str) -> Iterator[str]:
    with (
        database_copy(server_url, template_database, "clientele_docs") as url,
        uvicorn_server(url) as base,
    ):
        yield base


@pytest.fixture(scope="module")
def offline_page() -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page whose requests outside 127.0.0.1 are refused; yields it, the refused URLs and
    the console errors (a CSP violation would be one)."""
    blocked: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()

        def only_local(route: Any) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort("internetdisconnected")

        page.route("**/*", only_local)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, blocked, errors
        browser.close()


def test_swagger_ui_renders_every_operation_without_the_internet(base_url, offline_page):
    page, blocked, errors = offline_page
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 30
    assert page.get_by_text("create_customer", exact=True).count() == 1
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Clientele")
    assert blocked == []
    assert errors == []


REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_renders_without_the_internet(base_url, offline_page):
    page, blocked, errors = offline_page
    page.goto(f"{base_url}/redoc")
    page.wait_for_selector("h1:has-text('Clientele')", timeout=20_000)
    operation = page.get_by_text("Find customers by name, phone or id").first
    operation.wait_for(state="attached", timeout=20_000)
    assert blocked == []
    # ReDoc always tries its attribution logo from its CDN; the page's policy refuses it before
    # any request leaves the browser, and ReDoc hides the image. Nothing else may fail.
    assert [e for e in errors if REDOC_LOGO not in e] == []
