"""The customer page's contacts and equipment, editable: add and change a contact person,
assign a unit from stock, change a unit's contact person or return it to stock.

Thin adapters: the form text goes through the API's schemas and the same services; messages
come back next to the section that failed.
"""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clientele.contacts import service as contacts_service
from clientele.contacts.schemas import ContactCreate, ContactUpdate
from clientele.deps import UoW
from clientele.equipment import service as equipment_service
from clientele.equipment.repository import EquipmentFilters
from clientele.equipment.schemas import EquipmentUpdate
from clientele.errors import DomainError, NotFound
from clientele.web import forms
from clientele.web.routes import _customer_id, _customer_page, _not_found, _redirect
from clientele.web.session import AgentSession, CheckedForm

router = APIRouter(include_in_schema=False)

CONTACT_FIELDS = ("name", "role", "phone", "email", "whatsapp")


def _blank_is_none(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: (form.get(name, "").strip() or None) for name in names if name in form}


def _message(errors: dict[str, str]) -> str:
    return "; ".join(f"{field.replace('_', ' ')}: {text}" for field, text in errors.items())


async def _failed(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, section: str,
    message: str, status: int,
) -> Response:  # fmt: skip
    return await _customer_page(
        request, uow, session, customer_id, status=status, **{f"{section}_error": message}
    )


@router.post("/customers/{customer_id}/contacts")
async def add_contact(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = _customer_id(customer_id)
    if uuid is None:
        return _not_found(request, session, "There is no customer with this id.")
    model, errors = forms.validate(ContactCreate, _blank_is_none(form, CONTACT_FIELDS))
    if model is None:
        return await _failed(request, uow, session, customer_id, "contacts", _message(errors), 422)
    try:
        await contacts_service.add_contact(
            uow, customer_id=uuid, values=model.model_dump(), actor=session.user.actor
        )
    except NotFound:
        return _not_found(request, session, "There is no customer with this id.")
    except DomainError as exc:
        return await _failed(request, uow, session, customer_id, "contacts", exc.detail, 422)
    return _redirect(f"/customers/{uuid}?notice=saved#contacts")


@router.post("/contacts/{contact_id}/edit")
async def edit_contact(
    request: Request, uow: UoW, session: AgentSession, contact_id: str, form: CheckedForm
) -> Response:
    customer_id = form.get("customer_id", "")
    uuid, owner = _customer_id(contact_id), _customer_id(customer_id)
    if uuid is None or owner is None:
        return _not_found(request, session, "There is no contact with this id.")
    model, errors = forms.validate(ContactUpdate, _blank_is_none(form, CONTACT_FIELDS))
    if model is None:
        return await _failed(request, uow, session, customer_id, "contacts", _message(errors), 422)
    try:
        await contacts_service.update_contact(
            uow, contact_id=uuid, changes=model.model_dump(exclude_unset=True)
        )
    except NotFound:
        return _not_found(request, session, "There is no contact with this id.")
    except DomainError as exc:
        return await _failed(request, uow, session, customer_id, "contacts", exc.detail, 422)
    return _redirect(f"/customers/{owner}?notice=saved#contacts")


async def _change_unit(
    request: Request, uow: UoW, session: AgentSession, customer_id: str,
    equipment_id: UUID, values: dict[str, Any], version: str,
) -> Response:  # fmt: skip
    model, errors = forms.validate(EquipmentUpdate, values)
    if model is None:
        return await _failed(request, uow, session, customer_id, "equipment", _message(errors), 422)
    try:
        await equipment_service.update_equipment(
            uow,
            equipment_id=equipment_id,
            values=model.model_dump(exclude_unset=True),
            expected_version=int(version) if version.isdigit() else None,
        )
    except NotFound:
        return _not_found(request, session, "There is no equipment with this id.")
    except DomainError as exc:
        message = exc.detail
        if exc.status == 412:
            message = "Someone changed this unit after you opened the page; check it and retry."
        return await _failed(request, uow, session, customer_id, "equipment", message, exc.status)
    return _redirect(f"/customers/{customer_id}?notice=saved#equipment")


@router.post("/equipment/{equipment_id}/edit")
async def edit_equipment(
    request: Request, uow: UoW, session: AgentSession, equipment_id: str, form: CheckedForm
) -> Response:
    """The unit's contact person and place; `action=stock` returns it to stock."""
    customer_id = form.get("customer_id", "")
    uuid = _customer_id(equipment_id)
    if uuid is None or _customer_id(customer_id) is None:
        return _not_found(request, session, "There is no equipment with this id.")
    if form.get("action") == "stock":
        values: dict[str, Any] = {"customer_id": None}
    else:
        values = _blank_is_none(form, ("contact_id", "installation_city", "installation_state"))
    return await _change_unit(
        request, uow, session, customer_id, uuid, values, form.get("version", "")
    )


@router.post("/customers/{customer_id}/equipment")
async def assign_equipment(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    """Assign the unit in stock with this serial number to the customer."""
    uuid = _customer_id(customer_id)
    if uuid is None:
        return _not_found(request, session, "There is no customer with this id.")
    serial = form.get("serial_number", "").strip()[:100]
    found = await equipment_service.list_equipment(
        uow, filters=EquipmentFilters(in_stock=True, serial_number=serial), cursor=None, limit=2
    )
    if not serial or len(found.items) != 1:
        message = (
            f"No unit in stock has the serial number {serial}."
            if not found.items
            else f"Several units in stock have the serial number {serial}; assign it by API."
        )
        return await _failed(request, uow, session, customer_id, "equipment", message, 422)
    unit = found.items[0].equipment
    return await _change_unit(
        request, uow, session, customer_id, unit.id, {"customer_id": uuid}, str(unit.version)
    )
