"""The customer's pages: its record with contacts, equipment, tickets and history (and as it
was at a past moment), the new and edit forms, block and activate.

Each page reads its data in one transaction (`reading`), through the same services as the API.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from clientele.auth.sessions import WebSession
from clientele.contacts import service as contacts_service
from clientele.customers import service as customers_service
from clientele.customers.domain import Customer
from clientele.customers.schemas import CustomerCreate, CustomerUpdate
from clientele.deps import UoW
from clientele.equipment import service as equipment_service
from clientele.equipment.domain import EquipmentFilters
from clientele.errors import (
    AlreadyActive,
    AlreadyBlocked,
    DuplicatePhone,
    InvalidValue,
    NotFound,
    StaleVersion,
)
from clientele.history import service as history_service
from clientele.privacy.access import Reader
from clientele.privacy.api import reader_of
from clientele.tickets import service as tickets_service
from clientele.tickets.domain import TicketFilters, TicketStatus
from clientele.uow import UnitOfWork, reading
from clientele.web import forms
from clientele.web.duplicates import likely_duplicates_of_form
from clientele.web.errors import typed_values
from clientele.web.format import parse_picker, sentence
from clientele.web.pages import expected_version, id_in_url, redirect, web_router
from clientele.web.render import DETAIL_FIELDS, render
from clientele.web.session import AdminSession, AgentSession, CheckedForm, ViewerSession

router = web_router()

NO_CUSTOMER = "customer"
STALE = "Someone changed this customer after you opened the page; check it and try again."
# The tickets the customer page lists: every open one, the last closed ones.
PAGE_TICKETS = ((TicketStatus.OPEN, 50), (TicketStatus.IN_PROGRESS, 50), (TicketStatus.CLOSED, 10))


# --- the customer page ------------------------------------------------------------------------


async def _as_of(
    uow: UnitOfWork, customer: Customer, as_of: str, reader: Reader | None
) -> dict[str, Any]:
    """The record as it was at `as_of` (the picker's text) and the fields that differ now."""
    try:
        moment = parse_picker(as_of)
        past = await history_service.get_customer_as_of(
            uow, customer_id=customer.id, at=moment, reader=reader
        )
    except InvalidValue as exc:
        return {"as_of_error": exc.detail}
    except NotFound:  # the customer exists (it was just read): it did not yet at that time
        return {"as_of_error": "The customer did not exist yet at that time."}
    differs = [
        label for name, label in DETAIL_FIELDS if getattr(past, name) != getattr(customer, name)
    ]
    return {"past": past, "as_of_moment": moment, "differs": differs}


async def _customer_context(
    uow: UnitOfWork, customer: Customer, as_of: str, reader: Reader | None
) -> dict[str, Any]:
    """Everything the customer page shows, in a fixed number of queries."""
    context: dict[str, Any] = {"customer": customer, "as_of": as_of.strip()}
    if context["as_of"]:
        context.update(await _as_of(uow, customer, context["as_of"], reader))
    context["contacts"] = (
        await contacts_service.list_contacts(uow, customer_id=customer.id, cursor=None, limit=50)
    ).items
    context["equipment"] = (
        await equipment_service.list_equipment(
            uow, filters=EquipmentFilters(customer_id=customer.id), cursor=None, limit=50
        )
    ).items
    tickets = []
    for status, limit in PAGE_TICKETS:
        page = await tickets_service.list_tickets(
            uow,
            filters=TicketFilters(customer_id=customer.id, status=status),
            cursor=None,
            limit=limit,
        )
        tickets += [view.ticket for view in page.items]
    context["tickets"] = tickets
    context["timeline"] = await history_service.customer_timeline(
        uow, customer_id=customer.id, limit=50, reader=reader
    )
    return context


async def customer_page(
    request: Request,
    uow: UnitOfWork,
    session: WebSession,
    customer_id: UUID,
    *,
    as_of: str = "",
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """The customer page (with `extra` in its context: a section's error after a refused
    form), read in one transaction. Raises NotFound."""
    reader = reader_of(request, session.user.actor)  # reads of an individual are access-logged
    async with reading(uow) as page:
        customer = await customers_service.get_customer(
            page, customer_id=customer_id, reader=reader
        )
        context = await _customer_context(page, customer, as_of, reader)
    return render(request, "customer.html", session, status=status, **context, **extra)


async def section_refused(
    request: Request, uow: UnitOfWork, session: WebSession, customer_id: UUID,
    section: str, message: str, status: int, form: dict[str, str],
) -> Response:  # fmt: skip
    """The customer page with `message` (and what was typed) at `section` (contacts,
    equipment), answered with the refusal's status."""
    return await customer_page(
        request, uow, session, customer_id, status=status,
        typed=typed_values(form), **{f"{section}_error": message},
    )  # fmt: skip


# --- the new and edit forms ---------------------------------------------------------------------


def _customer_form(
    request: Request,
    session: WebSession,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    return render(
        request, "customer_form.html", session, status=status,
        fields=forms.CUSTOMER_FIELDS, values=values, errors=errors, **context,
    )  # fmt: skip


def _rejected_form(
    request: Request, session: WebSession, exc: DuplicatePhone | InvalidValue, page: dict[str, Any]
) -> HTMLResponse:
    """The customer form again, with the domain's refusal next to its field."""
    if isinstance(exc, DuplicatePhone):
        return _customer_form(
            request,
            session,
            errors={"primary_phone": "An active customer already has this phone."},
            status=409,
            phone_holder=exc.existing_customer_id,
            **page,
        )
    return _customer_form(request, session, errors={exc.field: exc.detail}, status=422, **page)


def _typed(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name in forms.CUSTOMER_FIELD_NAMES}


@router.get("/customers/new")
async def new_customer_page(request: Request, session: AgentSession) -> HTMLResponse:
    values = {"customer_type": "hospital", "country": "India", "preferred_language": "en"}
    return _customer_form(request, session, values=values, errors={}, customer=None)


@router.post("/customers/new")
async def create_customer(
    request: Request, uow: UoW, session: AgentSession, form: CheckedForm
) -> Response:
    values = _typed(form)
    data, errors = forms.customer_input(form)
    model, schema_errors = forms.validate(CustomerCreate, data)
    errors = {**schema_errors, **errors}
    page: dict[str, Any] = {"values": values, "customer": None}
    if errors or model is None:
        return _customer_form(request, session, errors=errors, status=422, **page)
    if form.get("confirm_new") != "yes":
        duplicates = await likely_duplicates_of_form(uow, form)
        if duplicates:
            return _customer_form(
                request, session, errors={}, duplicates=duplicates, confirm=True, **page
            )
    try:
        customer = await customers_service.create_customer(
            uow, values=model.model_dump(), actor=session.user.actor
        )
    except (DuplicatePhone, InvalidValue) as exc:
        return _rejected_form(request, session, exc, page)
    return redirect(f"/customers/{customer.id}?notice=created")


@router.get("/customers/{customer_id}/edit")
async def edit_customer_page(
    request: Request, uow: UoW, session: AgentSession, customer_id: str
) -> HTMLResponse:
    customer = await customers_service.get_customer(
        uow, customer_id=id_in_url(customer_id, NO_CUSTOMER)
    )
    return _customer_form(
        request, session, values=forms.customer_values(customer), errors={},
        customer=customer, version=customer.version,
    )  # fmt: skip


@router.post("/customers/{customer_id}/edit")
async def edit_customer(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(customer_id, NO_CUSTOMER)
    customer = await customers_service.get_customer(uow, customer_id=uuid)
    raw_version = form.get("version", "")
    page: dict[str, Any] = {"values": _typed(form), "customer": customer, "version": raw_version}
    if not raw_version.isdigit():
        return _customer_form(
            request, session, errors={"form": "The form lost its version; reload it."},
            status=400, **page,
        )  # fmt: skip
    data, errors = forms.customer_input(form)
    model, schema_errors = forms.validate(CustomerUpdate, data)
    errors = {**schema_errors, **errors}
    if errors or model is None:
        return _customer_form(request, session, errors=errors, status=422, **page)
    try:
        updated = await customers_service.update_customer(
            uow,
            customer_id=uuid,
            changes=model.model_dump(include=set(data)),
            expected_version=int(raw_version),
            actor=session.user.actor,
        )
    except StaleVersion:
        # The form again with what the agent typed, and who changed the customer meanwhile.
        current = await customers_service.get_customer(uow, customer_id=uuid)
        return _customer_form(request, session, errors={}, status=412, stale=current, **page)
    except (DuplicatePhone, InvalidValue) as exc:
        return _rejected_form(request, session, exc, page)
    notice = "saved" if updated.version != customer.version else "unchanged"
    return redirect(f"/customers/{updated.id}?notice={notice}")


# --- block and activate -------------------------------------------------------------------------


@router.post("/customers/{customer_id}/block")
async def block_customer(
    request: Request, uow: UoW, session: AdminSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(customer_id, NO_CUSTOMER)
    reason = form.get("reason", "")[:1000]
    try:
        await customers_service.block_customer(
            uow,
            customer_id=uuid,
            reason=reason,
            expected_version=expected_version(form),
            actor=session.user.actor,
        )
    except (InvalidValue, AlreadyBlocked, StaleVersion) as exc:
        message = STALE if isinstance(exc, StaleVersion) else sentence(exc.detail)
        return await customer_page(
            request, uow, session, uuid, status=exc.status, block_error=message,
            block_reason=reason,
        )  # fmt: skip
    return redirect(f"/customers/{uuid}?notice=blocked")


@router.post("/customers/{customer_id}/activate")
async def activate_customer(
    request: Request, uow: UoW, session: AdminSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(customer_id, NO_CUSTOMER)
    try:
        await customers_service.activate_customer(
            uow, customer_id=uuid, expected_version=expected_version(form), actor=session.user.actor
        )
    except DuplicatePhone as exc:
        return await customer_page(
            request, uow, session, uuid, status=409,
            activate_error="Another active customer now has this primary phone; "
            "change one of the phones first.",
            phone_holder=exc.existing_customer_id,
        )  # fmt: skip
    except (AlreadyActive, StaleVersion) as exc:
        message = STALE if isinstance(exc, StaleVersion) else "The customer is already active."
        return await customer_page(
            request, uow, session, uuid, status=exc.status, activate_error=message
        )
    return redirect(f"/customers/{uuid}?notice=activated")


# Last: /customers/new would be taken for a customer id otherwise.
@router.get("/customers/{customer_id}")
async def show_customer(
    request: Request,
    uow: UoW,
    session: ViewerSession,
    customer_id: str,
    as_of: Annotated[str, Query(max_length=64)] = "",
    notice: Annotated[str, Query(max_length=40)] = "",
    ticket: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    return await customer_page(
        request, uow, session, id_in_url(customer_id, NO_CUSTOMER),
        as_of=as_of, notice=notice, new_ticket=ticket,
    )  # fmt: skip
