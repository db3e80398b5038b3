"""Customer routes under /api/v1/customers."""

from collections.abc import Collection
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from clientele.customers import service
from clientele.customers.domain import Customer, CustomerFilters, CustomerStatus, CustomerType
from clientele.customers.schemas import (
    BlockRequest,
    CustomerCount,
    CustomerCreate,
    CustomerPageRead,
    CustomerRead,
    CustomerUpdate,
    CustomerWritten,
    SearchHitRead,
    SearchResults,
)
from clientele.customers.search import normalize_legacy_id
from clientele.deps import (
    Admin,
    Agent,
    OptionallyVersionedWrite,
    ReadUoW,
    UoW,
    VersionedWrite,
    Viewer,
    etag,
)
from clientele.duplicates import service as duplicates_service
from clientele.duplicates.schemas import LikelyDuplicateRead
from clientele.errors import InvalidValue
from clientele.history import service as history_service
from clientele.history.domain import parse_as_of
from clientele.listing import Paging, page_read
from clientele.openapi import (
    COMMON_ERRORS,
    NO_CUSTOMER,
    if_match_errors,
    problem_response,
)
from clientele.phones import InvalidPhone, normalize_phone
from clientele.privacy.api import reader_of
from clientele.uow import UnitOfWork
from clientele.validation import AS_OF_PATTERN, PHONE_PATTERN, documented

router = APIRouter(prefix="/customers", tags=["customers"])


def _with_etag(response: Response, read: CustomerRead) -> CustomerRead:
    response.headers["ETag"] = etag(read.version)
    return read


async def _written(
    uow: UnitOfWork,
    response: Response,
    customer: Customer,
    changed: Collection[str] | None = None,
) -> CustomerWritten:
    """The stored customer and its likely duplicates (the online check: one more statement,
    looking up only the evidence an update `changed`)."""
    likely = await duplicates_service.likely_duplicates_of(uow, customer=customer, changed=changed)
    response.headers["ETag"] = etag(customer.version)
    values = CustomerRead.of(customer).model_dump()
    if likely:  # left unset otherwise: the route omits unset fields, so the body stays as before
        values["likely_duplicates"] = [
            LikelyDuplicateRead.of(d.customer_id, d.name, d.score) for d in likely
        ]
    return CustomerWritten.model_validate(values)


async def _filters(
    customer_type: CustomerType | None = None,
    status: CustomerStatus | None = None,
    city: Annotated[str | None, Query(max_length=100)] = None,
    state: Annotated[str | None, Query(max_length=100)] = None,
    organization_id: UUID | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    phone: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Any format; matches any phone field.",
            json_schema_extra=documented(PHONE_PATTERN),
        ),
    ] = None,
    legacy_id: Annotated[
        str | None, Query(max_length=64, description="An id from the old system.")
    ] = None,
) -> CustomerFilters:
    normalized_phone = None
    if phone is not None:
        try:
            normalized_phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise InvalidValue("phone", str(exc)) from exc
    return CustomerFilters(
        customer_type=customer_type,
        status=status,
        city=city,
        state=state,
        organization_id=organization_id,
        tag=tag,
        phone=normalized_phone,
        legacy_id=normalize_legacy_id(legacy_id) if legacy_id else None,
    )


Filters = Annotated[CustomerFilters, Depends(_filters)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model_exclude_unset=True,
    summary="Create a customer",
    responses={
        **COMMON_ERRORS,
        409: problem_response(
            "An active customer has this primary phone (`existing_customer_id`)."
        ),
    },
)
async def create_customer(
    body: CustomerCreate, uow: UoW, actor: Agent, response: Response
) -> CustomerWritten:
    """Create a customer. Phones are stored as E.164; the answer's `Location` names it.

    `likely_duplicates` lists stored customers this one probably duplicates (score, reasons).
    """
    customer = await service.create_customer(uow, values=body.model_dump(), actor=actor)
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    return await _written(uow, response, customer)


@router.get("", summary="List customers", responses=COMMON_ERRORS)
async def list_customers(
    uow: ReadUoW,
    actor: Viewer,
    paging: Paging,
    filters: Filters,
) -> CustomerPageRead:
    """Customers matching every filter given, newest first, one page at a time."""
    page = await service.list_customers(
        uow,
        filters=filters,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_read(CustomerPageRead, page, CustomerRead.of)


@router.get("/count", summary="Count customers", responses=COMMON_ERRORS)
async def count_customers(uow: ReadUoW, actor: Viewer, filters: Filters) -> CustomerCount:
    """How many customers match the same filters as the list."""
    return CustomerCount(count=await service.count_customers(uow, filters=filters))


@router.get("/search", summary="Find customers by name, phone or id", responses=COMMON_ERRORS)
async def search_customers(
    uow: ReadUoW,
    actor: Viewer,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="A name (typos, abbreviations like Hosp. welcome), a phone or an id.",
            examples=["sunrise hosp"],
        ),
    ],
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchResults:
    """Best matches first. An exact id, legacy id or phone match scores 1.0."""
    hits = await service.search_customers(uow, text=q, filters=filters, limit=limit)
    return SearchResults(
        items=[
            SearchHitRead(
                customer=CustomerRead.of(h.customer),
                score=h.score,
                matched_on=h.matched_on,
                reason=h.reason,
            )
            for h in hits
        ]
    )


