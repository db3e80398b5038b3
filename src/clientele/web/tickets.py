"""Raising a ticket from the customer page."""

from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from clientele.auth.sessions import WebSession
from clientele.customers import service as customers_service
from clientele.deps import UoW
from clientele.equipment import service as equipment_service
from clientele.equipment.domain import EquipmentFilters
from clientele.errors import InvalidValue
from clientele.tickets import service as tickets_service
from clientele.tickets.domain import Priority
from clientele.uow import UnitOfWork, reading
from clientele.web import forms
from clientele.web.format import sentence
from clientele.web.pages import id_in_url, redirect, web_router
from clientele.web.render import render
from clientele.web.session import AgentSession, CheckedForm

router = web_router()

TICKET_FIELDS = ("title", "description", "priority", "equipment_id")


async def _ticket_form(
    request: Request,
    uow: UnitOfWork,
    session: WebSession,
    customer_id: UUID,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    """The form, for the customer and its equipment read in one transaction. Raises NotFound."""
    async with reading(uow) as page:
        customer = await customers_service.get_customer(page, customer_id=customer_id)
        equipment = await equipment_service.list_equipment(
            page, filters=EquipmentFilters(customer_id=customer_id), cursor=None, limit=100
        )
    return render(
        request, "ticket_form.html", session, status=status, customer=customer,
        equipment=equipment.items, priorities=forms.PRIORITIES, values=values, errors=errors,
    )  # fmt: skip


@router.get("/customers/{customer_id}/tickets/new")
async def new_ticket_page(
    request: Request, uow: UoW, session: AgentSession, customer_id: str
) -> HTMLResponse:
    values = {"priority": Priority.MEDIUM.value}
    return await _ticket_form(
        request, uow, session, id_in_url(customer_id, "customer"), values=values, errors={}
    )


def _checked(values: dict[str, str]) -> tuple[UUID | None, dict[str, str]]:
    """The equipment chosen, and the form's own errors (a priority or unit not in its lists)."""
    errors: dict[str, str] = {}
    if values["priority"] not in forms.PRIORITIES:
        errors["priority"] = "Choose a priority."
    equipment_id = None
    if values["equipment_id"]:
        try:
            equipment_id = UUID(values["equipment_id"])
        except ValueError:
            errors["equipment_id"] = "Choose equipment from the list."
    return equipment_id, errors


@router.post("/customers/{customer_id}/tickets/new")
async def create_ticket(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(customer_id, "customer")
    values = {name: form.get(name, "") for name in TICKET_FIELDS}
    equipment_id, errors = _checked(values)
    if not errors:
        try:
            view = await tickets_service.create_ticket(
                uow,
                customer_id=uuid,
                title=values["title"].strip(),
                description=values["description"].strip() or None,
                priority=Priority(values["priority"]),
                equipment_id=equipment_id,
                actor=session.user.actor,
            )
        except InvalidValue as exc:
            field = exc.field if exc.field in values else "form"
            errors = {field: sentence(exc.detail).removesuffix(".")}
        else:
            number = view.ticket.ticket_number
            return redirect(f"/customers/{uuid}?notice=ticket&ticket={number}#tickets")
    return await _ticket_form(request, uow, session, uuid, values=values, errors=errors, status=422)
