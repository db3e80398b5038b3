"""Builders for ticket, equipment, report and import tests (the `build` fixture of
tests/conftest.py): customers, contacts, equipment and tickets made through the API, or inserted
directly where a test needs a fixed time."""

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import text

_phones = itertools.count(1)


def a_phone() -> str:
    """A valid Indian mobile no other customer in these tests has, as typed by hand."""
    return f"+91 96{next(_phones):08d}"


class Builder:
    def __init__(self, client: Any, headers: dict[str, str], connection: Any) -> None:
        self.client = client
        self.headers = headers
        self.connection = connection

    async def customer(self, **values: Any) -> dict[str, Any]:
        body = {
            "customer_type": "hospital",
            "name": "Sunrise Multispeciality Hospital",
            "primary_phone": a_phone(),
            **values,
        }
        response = await self.client.post("/api/v1/customers", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def customer_row(self, **values: Any) -> dict[str, Any]:
        """A customer inserted directly (customers/repository.add fails on a connection that
        created more than a few customers: see the note in test_reports_api)."""
        row = {
            "customer_type": "hospital",
            "name": "Sunrise Multispeciality Hospital",
            "primary_phone": "+91" + a_phone()[4:].replace(" ", ""),
            "city": None,
            "state": None,
            "tier": "standard",
            **values,
        }
        result = await self.connection.execute(
            text(
                "INSERT INTO customers (customer_type, name, primary_phone, city, state, tier) "
                "VALUES (:customer_type, :name, :primary_phone, :city, :state, :tier) "
                "RETURNING id::text AS id, name, primary_phone, city, state, tier"
            ),
            row,
        )
        return dict(result.mappings().one())

    async def contact(self, customer_id: str, **values: Any) -> dict[str, Any]:
        body = {"name": "Dr. Meera Iyer", **values}
        response = await self.client.post(
            f"/api/v1/customers/{customer_id}/contacts", json=body, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def equipment(self, **values: Any) -> dict[str, Any]:
        body = {"serial_number": "SN-MRI-0001", "model": "Signa 1.5T", **values}
        response = await self.client.post("/api/v1/equipment", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def ticket(self, customer_id: str, **values: Any) -> dict[str, Any]:
        body = {"customer_id": customer_id, "title": "MRI coil error E-204", **values}
        response = await self.client.post("/api/v1/tickets", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def ticket_at(
        self, customer_id: str, created_at: datetime, *, status: str = "open"
    ) -> None:
        """A ticket created at a fixed time, inserted directly (the API stamps `now`)."""
        await self.connection.execute(
            text(
                "INSERT INTO service_tickets (ticket_number, customer_id, title, status, "
                "created_by, created_at, closed_at) VALUES ("
                "left('T-' || replace(gen_random_uuid()::text, '-', ''), 32), "
                ":customer, 'Fault', :status, 'test', :at, :closed)"
            ),
            {
                "customer": customer_id,
                "status": status,
                "at": created_at,
                "closed": created_at if status == "closed" else None,
            },
        )

    async def block(self, customer_id: str, admin: dict[str, str]) -> None:
        response = await self.client.post(
            f"/api/v1/customers/{customer_id}/block",
            json={"reason": "Payment overdue 180 days"},
            headers=admin,
        )
        assert response.status_code == 200, response.text
