"""Helpers for the history tests: customers made over HTTP, and the database clock."""

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

HOSPITAL = {
    "customer_type": "hospital",
    "name": "Sunrise Multispeciality Hospital",
    "primary_phone": "022 2345 6789",
    "city": "Mumbai",
}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **values: Any) -> Any:
    """Create a customer over HTTP; return its JSON."""
    response = await client.post("/api/v1/customers", json={**HOSPITAL, **values}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def patch(
    client: httpx.AsyncClient, headers: dict[str, str], customer: dict[str, Any], **changes: Any
) -> Any:
    """PATCH a customer at the version it was read at; return the new JSON."""
    response = await client.patch(
        f"/api/v1/customers/{customer['id']}",
        json=changes,
        headers={**headers, "If-Match": f'"{customer["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def clock(connection: AsyncConnection) -> datetime:
    """The database's wall clock now (not the frozen transaction start)."""
    moment: datetime = (await connection.execute(text("SELECT clock_timestamp()"))).scalar_one()
    return moment
