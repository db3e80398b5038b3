"""The customer page's equipment: assign a unit from stock, change a unit's contact person and
place, return it to stock. A refusal comes back next to the equipment, with what was typed."""

from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response

from clientele.auth.sessions import WebSession
from clientele.deps import UoW
from clientele.equipment import service as equipment_service
from clientele.equipment.domain import EquipmentFilters
from clientele.equipment.schemas import EquipmentUpdate
from clientele.errors import InvalidValue, StaleEquipment
from clientele.uow import UnitOfWork
from clientele.web import forms
from clientele.web.customers import section_refused
from clientele.web.pages import (
    blank_is_none,
    expected_version,
    id_in_url,
    one_line,
    redirect,
    web_router,
)
from clientele.web.session import AgentSession, CheckedForm

router = web_router()

UNIT_FIELDS = ("contact_id", "installation_city", "installation_state")
STALE = "Someone changed this unit after you opened the page; check it and retry."


async def _change_unit(
    request: Request, uow: UnitOfWork, session: WebSession, form: dict[str, str],
    customer_id: UUID, equipment_id: UUID, values: dict[str, Any], version: int | None,
) -> Response:  # fmt: skip
    model, errors = forms.validate(EquipmentUpdate, values)
    try:
        if model is None:
            raise InvalidValue("equipment", one_line(errors))
        await equipment_service.update_equipment(
            uow,
            equipment_id=equipment_id,
            values=model.model_dump(exclude_unset=True),
            expected_version=version,
        )
    except (InvalidValue, StaleEquipment) as exc:
        message = STALE if isinstance(exc, StaleEquipment) else exc.detail
        return await section_refused(
            request, uow, session, customer_id, "equipment", message, exc.status, form
        )
    return redirect(f"/customers/{customer_id}?notice=saved#equipment")


@router.post("/equipment/{equipment_id}/edit")
async def edit_equipment(
    request: Request, uow: UoW, session: AgentSession, equipment_id: str, form: CheckedForm
) -> Response:
    """The unit's contact person and place; `action=stock` returns it to stock."""
    uuid = id_in_url(equipment_id, "equipment")
    owner = id_in_url(form.get("customer_id", ""), "customer")
    if form.get("action") == "stock":
        values: dict[str, Any] = {"customer_id": None}
    else:
        values = blank_is_none(form, UNIT_FIELDS)
    return await _change_unit(
        request, uow, session, form, owner, uuid, values, expected_version(form)
    )


@router.post("/customers/{customer_id}/equipment")
async def assign_equipment(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    """Assign the unit in stock with this serial number to the customer."""
    uuid = id_in_url(customer_id, "customer")
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
        return await section_refused(request, uow, session, uuid, "equipment", message, 422, form)
    unit = found.items[0].equipment
    return await _change_unit(
        request, uow, session, form, uuid, unit.id, {"customer_id": uuid}, unit.version
    )
