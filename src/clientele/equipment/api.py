"""Equipment routes: /api/v1/equipment and /api/v1/customers/{customer_id}/equipment."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from clientele.deps import Agent, UoW, VersionedWrite, Viewer, etag
from clientele.equipment import service
from clientele.equipment.domain import EquipmentFilters
from clientele.equipment.repository import EquipmentView
from clientele.equipment.schemas import (
    EquipmentCreate,
    EquipmentPageRead,
    EquipmentRead,
    EquipmentUpdate,
)
from clientele.errors import InvalidValue
from clientele.listing import Paging, page_read
from clientele.openapi import (
    COMMON_ERRORS,
    NO_CUSTOMER,
    Responses,
    if_match_errors,
    problem_response,
)
from clientele.pagination import Page

router = APIRouter(tags=["equipment"])

NO_EQUIPMENT: Responses = {404: problem_response("No equipment with this id.")}


def _page(page: Page[EquipmentView]) -> EquipmentPageRead:
    return page_read(EquipmentPageRead, page, EquipmentRead.of)


@router.post(
    "/equipment",
    status_code=status.HTTP_201_CREATED,
    summary="Record equipment",
    responses=COMMON_ERRORS,
)
async def create_equipment(
    body: EquipmentCreate, uow: UoW, actor: Agent, response: Response
) -> EquipmentRead:
    """Record a unit at a customer (with one of its contacts as the contact person) or in
    stock (no customer). `Location` names it."""
    view = await service.create_equipment(uow, values=body.model_dump())
    response.headers["Location"] = f"/api/v1/equipment/{view.equipment.id}"
    return EquipmentRead.of(view)


@router.get("/equipment", summary="List equipment", responses=COMMON_ERRORS)
async def list_equipment(
    *,
    uow: UoW,
    actor: Viewer,
    customer_id: UUID | None = None,
    in_stock: Annotated[bool | None, Query(description="true: only units in stock.")] = None,
    serial_number: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    paging: Paging,
) -> EquipmentPageRead:
    """Equipment matching every filter, newest first, each with its customer and contact."""
    if serial_number is not None and "\x00" in serial_number:
        raise InvalidValue("serial_number", "serial_number contains a NUL character")
    filters = EquipmentFilters(
        customer_id=customer_id,
        in_stock=in_stock,
        serial_number=serial_number.strip() if serial_number else None,
    )
    page = await service.list_equipment(
        uow, filters=filters, cursor=paging.cursor, limit=paging.limit
    )
    return _page(page)


@router.patch(
    "/equipment/{equipment_id}",
    summary="Assign equipment to a customer, return it to stock, or change its details",
    responses={
        **COMMON_ERRORS,
        **NO_EQUIPMENT,
        **if_match_errors("unit"),
    },
)
async def update_equipment(
    equipment_id: UUID,
    body: EquipmentUpdate,
    uow: UoW,
    actor: Agent,
    write: VersionedWrite,
) -> EquipmentRead:
    """Change only the fields sent: `{"customer_id": "..."}` assigns the unit to a customer,
    `{"customer_id": null}` returns it to stock. Requires `If-Match` with the `ETag` you read;
    every change is recorded in the unit's history (`equipment_versions`) with who made it."""
    view = await service.update_equipment(
        uow,
        equipment_id=equipment_id,
        values=body.model_dump(exclude_unset=True),
        expected_version=write.expected_version,
    )
    return write.answer(view.equipment.version, EquipmentRead.of(view))


@router.get(
    "/equipment/{equipment_id}",
    summary="Get equipment",
    responses={**COMMON_ERRORS, **NO_EQUIPMENT},
)
async def get_equipment(
    equipment_id: UUID, uow: UoW, actor: Viewer, response: Response
) -> EquipmentRead:
    """One unit with its customer's summary and its contact person's current details; the
    `ETag` header carries its version for a later PATCH."""
    view = await service.get_equipment(uow, equipment_id=equipment_id)
    response.headers["ETag"] = etag(view.equipment.version)
    return EquipmentRead.of(view)


@router.get(
    "/customers/{customer_id}/equipment",
    summary="List a customer's equipment",
    responses={**COMMON_ERRORS, **NO_CUSTOMER},
)
async def list_customer_equipment(
    customer_id: UUID,
    uow: UoW,
    actor: Viewer,
    paging: Paging,
) -> EquipmentPageRead:
    """The equipment installed at the customer, newest first."""
    page = await service.list_equipment(
        uow,
        filters=EquipmentFilters(customer_id=customer_id),
        cursor=paging.cursor,
        limit=paging.limit,
        require_customer=True,
    )
    return _page(page)