@router.get(
    "/{customer_id}",
    summary="Get a customer",
    responses={**COMMON_ERRORS, **NO_CUSTOMER},
)
async def get_customer(
    customer_id: UUID,
    uow: UoW,
    actor: Viewer,
    response: Response,
    request: Request,
    as_of: Annotated[
        str | None,
        Query(
            max_length=64,
            json_schema_extra=documented(AS_OF_PATTERN),
            description="The customer as it was then (404 if it did not exist yet): an RFC "
            "3339 time with an offset, a local time in IST (`2026-01-31T18:30`), or a day "
            "(`2026-01-31`, the end of that day in IST).",
            examples=["2026-01-31T18:30:00+05:30"],
        ),
    ] = None,
) -> CustomerRead:
    """One customer; the `ETag` header carries its version for a later PATCH.

    A merged customer answers 200 with its own (kept) row, `merged_into_id` set, and a
    `Location` header naming the survivor: old ids keep resolving, and nothing is hidden.

    With `as_of`, the state recorded at that time (from the history); its `ETag` is the version
    it had then, so a PATCH with it answers 412 if the customer changed since.
    """
    reader = reader_of(request, actor)  # reads of an individual are access-logged
    if as_of is None:
        customer = await service.get_customer(uow, customer_id=customer_id, reader=reader)
    else:
        customer = await history_service.get_customer_as_of(
            uow, customer_id=customer_id, at=parse_as_of(as_of), reader=reader
        )
    if customer.merged_into_id is not None:
        response.headers["Location"] = f"/api/v1/customers/{customer.merged_into_id}"
    return _with_etag(response, CustomerRead.of(customer))


@router.patch(
    "/{customer_id}",
    response_model_exclude_unset=True,
    summary="Update a customer",
    responses={
        **COMMON_ERRORS,
        **NO_CUSTOMER,
        409: problem_response("The new primary phone belongs to another active customer."),
        **if_match_errors("customer"),
    },
)
async def update_customer(
    customer_id: UUID,
    body: CustomerUpdate,
    uow: UoW,
    actor: Agent,
    write: VersionedWrite,
) -> CustomerWritten:
    """Change only the fields sent. Requires `If-Match` with the ETag you read.

    `likely_duplicates` lists stored customers it now probably duplicates (score, reasons).
    """
    changes = body.model_dump(exclude_unset=True)
    customer = await service.update_customer(
        uow,
        customer_id=customer_id,
        changes=changes,
        expected_version=write.expected_version,
        actor=actor,
    )
    return await _written(uow, write.response, customer, changed=changes.keys())


@router.post(
    "/{customer_id}/block",
    summary="Block a customer",
    responses={
        **COMMON_ERRORS,
        **NO_CUSTOMER,
        409: problem_response("Already blocked."),
        **if_match_errors(),
    },
)
async def block_customer(
    customer_id: UUID,
    body: BlockRequest,
    uow: UoW,
    actor: Admin,
    write: OptionallyVersionedWrite,
) -> CustomerRead:
    """Block a customer with a reason: no new tickets until activated again."""
    customer = await service.block_customer(
        uow,
        customer_id=customer_id,
        reason=body.reason,
        expected_version=write.expected_version,
        actor=actor,
    )
    return write.answer(customer.version, CustomerRead.of(customer))


@router.post(
    "/{customer_id}/activate",
    summary="Activate a customer",
    responses={
        **COMMON_ERRORS,
        **NO_CUSTOMER,
        409: problem_response(
            "Already active, or its phone now belongs to another active customer."
        ),
        **if_match_errors(),
    },
)
async def activate_customer(
    customer_id: UUID,
    uow: UoW,
    actor: Admin,
    write: OptionallyVersionedWrite,
) -> CustomerRead:
    """Make a blocked or inactive customer active again."""
    customer = await service.activate_customer(
        uow, customer_id=customer_id, expected_version=write.expected_version, actor=actor
    )
    return write.answer(customer.version, CustomerRead.of(customer))
