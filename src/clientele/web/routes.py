"""The agents' web UI: pages that call the same services as the API (issue #8)."""

import secrets
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clientele.auth.ratelimit import TooManyLoginAttempts, begin_attempt, login_limits
from clientele.auth.ratelimit import succeeded as login_succeeded
from clientele.auth.sessions import SESSION_LIFETIME, WebSession, end_session, start_session
from clientele.auth.users import authenticate_user
from clientele.contacts import service as contacts_service
from clientele.customers import service as customers_service
from clientele.customers.domain import Customer, CustomerFilters
from clientele.customers.schemas import CustomerCreate, CustomerUpdate
from clientele.deps import UoW
from clientele.duplicates import merging
from clientele.duplicates import service as duplicates_service
from clientele.equipment import service as equipment_service
from clientele.equipment.domain import EquipmentFilters
from clientele.errors import (
    AlreadyActive,
    AlreadyBlocked,
    Conflict,
    DuplicatePhone,
    InvalidValue,
    NotFound,
    StaleVersion,
)
from clientele.history import service as history_service
from clientele.privacy.access import Reader
from clientele.privacy.api import reader_of
from clientele.reports import service as reports_service
from clientele.reports.domain import Period, Place
from clientele.tickets import service as tickets_service
from clientele.tickets.domain import Priority, TicketFilters, TicketStatus
from clientele.uow import UnitOfWork
from clientele.web import forms
from clientele.web.format import IST, bar_chart, parse_picker
from clientele.web.queries import open_ticket_counts
from clientele.web.render import DETAIL_FIELDS, is_htmx, render
from clientele.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    AdminSession,
    AgentSession,
    CheckedForm,
    CsrfRejected,
    MaybeSession,
    ViewerSession,
    clear_session_cookie,
    read_form,
    set_login_csrf,
    set_session_cookie,
    tokens_match,
)

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 10
# A name hit this similar (or any phone/id hit) is shown as a likely duplicate.
DUPLICATE_SCORE = 0.45
SearchText = Annotated[str, Query(max_length=200)]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host` or an absolute URL (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _not_found(request: Request, session: WebSession | None, what: str) -> HTMLResponse:
    return render(request, "error.html", session, status=404, title="Not found", message=what)


def _customer_id(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


# --- login ------------------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, session: MaybeSession, next: SearchText = "/") -> Response:
    if session is not None:
        return _redirect(safe_next(next))
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, login_csrf=token, next=safe_next(next))
    set_login_csrf(response, request, token)
    return response


@router.post("/login")
async def login(request: Request, uow: UoW) -> Response:
    form = await read_form(request)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf_token")):
        raise CsrfRejected
    target = safe_next(form.get("next"))
    username = form.get("username", "")[:200]
    try:
        attempt = await begin_attempt(
            uow,
            username=username,
            client_ip=request.client.host if request.client else "unknown",
            limits=login_limits(request.app.state.settings),
        )
    except TooManyLoginAttempts as exc:
        token = secrets.token_urlsafe(32)
        response = render(
            request,
            "login.html",
            None,
            status=429,
            login_csrf=token,
            next=target,
            username=username,
            error="Too many failed logins. Wait 15 minutes, or ask an admin.",
        )
        response.headers["Retry-After"] = str(exc.retry_after_s)
        set_login_csrf(response, request, token)
        return response
    user = await authenticate_user(uow, username=username, password=form.get("password", ""))
    if user is None:
        token = secrets.token_urlsafe(32)
        response = render(
            request,
            "login.html",
            None,
            status=401,
            login_csrf=token,
            next=target,
            username=username,
            error="Wrong username or password.",
        )
        set_login_csrf(response, request, token)
        return response
    await login_succeeded(uow, attempt=attempt)
    secret, _ = await start_session(uow, user=user)
    redirect = _redirect(target)
    set_session_cookie(redirect, request, secret, int(SESSION_LIFETIME.total_seconds()))
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return redirect


@router.post("/logout")
async def logout(request: Request, uow: UoW, form: CheckedForm) -> Response:
    await end_session(uow, secret=request.cookies.get(SESSION_COOKIE, ""))
    response = _redirect("/login")
    clear_session_cookie(response, request)
    return response


# --- search -----------------------------------------------------------------------------


async def _hits(uow: UnitOfWork, text: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    found = await customers_service.search_customers(
        uow, text=text, filters=CustomerFilters(), limit=limit
    )
    counts = await open_ticket_counts(uow, customer_ids=[h.customer.id for h in found])
    return [
        {"customer": h.customer, "score": h.score, "matched_on": h.matched_on,
         "open_tickets": counts.get(h.customer.id, 0)}
        for h in found
    ]  # fmt: skip


@router.get("/")
async def home(
    request: Request, uow: UoW, session: ViewerSession, q: SearchText = ""
) -> HTMLResponse:
    """The search page; htmx asks it for the hits alone while the agent types."""
    text = q.strip()
    hits = await _hits(uow, text) if text else []
    template = "_hits.html" if is_htmx(request) else "search.html"
    return render(request, template, session, q=text, hits=hits)


# --- customers ----------------------------------------------------------------------------


async def _likely_duplicates(
    uow: UnitOfWork, name: str, phone: str, *, exclude: UUID | None = None
) -> list[dict[str, Any]]:
    """Customers an agent should look at before creating this one: the phone's holders and
    close names (search_customers, until the duplicates feature exists)."""
    found: dict[UUID, dict[str, Any]] = {}
    for text in (phone.strip(), name.strip()):
        if len(text) < 3:
            continue
        for hit in await _hits(uow, text, limit=5):
            if hit["matched_on"] == "name" and hit["score"] < DUPLICATE_SCORE:
                continue
            if hit["customer"].id != exclude:
                found.setdefault(hit["customer"].id, hit)
    return list(found.values())[:8]


@router.get("/customers/likely-duplicates")
async def likely_duplicates(
    request: Request,
    uow: UoW,
    session: AgentSession,
    name: SearchText = "",
    primary_phone: SearchText = "",
) -> HTMLResponse:
    duplicates = await _likely_duplicates(uow, name, primary_phone)
    return render(request, "_duplicates.html", session, duplicates=duplicates, checked=True)


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
        request,
        "customer_form.html",
        session,
        status=status,
        fields=forms.CUSTOMER_FIELDS,
        values=values,
        errors=errors,
        **context,
    )


@router.get("/customers/new")
async def new_customer_page(request: Request, session: AgentSession) -> HTMLResponse:
    values = {"customer_type": "hospital", "country": "India", "preferred_language": "en"}
    return _customer_form(request, session, values=values, errors={}, customer=None)


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


@router.post("/customers/new")
async def create_customer(
    request: Request, uow: UoW, session: AgentSession, form: CheckedForm
) -> Response:
    values = {name: form.get(name, "") for name in forms.CUSTOMER_FIELD_NAMES}
    data, errors = forms.customer_input(form)
    model, schema_errors = forms.validate(CustomerCreate, data)
    errors = {**schema_errors, **errors}
    page: dict[str, Any] = {"values": values, "customer": None}
    if errors or model is None:
        return _customer_form(request, session, errors=errors, status=422, **page)
    if form.get("confirm_new") != "yes":
        duplicates = await _likely_duplicates(uow, values["name"], values["primary_phone"])
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
    return _redirect(f"/customers/{customer.id}?notice=created")


async def _customer_context(
    uow: UnitOfWork, customer: Customer, as_of: str, reader: Reader | None = None
) -> dict[str, Any]:
    """Everything the customer page shows, in a fixed number of queries."""
    context: dict[str, Any] = {"customer": customer, "as_of": as_of.strip()}
    if context["as_of"]:
        try:
            moment = parse_picker(context["as_of"])
            past = await history_service.get_customer_as_of(
                uow, customer_id=customer.id, at=moment, reader=reader
            )
            context["past"] = past
            context["as_of_moment"] = moment
            context["differs"] = [
                label
                for name, label in DETAIL_FIELDS
                if getattr(past, name) != getattr(customer, name)
            ]
        except InvalidValue as exc:
            context["as_of_error"] = exc.detail
        except NotFound:
            context["as_of_error"] = "The customer did not exist yet at that time."
    context["contacts"] = (
        await contacts_service.list_contacts(uow, customer_id=customer.id, cursor=None, limit=50)
    ).items
    context["equipment"] = (
        await equipment_service.list_equipment(
            uow, filters=EquipmentFilters(customer_id=customer.id), cursor=None, limit=50
        )
    ).items
    tickets = []
    for status, limit in (
        (TicketStatus.OPEN, 50),
        (TicketStatus.IN_PROGRESS, 50),
        (TicketStatus.CLOSED, 10),
    ):
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


async def _customer_page(
    request: Request,
    uow: UnitOfWork,
    session: WebSession,
    customer_id: str,
    *,
    as_of: str = "",
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    uuid = _customer_id(customer_id)
    if uuid is None:
        return _not_found(request, session, "There is no customer with this id.")
    reader = reader_of(request, session.user.actor)  # reads of an individual are access-logged
    try:
        customer = await customers_service.get_customer(uow, customer_id=uuid, reader=reader)
    except NotFound:
        return _not_found(request, session, "There is no customer with this id.")
    context = await _customer_context(uow, customer, as_of, reader)
    return render(request, "customer.html", session, status=status, **context, **extra)


@router.get("/customers/{customer_id}")
async def customer_page(
    request: Request,
    uow: UoW,
    session: ViewerSession,
    customer_id: str,
    as_of: Annotated[str, Query(max_length=64)] = "",
    notice: Annotated[str, Query(max_length=40)] = "",
    ticket: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    return await _customer_page(
        request, uow, session, customer_id, as_of=as_of, notice=notice, new_ticket=ticket
    )


async def _load(uow: UnitOfWork, customer_id: str) -> Customer | None:
    uuid = _customer_id(customer_id)
    if uuid is None:
        return None
    try:
        return await customers_service.get_customer(uow, customer_id=uuid)
    except NotFound:
        return None


@router.get("/customers/{customer_id}/edit")
async def edit_customer_page(
    request: Request, uow: UoW, session: AgentSession, customer_id: str
) -> HTMLResponse:
    customer = await _load(uow, customer_id)
    if customer is None:
        return _not_found(request, session, "There is no customer with this id.")
    return _customer_form(
        request,
        session,
        values=forms.customer_values(customer),
        errors={},
        customer=customer,
        version=customer.version,
    )


@router.post("/customers/{customer_id}/edit")
async def edit_customer(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    customer = await _load(uow, customer_id)
    if customer is None:
        return _not_found(request, session, "There is no customer with this id.")
    values = {name: form.get(name, "") for name in forms.CUSTOMER_FIELD_NAMES}
    raw_version = form.get("version", "")
    page: dict[str, Any] = {"values": values, "customer": customer, "version": raw_version}
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
    changes = model.model_dump(include=set(data))
    try:
        updated = await customers_service.update_customer(
            uow,
            customer_id=customer.id,
            changes=changes,
            expected_version=int(raw_version),
            actor=session.user.actor,
        )
    except StaleVersion:
        current = await _load(uow, customer_id)
        return _customer_form(
            request, session, errors={}, status=412, stale=current or customer, **page
        )
    except (DuplicatePhone, InvalidValue) as exc:
        return _rejected_form(request, session, exc, page)
    notice = "saved" if updated.version != customer.version else "unchanged"
    return _redirect(f"/customers/{updated.id}?notice={notice}")


def _expected(form: dict[str, str]) -> int | None:
    raw = form.get("version", "")
    return int(raw) if raw.isdigit() else None


@router.post("/customers/{customer_id}/block")
async def block_customer(
    request: Request, uow: UoW, session: AdminSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = _customer_id(customer_id)
    if uuid is None:
        return _not_found(request, session, "There is no customer with this id.")
    try:
        await customers_service.block_customer(
            uow,
            customer_id=uuid,
            reason=form.get("reason", "")[:1000],
            expected_version=_expected(form),
            actor=session.user.actor,
        )
    except NotFound:
        return _not_found(request, session, "There is no customer with this id.")
    except (InvalidValue, AlreadyBlocked, StaleVersion) as exc:
        message = (
            "Someone changed this customer after you opened the page; check it and try again."
            if isinstance(exc, StaleVersion)
            else exc.detail[:1].upper() + exc.detail[1:] + "."
        )
        return await _customer_page(
            request, uow, session, customer_id, status=exc.status, block_error=message
        )
    return _redirect(f"/customers/{uuid}?notice=blocked")


@router.post("/customers/{customer_id}/activate")
async def activate_customer(
    request: Request, uow: UoW, session: AdminSession, customer_id: str, form: CheckedForm
) -> Response:
    uuid = _customer_id(customer_id)
    if uuid is None:
        return _not_found(request, session, "There is no customer with this id.")
    try:
        await customers_service.activate_customer(
            uow, customer_id=uuid, expected_version=_expected(form), actor=session.user.actor
        )
    except NotFound:
        return _not_found(request, session, "There is no customer with this id.")
    except DuplicatePhone as exc:
        return await _customer_page(
            request,
            uow,
            session,
            customer_id,
            status=409,
            activate_error="Another active customer now has this primary phone; "
            "change one of the phones first.",
            phone_holder=exc.existing_customer_id,
        )
    except (AlreadyActive, StaleVersion) as exc:
        message = (
            "Someone changed this customer after you opened the page; check it and try again."
            if isinstance(exc, StaleVersion)
            else "The customer is already active."
        )
        return await _customer_page(
            request, uow, session, customer_id, status=exc.status, activate_error=message
        )
    return _redirect(f"/customers/{uuid}?notice=activated")


# --- tickets ----------------------------------------------------------------------------


async def _ticket_form(
    request: Request,
    uow: UnitOfWork,
    session: WebSession,
    customer: Customer,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    equipment = (
        await equipment_service.list_equipment(
            uow, filters=EquipmentFilters(customer_id=customer.id), cursor=None, limit=100
        )
    ).items
    return render(
        request,
        "ticket_form.html",
        session,
        status=status,
        customer=customer,
        equipment=equipment,
        priorities=forms.PRIORITIES,
        values=values,
        errors=errors,
    )


@router.get("/customers/{customer_id}/tickets/new")
async def new_ticket_page(
    request: Request, uow: UoW, session: AgentSession, customer_id: str
) -> HTMLResponse:
    customer = await _load(uow, customer_id)
    if customer is None:
        return _not_found(request, session, "There is no customer with this id.")
    values = {"priority": Priority.MEDIUM.value}
    return await _ticket_form(request, uow, session, customer, values=values, errors={})


@router.post("/customers/{customer_id}/tickets/new")
async def create_ticket(
    request: Request, uow: UoW, session: AgentSession, customer_id: str, form: CheckedForm
) -> Response:
    customer = await _load(uow, customer_id)
    if customer is None:
        return _not_found(request, session, "There is no customer with this id.")
    values = {k: form.get(k, "") for k in ("title", "description", "priority", "equipment_id")}
    errors: dict[str, str] = {}
    if values["priority"] not in forms.PRIORITIES:
        errors["priority"] = "Choose a priority."
    equipment_id = _customer_id(values["equipment_id"]) if values["equipment_id"] else None
    if values["equipment_id"] and equipment_id is None:
        errors["equipment_id"] = "Choose equipment from the list."
    if errors:
        return await _ticket_form(
            request, uow, session, customer, values=values, errors=errors, status=422
        )
    try:
        view = await tickets_service.create_ticket(
            uow,
            customer_id=customer.id,
            title=values["title"].strip(),
            description=values["description"].strip() or None,
            priority=Priority(values["priority"]),
            equipment_id=equipment_id,
            actor=session.user.actor,
        )
    except InvalidValue as exc:
        field = exc.field if exc.field in values else "form"
        message = exc.detail[:1].upper() + exc.detail[1:]
        return await _ticket_form(
            request, uow, session, customer, values=values, errors={field: message}, status=422
        )
    number = view.ticket.ticket_number
    return _redirect(f"/customers/{customer.id}?notice=ticket&ticket={number}#tickets")


# --- reports ----------------------------------------------------------------------------


def _day(raw: str, *, end: bool) -> datetime | None:
    """A date from the report form, as the start (or the end) of that day in IST."""
    try:
        day = datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    start = datetime.combine(day, time(0), tzinfo=IST)
    return start + timedelta(days=1) if end else start


@router.get("/reports")
async def reports_page(
    request: Request,
    uow: UoW,
    session: AdminSession,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    city: Annotated[str, Query(max_length=100)] = "",
    min_tickets: Annotated[str, Query(max_length=7)] = "",
) -> HTMLResponse:
    period = Period(start=_day(start, end=False), end=_day(end, end=True))
    who = session.user.actor.label
    top = await reports_service.top_customers(
        uow, period=period, limit=10, actor=who, audit_uow=uow
    )
    tiers = await reports_service.open_tickets_by_tier(uow, actor=who, audit_uow=uow)
    more_than = int(min_tickets) if min_tickets.isdigit() else 0
    in_city = []
    if city.strip():
        in_city = await reports_service.customers_with_more_tickets(
            uow,
            place=Place(city=city.strip()),
            period=period,
            more_than=more_than,
            limit=100,
            actor=who,
            audit_uow=uow,
        )
    chart = bar_chart(
        "Top customers by tickets", [(row.customer.name, row.ticket_count) for row in top]
    )
    return render(
        request,
        "reports.html",
        session,
        top=top,
        tiers=tiers,
        in_city=in_city,
        chart=chart,
        start=start,
        end=end,
        city=city.strip(),
        min_tickets=more_than,
    )


# --- duplicates queue, merge with a preview, undo (issue #7) --------------------------------


def _duplicate_ids(raw: str) -> list[UUID]:
    ids = []
    for part in raw.split(","):
        try:
            ids.append(UUID(part.strip()))
        except ValueError:
            continue
    return ids


@router.get("/duplicates")
async def duplicates_page(
    request: Request,
    uow: UoW,
    session: AdminSession,
    cursor: Annotated[str, Query(max_length=200)] = "",
    notice: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The queue: scan groups side by side (most likely first), then legacy review items."""

    try:
        page = await duplicates_service.list_queue(uow, cursor=cursor or None, limit=20)
    except InvalidValue:
        page = await duplicates_service.list_queue(uow, limit=20)
    return render(request, "duplicates.html", session, page=page, notice=notice)


@router.post("/duplicates/{item_id}/dismiss")
async def dismiss_duplicate(
    request: Request, uow: UoW, session: AdminSession, item_id: str, form: CheckedForm
) -> Response:

    try:
        await duplicates_service.dismiss(uow, item_id=item_id, actor=session.user.actor)
    except NotFound:
        return _not_found(request, session, "There is no such duplicates item.")
    except Conflict:
        return _redirect("/duplicates?notice=already-decided")
    return _redirect("/duplicates?notice=dismissed")


@router.post("/duplicates/merge")
async def merge_duplicates(
    request: Request, uow: UoW, session: AdminSession, form: CheckedForm
) -> Response:
    """`confirm` absent: the preview (nothing written); present: the merge itself."""

    survivor = _customer_id(form.get("survivor", ""))
    members = _duplicate_ids(form.get("members", ""))
    duplicates = [m for m in members if m != survivor]
    if survivor is None or not duplicates:
        return render(
            request,
            "error.html",
            session,
            status=422,
            title="Pick a survivor",
            message="Choose which customer stays; the others are merged into it.",
        )
    try:
        plan = await merging.merge(
            uow,
            survivor_id=survivor,
            duplicate_ids=duplicates,
            actor=session.user.actor,
            dry_run=form.get("confirm") != "yes",
        )
    except NotFound:
        return _not_found(request, session, "One of these customers no longer exists.")
    except (Conflict, InvalidValue) as exc:
        return render(
            request, "error.html", session, status=exc.status, title="Merge refused",
            message=exc.detail,
        )  # fmt: skip
    if plan.merge_id is not None:
        return _redirect(f"/merges/{plan.merge_id}?notice=merged")
    return render(request, "merge_preview.html", session, plan=plan)


@router.get("/merges/{merge_id}")
async def merge_page(
    request: Request,
    uow: UoW,
    session: AdminSession,
    merge_id: str,
    notice: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:

    uuid = _customer_id(merge_id)
    if uuid is None:
        return _not_found(request, session, "There is no merge with this id.")
    try:
        found = await merging.get_merge(uow, merge_id=uuid)
    except NotFound:
        return _not_found(request, session, "There is no merge with this id.")
    return render(request, "merge.html", session, merge=found, notice=notice, blockers=[])


@router.post("/merges/{merge_id}/undo")
async def undo_merge(
    request: Request, uow: UoW, session: AdminSession, merge_id: str, form: CheckedForm
) -> Response:

    uuid = _customer_id(merge_id)
    if uuid is None:
        return _not_found(request, session, "There is no merge with this id.")
    try:
        await merging.undo_merge(uow, merge_id=uuid, actor=session.user.actor)
    except NotFound:
        return _not_found(request, session, "There is no merge with this id.")
    except Conflict as exc:
        found = await merging.get_merge(uow, merge_id=uuid)
        blockers = list(exc.extra.get("blockers", [exc.detail]))
        return render(
            request, "merge.html", session, status=409, merge=found, notice="",
            blockers=blockers,
        )  # fmt: skip
    return _redirect(f"/merges/{uuid}?notice=undone")
