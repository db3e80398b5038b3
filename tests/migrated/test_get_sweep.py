"""Every GET operation of the OpenAPI answers below 500 on migrated legacy data.

Path ids are real rows of each awkward kind (no phone, no city, merged, blocked); query
parameters take their defaults, then one typical value each (every enum value, the largest
limit, a city, a time), then the next page.
"""

from typing import Any

import httpx
import pytest

from clientele.app import create_app
from clientele.config import load_settings
from tests.support.migrated import MigratedIds

AS_OF = "2025-06-30T12:00:00+05:30"


def _get_operations() -> list[tuple[str, dict[str, Any]]]:
    document = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    paths = document.openapi()["paths"]
    return [(path, ops["get"]) for path, ops in paths.items() if "get" in ops]


OPERATIONS = _get_operations()


def _typical_values(param: dict[str, Any], ids: MigratedIds) -> list[str]:
    """Values a user would really send for one query parameter."""
    name = param["name"]
    schema = param.get("schema", {})
    options = schema.get("anyOf", [schema])
    enums = [value for option in options for value in option.get("enum", [])]
    if enums:
        return [str(value) for value in enums]
    types = {option.get("type") for option in options}
    formats = {option.get("format") for option in options}
    known = {
        "city": ["Mumbai", "mumbai"],
        "state": ["Maharashtra"],
        "q": ["hospital", "mahavir", "+91 98", ids.legacy_id, str(ids.phoneless)],
        "phone": ["98201 23456"],
        "legacy_id": [ids.legacy_id],
        "customer_id": [str(ids.phoneless), str(ids.merged), str(ids.blocked)],
        "equipment_id": [str(ids.equipment)],
        "organization_id": [str(ids.organization)] if ids.organization else [],
        "tag": ["vip"],
        "serial_number": ["SN-0"],
        "as_of": [AS_OF, "2020-01-01T00:00:00Z"],
        "min_tickets": ["0", "10"],
    }
    if name in known:
        return known[name]
    if "integer" in types:
        maximum = next((o["maximum"] for o in options if "maximum" in o), None)
        return [str(maximum)] if maximum is not None else ["1"]
    if "boolean" in types:
        return ["true", "false"]
    if formats & {"date-time"}:
        return [AS_OF]
    if formats & {"date"}:
        return ["2025-01-01"]
    return []


def _path_variants(path: str, ids: MigratedIds) -> list[str]:
    variants = [path]
    for name in ("customer_id", "ticket_id", "equipment_id", "organization_id", "contact_id",
                 "merge_id", "webhook_id"):  # fmt: skip
        if "{" + name + "}" in path:
            values = ids.for_parameter(name)
            variants = [v.replace("{" + name + "}", value) for v in variants for value in values]
    assert "{" not in "".join(variants), f"no real id for a parameter of {path}"
    return variants


def _requests(path: str, operation: dict[str, Any], ids: MigratedIds) -> list[tuple[str, dict]]:
    queries = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    requests: list[tuple[str, dict[str, str]]] = []
    for url in _path_variants(path, ids):
        requests.append((url, {}))
        for param in queries:
            for value in _typical_values(param, ids):
                requests.append((url, {param["name"]: value}))
    return requests


@pytest.mark.parametrize(("path", "operation"), OPERATIONS, ids=[p for p, _ in OPERATIONS])
async def test_every_get_operation_answers_below_500_on_migrated_data(
    path: str,
    operation: dict[str, Any],
    migrated_app_client: httpx.AsyncClient,
    migrated_admin: dict[str, str],
    migrated_ids: MigratedIds,
) -> None:
    failures = []
    for url, params in _requests(path, operation, migrated_ids):
        answer = await migrated_app_client.get(url, params=params, headers=migrated_admin)
        if answer.status_code >= 500:
            failures.append(f"{url} {params} -> {answer.status_code}")
            continue
        if answer.status_code == 200 and "json" in answer.headers.get("content-type", ""):
            body = answer.json()
            cursor = body.get("next_cursor") if isinstance(body, dict) else None
            if cursor:
                page = await migrated_app_client.get(
                    url, params={**params, "cursor": cursor}, headers=migrated_admin
                )
                if page.status_code >= 500:
                    failures.append(f"{url} {params} next page -> {page.status_code}")
    assert not failures, "\n".join(failures)
