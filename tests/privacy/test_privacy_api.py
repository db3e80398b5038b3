"""Personal-data routes: legal holds refuse with reasons, organizations are not erasable, a
contact person is, the export holds everything, and reads through the API and the web UI are
access-logged."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clientele.auth.domain import Role
from clientele.privacy import service
from tests.conftest import bearer
from tests.privacy.conftest import RETENTION_DAYS
from tests.support.web import UserMaker, logged_in

ERASE = {"reason": "erasure request", "request_ref": "DPR-7"}


async def _individual(http, headers, **values) -> str:
    body = {
        "customer_type": "individual",
        "name": "Anjali Deshpande",
        "primary_phone": "+91 98220 31415",
        "primary_email": "anjali.d@example.in",
        **values,
    }
    created = await http.post("/api/v1/customers", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _ticket(http, headers, customer_id: str) -> str:
    made = await http.post(
        "/api/v1/tickets", json={"customer_id": customer_id, "title": "No power"}, headers=headers
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_an_open_ticket_and_an_explicit_hold_refuse_the_erasure_with_every_reason(
    http, uow_factory
):
    admin = await bearer(uow_factory, Role.ADMIN)
    person = await _individual(http, admin)
    await _ticket(http, admin, person)
    await service.place_hold(
        uow_factory(), customer_id=person, reason="consumer court case 12/2026", actor="test"
    )

    refused = await http.post(f"/api/v1/customers/{person}/erase", json=ERASE, headers=admin)

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    reasons = refused.json()["reasons"]
    assert reasons[0] == "a legal hold is in place: consumer court case 12/2026"
    assert reasons[1] == "1 open ticket(s): close them first"
    still = await http.get(f"/api/v1/customers/{person}", headers=admin)
    assert still.json()["name"] == "Anjali Deshpande"


async def test_a_ticket_closed_within_the_retention_period_holds_the_data(http, uow_factory):
    admin = await bearer(uow_factory, Role.ADMIN)
    person = await _individual(http, admin)
    ticket = await _ticket(http, admin, person)
    closed = await http.patch(f"/api/v1/tickets/{ticket}", json={"status": "closed"}, headers=admin)
    assert closed.status_code == 200, closed.text

    refused = await http.post(f"/api/v1/customers/{person}/erase", json=ERASE, headers=admin)

    assert refused.status_code == 409, refused.text
    [reason] = refused.json()["reasons"]
    assert reason.startswith(f"service records are kept {RETENTION_DAYS} days")
    # Once the period has passed, the same request goes through.
    later = datetime.now(UTC) + timedelta(days=RETENTION_DAYS + 1)
    erasure = await service.erase_customer(
        uow_factory(),
        customer_id=person,
        reason="erasure request",
        request_ref="DPR-7",
        actor="token:dpo",
        retention_days=RETENTION_DAYS,
        now=later,
    )
    assert erasure.counts["customers"] == 1


async def test_an_organization_is_not_erasable_and_bad_requests_are_problems(http, uow_factory):
    admin = await bearer(uow_factory, Role.ADMIN)
    agent = await bearer(uow_factory, Role.AGENT)
    hospital = await _individual(http, admin, customer_type="hospital", name="Ruby Hall Clinic")

    answers = {
        "organization": await http.post(
            f"/api/v1/customers/{hospital}/erase", json=ERASE, headers=admin
        ),
        "unknown": await http.post(
            "/api/v1/customers/00000000-0000-4000-8000-000000000000/erase",
            json=ERASE,
            headers=admin,
        ),
        "agent": await http.post(f"/api/v1/customers/{hospital}/erase", json=ERASE, headers=agent),
        "no reason": await http.post(
            f"/api/v1/customers/{hospital}/erase", json={"request_ref": "x"}, headers=admin
        ),
        "bad cursor": await http.get(
            f"/api/v1/customers/{hospital}/access-log", params={"cursor": "zz"}, headers=admin
        ),
    }

    assert {k: v.status_code for k, v in answers.items()} == {
        "organization": 422,
        "unknown": 404,
        "agent": 403,
        "no reason": 422,
        "bad cursor": 422,
    }
    assert answers["organization"].json()["type"].endswith("not-an-individual")
    assert all(
        a.headers["content-type"].startswith("application/problem+json") for a in answers.values()
    )


async def test_a_hospitals_contact_person_is_erased_with_its_history(http, uow_factory, connection):
    admin = await bearer(uow_factory, Role.ADMIN)
    hospital = await _individual(http, admin, customer_type="hospital", name="Ruby Hall Clinic")
    made = await http.post(
        f"/api/v1/customers/{hospital}/contacts",
        json={"name": "Dr. Meera Iyer", "phone": "98220 27182", "role": "Biomedical head"},
        headers=admin,
    )
    contact = made.json()["id"]
    changed = await http.patch(
        f"/api/v1/contacts/{contact}", json={"email": "meera.iyer@rubyhall.in"}, headers=admin
    )
    assert changed.status_code == 200, changed.text

    erased = await http.post(f"/api/v1/contacts/{contact}/erase", json=ERASE, headers=admin)

    assert erased.status_code == 200, erased.text
    assert erased.json()["counts"]["customer_contact_versions"] == 3  # insert, update, erase
    now = await http.get(f"/api/v1/contacts/{contact}", headers=admin)
    assert now.json()["name"] == f"Erased contact {contact[:8]}"
    assert now.json()["phone"] is None
    images = (
        await connection.execute(
            text("SELECT row_data::text FROM customer_contact_versions WHERE contact_id = :id"),
            {"id": contact},
        )
    ).scalars()
    assert not [i for i in images if "Meera" in i or "919822027182" in i or "rubyhall" in i]
    hospital_now = await http.get(f"/api/v1/customers/{hospital}", headers=admin)
    assert hospital_now.json()["name"] == "Ruby Hall Clinic"


async def test_the_export_holds_the_record_every_version_contacts_and_tickets(http, uow_factory):
    admin = await bearer(uow_factory, Role.ADMIN)
    person = await _individual(http, admin)
    etag = (await http.get(f"/api/v1/customers/{person}", headers=admin)).headers["ETag"]
    await http.patch(
        f"/api/v1/customers/{person}", json={"city": "Pune"}, headers={**admin, "If-Match": etag}
    )
    await http.post(
        f"/api/v1/customers/{person}/contacts", json={"name": "Rohan Deshpande"}, headers=admin
    )
    ticket = await _ticket(http, admin, person)

    exported = await http.get(f"/api/v1/customers/{person}/personal-data", headers=admin)

    assert exported.status_code == 200, exported.text
    document = exported.json()
    assert document["record"]["primary_email"] == "anjali.d@example.in"
    assert [v["operation"] for v in document["versions"]] == ["insert", "update"]
    assert [c["name"] for c in document["contacts"]] == ["Rohan Deshpande"]
    assert [t["id"] for t in document["tickets"]] == [ticket]
    assert document["legal_hold"] is None
    assert document["erasures"] == []


async def test_reads_of_an_individual_through_the_api_and_the_web_are_access_logged(
    app, http, uow_factory, users: UserMaker
):
    admin = await bearer(uow_factory, Role.ADMIN)
    viewer = await bearer(uow_factory, Role.VIEWER, name="call-centre")
    person = await _individual(http, admin)
    hospital = await _individual(
        http,
        admin,
        customer_type="hospital",
        name="Ruby Hall Clinic",
        primary_phone="020 2612 3456",
    )
    moment = datetime.now(UTC).isoformat()
    for path, params in (
        (f"/api/v1/customers/{person}", {}),
        (f"/api/v1/customers/{person}", {"as_of": moment}),
        (f"/api/v1/customers/{person}/history", {}),
        (f"/api/v1/customers/{person}/timeline", {}),
        (f"/api/v1/customers/{hospital}", {}),  # an organization: not personal data
    ):
        answer = await http.get(path, params=params, headers=viewer)
        assert answer.status_code == 200, answer.text
    await logged_in(http, users, Role.VIEWER, name="asha")
    page = await http.get(f"/customers/{person}")
    assert page.status_code == 200
    written = await app.state.access_log.flush()

    log = await http.get(f"/api/v1/customers/{person}/access-log", headers=admin)

    assert log.status_code == 200, log.text
    entries = [(e["actor"], e["action"]) for e in log.json()["items"]]
    assert entries == [
        ("user:asha", "timeline"),
        ("user:asha", "record"),
        ("token:call-centre", "timeline"),
        ("token:call-centre", "history"),
        ("token:call-centre", "record_as_of"),
        ("token:call-centre", "record"),
    ]
    assert {e["client_address"] for e in log.json()["items"]} == {"127.0.0.1"}
    assert written == 6
    none = await http.get(f"/api/v1/customers/{hospital}/access-log", headers=admin)
    assert none.json()["items"] == []


async def test_history_stays_append_only_except_for_the_erasure_function(
    connection, http, uow_factory
):
    admin = await bearer(uow_factory, Role.ADMIN)
    person = await _individual(http, admin)
    other = await _individual(http, admin, name="Someone Else", primary_phone="+91 98220 99999")
    rewrite = "UPDATE customer_versions SET row_data = '{}' WHERE customer_id = :id"
    new_actor = "UPDATE customer_versions SET actor = 'x' WHERE customer_id = :id"
    for subject, statement in (
        (None, rewrite),
        (f"customer:{other}", rewrite),  # redacting someone else
        (f"customer:{person}", new_actor),  # more than row_data
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await _as_redaction(connection, subject, statement, person)
    await _as_redaction(connection, f"customer:{person}", rewrite, person)  # allowed


async def _as_redaction(connection, subject: str | None, statement: str, customer_id: str) -> None:
    async with connection.begin_nested():
        if subject:
            await connection.execute(
                text("SELECT set_config('clientele.redacting', :s, true)"), {"s": subject}
            )
        await connection.execute(text(statement), {"id": customer_id})


async def test_erasing_a_survivor_erases_the_records_merged_into_it(http, uow_factory):
    admin = await bearer(uow_factory, Role.ADMIN)
    survivor = await _individual(http, admin)
    duplicate = await _individual(
        http, admin, name="ANJALI DESHPANDE", primary_phone="+91 98220 31416", notes="old record"
    )
    merged = await http.post(
        f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [duplicate]}, headers=admin
    )
    assert merged.status_code == 201, merged.text

    erased = await http.post(f"/api/v1/customers/{survivor}/erase", json=ERASE, headers=admin)

    assert erased.status_code == 200, erased.text
    kept = (await http.get(f"/api/v1/customers/{duplicate}", headers=admin)).json()
    assert kept["name"] == f"Erased customer {duplicate[:8]}"
    assert kept["notes"] is None
    assert kept["merged_into_id"] == survivor  # the link stays
    refused = await http.post(f"/api/v1/customers/{duplicate}/erase", json=ERASE, headers=admin)
    assert refused.json()["reasons"] == [
        f"merged into customer {survivor}: undo the merge, or erase that customer"
    ]
