"""Read models tell the truth: a column that may be NULL is nullable in the OpenAPI too.

Migrated legacy data holds NULL wherever the table allows it (customers without a valid
phone, without a city, without a tier); a read schema that says otherwise answers 500.
"""

from typing import Any

import pytest
from sqlalchemy import Table

from clientele import tables
from clientele.app import create_app
from clientele.config import load_settings

# OpenAPI component -> the table whose rows it shows.
READ_MODELS: dict[str, Table] = {
    "CustomerRead": tables.customers,
    "CustomerSummaryRead": tables.customers,
    "CustomerBrief": tables.customers,
    "ContactRead": tables.customer_contacts,
    "ContactSummaryRead": tables.customer_contacts,
    "EquipmentRead": tables.equipment,
    "TicketRead": tables.service_tickets,
    "OrganizationRead": tables.organizations,
}
# Columns the repositories read NULL as a value of (customers.tags: NULL is read as []).
READ_AS_VALUE = {("customers", "tags")}


def _components() -> dict[str, Any]:
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    components: dict[str, Any] = app.openapi()["components"]["schemas"]
    return components


COMPONENTS = _components()


def _allows_null(prop: dict[str, Any]) -> bool:
    if prop.get("type") == "null" or "null" in (prop.get("type") or []):
        return True
    return any(_allows_null(option) for option in prop.get("anyOf", []) + prop.get("oneOf", []))


@pytest.mark.parametrize("component", sorted(READ_MODELS))
def test_every_nullable_column_is_nullable_in_the_read_schema(component: str) -> None:
    table = READ_MODELS[component]
    assert component in COMPONENTS, f"{component} is not in the OpenAPI document"
    properties = COMPONENTS[component]["properties"]
    wrong = [
        name
        for name, prop in properties.items()
        if name in table.c
        and table.c[name].nullable
        and (table.name, name) not in READ_AS_VALUE
        and not _allows_null(prop)
    ]
    assert not wrong, f"{component} says never null for nullable columns: {wrong}"
