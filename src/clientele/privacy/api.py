"""Personal-data routes (admin): erase an individual or a contact person, export everything
held about a person, and read who accessed it."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from clientele.auth.domain import Actor
from clientele.config import Settings
from clientele.deps import Admin, UoW
from clientele.errors import InvalidValue
from clientele.openapi import COMMON_ERRORS, NO_CUSTOMER, Responses, problem_response
from clientele.privacy import service
from clientele.privacy.access import AccessLog, Reader
from clientele.privacy.schemas import AccessEntryRead, AccessLogRead, EraseRequest, ErasureRead

router = APIRouter(tags=["personal data"])

ERASE_ERRORS: Responses = {
    **COMMON_ERRORS,
    404: problem_response("No such customer (or contact)."),
    409: problem_response("A legal hold applies; `reasons` lists each one."),
    422: problem_response("Not an individual (an organization), or a bad body."),
}
NOT_FOUND: Responses = {**COMMON_ERRORS, **NO_CUSTOMER}


def reader_of(request: Request, actor: Actor) -> Reader | None:
    """Who reads, from where, for the access log (None when the app keeps no log)."""
    log: AccessLog | None = getattr(request.app.state, "access_log", None)
    if log is None:
        return None
    client = request.client.host if request.client is not None else None
    return Reader(log, actor.label, client)


@router.post(
    "/customers/{customer_id}/erase",
    summary="Erase an individual's personal data (DPDP s.12)",
    responses=ERASE_ERRORS,
)
async def erase_customer(
    customer_id: UUID, body: EraseRequest, uow: UoW, actor: Admin, request: Request
) -> ErasureRead:
    """Overwrite the person's values everywhere the database holds them (record, every history
    version, contacts, legacy archive and ids, review items, duplicate reasons, merges, ticket
    texts, idempotency records, audit payloads, search words). Ids, times, actors, versions and
    tickets stay; the record becomes `Erased customer <id>`, inactive. Refused with 409 under a
    legal hold (open tickets, the retention period, an explicit hold, a merge)."""
    settings: Settings = request.app.state.settings
    erasure = await service.erase_customer(
        uow,
        customer_id=customer_id,
        reason=body.reason,
        request_ref=body.request_ref,
        actor=actor.label,
        retention_days=settings.privacy_retention_days,
    )
    return ErasureRead.model_validate(erasure)


@router.post(
    "/contacts/{contact_id}/erase",
    summary="Erase a contact person's personal data (DPDP s.12)",
    responses=ERASE_ERRORS,
)
async def erase_contact(
    contact_id: UUID, body: EraseRequest, uow: UoW, actor: Admin
) -> ErasureRead:
    """Overwrite one contact person's values: the contact, its history, and the records that
    quote it. The contact stays (as `Erased contact <id>`), so equipment keeps its link."""
    erasure = await service.erase_contact(
        uow,
        contact_id=contact_id,
        reason=body.reason,
        request_ref=body.request_ref,
        actor=actor.label,
    )
    return ErasureRead.model_validate(erasure)


@router.get(
    "/customers/{customer_id}/personal-data",
    summary="Everything held about a person (DPDP s.11)",
    responses=NOT_FOUND,
)
async def export_personal_data(
    customer_id: UUID, uow: UoW, actor: Admin, request: Request
) -> JSONResponse:
    """One JSON document: `record`, `versions` (every stored state), `contacts` and
    `contact_versions`, `tickets` (ids, numbers, statuses and dates), `legacy_ids`,
    `legal_hold` and `erasures`."""
    document: dict[str, Any] = await service.personal_data(
        uow, customer_id=customer_id, actor=actor.label, reader=reader_of(request, actor)
    )
    return JSONResponse(jsonable_encoder(document))


@router.get(
    "/customers/{customer_id}/access-log",
    summary="Who read this person's data (DPDP Rules 6 and 8)",
    responses=COMMON_ERRORS,
)
async def list_access_log(
    customer_id: UUID,
    uow: UoW,
    actor: Admin,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (max 200).")] = 50,
    cursor: Annotated[str | None, Query(max_length=20, description="From `next_cursor`.")] = None,
) -> AccessLogRead:
    """Reads of the person's record, history, timeline and export through the API and the web
    UI, newest first: who, when, what and from which address. Entries are written in batches
    about a second after the read."""
    if cursor is not None and not (cursor.isdigit() and len(cursor) <= 18):
        raise InvalidValue("cursor", "not a cursor this server issued")
    entries = await service.access_log(
        uow,
        customer_id=customer_id,
        limit=limit + 1,
        before_id=int(cursor) if cursor else None,
        actor=actor.label,
    )
    page = entries[:limit]
    more = len(entries) > limit
    return AccessLogRead(
        items=[AccessEntryRead.model_validate(e) for e in page],
        next_cursor=str(page[-1].id) if more and page else None,
    )
