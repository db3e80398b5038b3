"""Duplicates: the likely-duplicates panel of the new customer form (the API's online check),
and the admins' queue, merge with a preview, and undo (issue #7)."""

from collections.abc import Mapping
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from clientele.customers.domain import Customer, CustomerType
from clientele.deps import UoW
from clientele.duplicates import merging
from clientele.duplicates import service as duplicates_service
from clientele.duplicates.service import AlreadyDecided, LikelyDuplicate
from clientele.errors import InvalidValue
from clientele.uow import UnitOfWork
from clientele.web.pages import id_in_url, redirect, web_router
from clientele.web.render import render
from clientele.web.session import AdminSession, AgentSession, CheckedForm

router = web_router()


def _draft(form: Mapping[str, str]) -> Customer | None:
    """The customer the form describes so far, unsaved and unchecked: the matcher normalizes
    what it reads (phones in any format, blanks dropped). None while the name is too short."""

    def text(name: str) -> str | None:
        return form.get(name, "").strip()[:200] or None

    name, kind = text("name"), text("customer_type")
    if name is None or len(name) < 3:
        return None
    known = {t.value for t in CustomerType}
    return Customer(
        id=uuid4(),
        name=name,
        customer_type=CustomerType(kind) if kind in known else CustomerType.HOSPITAL,
        primary_phone=text("primary_phone"),
        secondary_phone=text("secondary_phone"),
        whatsapp_number=text("whatsapp_number"),
        primary_email=text("primary_email"),
        tax_id=text("tax_id"),
        city=text("city"),
        state=text("state"),
        postal_code=text("postal_code"),
        address_line1=text("address_line1"),
        address_line2=text("address_line2"),
    )


async def likely_duplicates_of_form(
    uow: UnitOfWork, form: Mapping[str, str]
) -> list[LikelyDuplicate]:
    """Stored customers the form's customer probably duplicates: the API's answer for the same
    values (`duplicates_service.likely_duplicates_of`), best first."""
    draft = _draft(form)
    if draft is None:
        return []
    return await duplicates_service.likely_duplicates_of(uow, customer=draft)


@router.get("/customers/likely-duplicates")
async def likely_duplicates(request: Request, uow: UoW, session: AgentSession) -> HTMLResponse:
    """The panel under the phone field, asked for by htmx while the agent types."""
    duplicates = await likely_duplicates_of_form(uow, request.query_params)
    return render(request, "_duplicates.html", session, duplicates=duplicates, checked=True)


# --- the queue, merge with a preview, undo ------------------------------------------------------


def _ids(raw: str) -> list[UUID]:
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
    except InvalidValue:  # a cursor from an old link: the first page
        page = await duplicates_service.list_queue(uow, limit=20)
    return render(request, "duplicates.html", session, page=page, notice=notice)


@router.post("/duplicates/{item_id}/dismiss")
async def dismiss_duplicate(
    request: Request, uow: UoW, session: AdminSession, item_id: str, form: CheckedForm
) -> Response:
    try:
        await duplicates_service.dismiss(uow, item_id=item_id, actor=session.user.actor)
    except AlreadyDecided:
        return redirect("/duplicates?notice=already-decided")
    return redirect("/duplicates?notice=dismissed")


@router.post("/duplicates/merge")
async def merge_duplicates(
    request: Request, uow: UoW, session: AdminSession, form: CheckedForm
) -> Response:
    """`confirm` absent: the preview (nothing written); present: the merge itself."""
    try:
        survivor_id: UUID | None = UUID(form.get("survivor", ""))
    except ValueError:
        survivor_id = None
    duplicates = [m for m in _ids(form.get("members", "")) if m != survivor_id]
    if survivor_id is None or not duplicates:
        return render(
            request, "error.html", session, status=422, title="Pick a survivor",
            message="Choose which customer stays; the others are merged into it.",
        )  # fmt: skip
    plan = await merging.merge(
        uow,
        survivor_id=survivor_id,
        duplicate_ids=duplicates,
        actor=session.user.actor,
        dry_run=form.get("confirm") != "yes",
    )
    if plan.merge_id is not None:
        return redirect(f"/merges/{plan.merge_id}?notice=merged")
    return render(request, "merge_preview.html", session, plan=plan)


@router.get("/merges/{merge_id}")
async def merge_page(
    request: Request,
    uow: UoW,
    session: AdminSession,
    merge_id: str,
    notice: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    found = await merging.get_merge(uow, merge_id=id_in_url(merge_id, "merge"))
    return render(request, "merge.html", session, merge=found, notice=notice, blockers=[])


@router.post("/merges/{merge_id}/undo")
async def undo_merge(
    request: Request, uow: UoW, session: AdminSession, merge_id: str, form: CheckedForm
) -> Response:
    uuid = id_in_url(merge_id, "merge")
    try:
        await merging.undo_merge(uow, merge_id=uuid, actor=session.user.actor)
    except merging.UndoRefused as exc:
        found = await merging.get_merge(uow, merge_id=uuid)
        blockers = list(exc.extra.get("blockers", [exc.detail]))
        return render(
            request, "merge.html", session, status=409, merge=found, notice="",
            blockers=blockers,
        )  # fmt: skip
    return redirect(f"/merges/{uuid}?notice=undone")
