"""Refusals on the web UI: every DomainError is one HTML page with its status, and what a
person typed is never dropped."""

from uuid import uuid4

from sqlalchemy import event

from clientele.auth.domain import Role
from clientele.customers import service as customers_service
from clientele.equipment import service as equipment_service
from tests.support.web import SEED_ACTOR, csrf_of, logged_in, new_customer

HTML = "text/html; charset=utf-8"


async def test_a_missing_customer_is_a_404_html_page(web, users):
    await logged_in(web, users, Role.VIEWER)
    answer = await web.get(f"/customers/{uuid4()}")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == HTML
    assert "<h1>Not found</h1>" in answer.text
    assert "No customer with id" in answer.text
    malformed = await web.get("/customers/12345")
    assert malformed.status_code == 404
    assert "There is no customer with this id." in malformed.text


async def test_a_refused_form_for_a_missing_customer_shows_what_was_typed(web, users):
    await logged_in(web, users, Role.ADMIN)
    token = csrf_of((await web.get("/")).text)
    answer = await web.post(
        f"/customers/{uuid4()}/block",
        data={"csrf_token": token, "reason": "Unpaid invoices since March", "version": "3"},
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == HTML
    assert 'data-field="reason">Unpaid invoices since March</dd>' in answer.text
    assert 'data-field="version"' not in answer.text  # the page's state, not what was typed


async def test_a_stale_customer_edit_is_a_412_page_that_keeps_what_was_typed(
    web, users, uow_factory
):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    page = await web.get(f"/customers/{customer.id}/edit")
    await customers_service.update_customer(
        uow_factory(), customer_id=customer.id, changes={"city": "Pune"},
        expected_version=None, actor=SEED_ACTOR,
    )  # fmt: skip
    answer = await web.post(
        f"/customers/{customer.id}/edit",
        data={"csrf_token": csrf_of(page.text), "version": str(customer.version),
              "customer_type": "hospital", "name": "Sunrise Heart Institute",
              "primary_phone": "+912223456789", "notes": "Ask for Dr. Mehta"},
    )  # fmt: skip
    assert answer.status_code == 412
    assert 'value="Sunrise Heart Institute"' in answer.text
    assert "Ask for Dr. Mehta</textarea>" in answer.text
    assert "your changes were not saved" in answer.text


async def test_a_stale_unit_edit_is_a_412_page_that_keeps_what_was_typed(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    created = await equipment_service.create_equipment(
        uow_factory(), values={"serial_number": "SN-STALE-1", "customer_id": customer.id}
    )
    unit = created.equipment
    await logged_in(web, users, Role.AGENT)
    page = await web.get(f"/customers/{customer.id}")
    await equipment_service.update_equipment(
        uow_factory(), equipment_id=unit.id, values={"installation_city": "Nagpur"},
        expected_version=None,
    )  # fmt: skip
    answer = await web.post(
        f"/equipment/{unit.id}/edit",
        data={"csrf_token": csrf_of(page.text), "customer_id": str(customer.id),
              "version": str(unit.version), "action": "save",
              "installation_city": "Aurangabad", "installation_state": "Maharashtra"},
    )  # fmt: skip
    assert answer.status_code == 412
    assert "Someone changed this unit after you opened the page" in answer.text
    assert 'data-field="installation_city">Aurangabad</dd>' in answer.text
    assert 'data-field="installation_state">Maharashtra</dd>' in answer.text


async def test_a_refused_merge_is_a_409_page(web, users, uow_factory):
    survivor = await new_customer(uow_factory)
    other = await new_customer(uow_factory, name="Sunrise Hospital", primary_phone="+912223450000")
    await customers_service.block_customer(
        uow_factory(), customer_id=survivor.id, reason="Fraud", expected_version=None,
        actor=SEED_ACTOR,
    )  # fmt: skip
    await logged_in(web, users, Role.ADMIN)
    token = csrf_of((await web.get("/")).text)
    answer = await web.post(
        "/duplicates/merge",
        data={"csrf_token": token, "survivor": str(survivor.id),
              "members": f"{survivor.id},{other.id}"},
    )  # fmt: skip
    assert answer.status_code == 409
    assert answer.headers["content-type"] == HTML
    assert "is blocked (Fraud)" in answer.text


async def test_the_customer_page_reads_everything_in_one_transaction(
    web, users, uow_factory, connection
):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.VIEWER)
    await web.get(f"/customers/{customer.id}")  # warm: nothing cached decides the count
    savepoints: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SAVEPOINT"):
            savepoints.append(statement)

    target = connection.sync_connection
    event.listen(target, "before_cursor_execute", record)
    try:
        page = await web.get(f"/customers/{customer.id}?as_of=2020-01-01T00:00")
    finally:
        event.remove(target, "before_cursor_execute", record)
    assert page.status_code == 200, page.text
    # In tests every unit of work is a savepoint: one for the session, one for the page
    # (before, each of the eight service calls took its own).
    assert len(savepoints) == 2, savepoints
