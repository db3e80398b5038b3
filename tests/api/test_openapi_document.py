"""The OpenAPI document as clients and generators read it (no database needed to build it)."""

import re
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from clientele.apidocs import DOCS_POLICY
from clientele.app import create_app
from clientele.config import load_settings
from clientele.openapi import VERBS
from clientele.problems import PROBLEM_MEDIA_TYPE


def _document() -> dict[str, Any]:
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_error_answer_of_every_operation_is_a_problem() -> None:
    document = _document()
    checked = 0
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"][PROBLEM_MEDIA_TYPE]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (path, method, status)
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (path, method, status)
                checked += 1
    assert checked > 100
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_api_operation_documents_unauthenticated_invalid_and_unavailable_answers() -> None:
    for path, method, operation in _operations(_document()):
        if path.startswith("/api/"):
            assert {"401", "422", "503"} <= set(operation["responses"]), (path, method)


def test_operation_ids_are_unique_verbs() -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(_document())]
    assert len(ids) == len(set(ids))
    assert [name for name in ids if not name.startswith(VERBS)] == []
    assert {"create_customer", "search_customers", "get_customer", "list_tickets"} <= set(ids)


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")  # FastAPI warns; we refuse
def test_two_operations_with_one_function_name_are_refused() -> None:
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    extra = APIRouter(prefix="/api/v1/again")

    @extra.get("/customers/{customer_id}")
    async def get_customer() -> None: ...

    app.include_router(extra)
    with pytest.raises(RuntimeError, match="repeated: get_customer"):
        app.openapi()


def test_the_csv_import_body_is_a_described_file() -> None:
    operation = _document()["paths"]["/api/v1/customers/import"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"]["text/csv"]["schema"] == {"type": "string", "format": "binary"}


async def test_the_docs_pages_load_their_assets_from_this_server_only() -> None:
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://docs.test") as client:
        for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
            answer = await client.get(page)
            assert answer.status_code == 200
            assert answer.headers["content-security-policy"] == DOCS_POLICY
            assert f'"/docs/static/{asset}"' in answer.text
            assert re.findall(r'(?:src|href)="(https?:[^"]+)"', answer.text) == []
            assert (await client.get(f"/docs/static/{asset}")).status_code == 200
