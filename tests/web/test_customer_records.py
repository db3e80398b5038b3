"""Contacts and equipment edited from the customer page (no browser)."""

from clientele.auth.domain import Role
from clientele.equipment import service as equipment_service
from tests.support.web import csrf_of, logged_in, new_customer


async def test_an_agent_adds_and_edits_a_contact_from_the_customer_page(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    page = await web.get(f"/customers/{customer.id}")
    assert 'id="add-contact"' in page.text
    added = await web.post(
        f"/customers/{customer.id}/contacts",
        data={"csrf_token": csrf_of(page.text), "name": "Ravi Kulkarni", "role": "Biomedical",
              "phone": "098765 43210", "email": ""},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    page = await web.get(f"/customers/{customer.id}")
    assert "Ravi Kulkarni" in page.text
    assert "+91 98765 43210" in page.text
    contact_id = page.text.split('data-contact="')[1].split('"')[0]

    edited = await web.post(
        f"/contacts/{contact_id}/edit",
        data={"csrf_token": csrf_of(page.text), "customer_id": str(customer.id),
              "name": "Ravi K.", "role": "", "phone": "98201abcde"},
    )  # fmt: skip
    assert edited.status_code == 422
    assert "digits" in edited.text  # the message sits in the contacts section
    edited = await web.post(
        f"/contacts/{contact_id}/edit",
        data={"csrf_token": csrf_of(page.text), "customer_id": str(customer.id),
              "name": "Ravi K.", "role": "", "phone": "098765 43211"},
    )  # fmt: skip
    assert edited.status_code == 303, edited.text
    page = await web.get(f"/customers/{customer.id}")
    assert "Ravi K." in page.text
    assert "Biomedical" not in page.text  # a cleared field is cleared


async def test_an_agent_assigns_a_stock_unit_and_returns_it_to_stock(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    unit = await equipment_service.create_equipment(
        uow_factory(), values={"serial_number": "SN-WEB-42", "model": "Signa"}
    )
    await logged_in(web, users, Role.AGENT)
    page = await web.get(f"/customers/{customer.id}")
    unknown = await web.post(
        f"/customers/{customer.id}/equipment",
        data={"csrf_token": csrf_of(page.text), "serial_number": "SN-NOPE"},
    )
    assert unknown.status_code == 422
    assert "No unit in stock has the serial number SN-NOPE" in unknown.text

    assigned = await web.post(
        f"/customers/{customer.id}/equipment",
        data={"csrf_token": csrf_of(page.text), "serial_number": "SN-WEB-42"},
    )
    assert assigned.status_code == 303, assigned.text
    page = await web.get(f"/customers/{customer.id}")
    assert "SN-WEB-42" in page.text
    assert f'data-equipment="{unit.equipment.id}"' in page.text

    stale = await web.post(
        f"/equipment/{unit.equipment.id}/edit",
        data={"csrf_token": csrf_of(page.text), "customer_id": str(customer.id),
              "version": "1", "action": "stock"},
    )  # fmt: skip
    assert stale.status_code == 412
    back = await web.post(
        f"/equipment/{unit.equipment.id}/edit",
        data={"csrf_token": csrf_of(page.text), "customer_id": str(customer.id),
              "version": "2", "action": "stock"},
    )  # fmt: skip
    assert back.status_code == 303, back.text
    view = await equipment_service.get_equipment(uow_factory(), equipment_id=unit.equipment.id)
    assert view.equipment.in_stock
    assert view.equipment.version == 3


async def test_a_viewer_sees_no_edit_forms_and_cannot_post_them(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.VIEWER)
    page = await web.get(f"/customers/{customer.id}")
    assert 'id="add-contact"' not in page.text
    assert 'id="assign-equipment"' not in page.text
    refused = await web.post(
        f"/customers/{customer.id}/contacts",
        data={"csrf_token": csrf_of(page.text), "name": "Sneaky"},
    )
    assert refused.status_code == 403
