"""Equipment use cases. Each opens the unit of work and, when it writes, commits once."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from clientele.equipment import repository
from clientele.equipment.domain import Equipment, check_links
from clientele.equipment.repository import EquipmentFilters, EquipmentView
from clientele.errors import NotFound, StaleEquipment
from clientele.pagination import Cursor
from clientele.tickets.repository import customer_exists
from clientele.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class EquipmentPage:
    items: list[EquipmentView]
    next_cursor: str | None


async def create_equipment(uow: UnitOfWork, *, values: Mapping[str, Any]) -> EquipmentView:
    """Record equipment, in stock or at a customer. Raises InvalidValue (a field, an unknown
    or merged customer, a contact person who is not that customer's)."""
    unit = Equipment.new(**values)
    async with uow:
        conn = uow.connection
        links = await repository.load_links(conn, unit.customer_id, unit.contact_id)
        check_links(
            unit,
            customer_found=links.customer_found,
            merged_into_id=links.merged_into_id,
            contact_owner=links.contact_owner,
        )
        await repository.add(conn, unit)
        view = await repository.get_view(conn, unit.id)
        assert view is not None
        await uow.commit()
    return view


async def update_equipment(
    uow: UnitOfWork, *, equipment_id: UUID, values: Mapping[str, Any], expected_version: int | None
) -> EquipmentView:
    """Change the fields in `values`: assign the unit to a customer (`customer_id`), return it
    to stock (`customer_id` None), change its contact person or details. The trigger of
    revision 0011 records the change in `equipment_versions` with the unit of work's actor.

    Raises NotFound, StaleVersion (If-Match names an older version), InvalidValue (a field, an
    unknown or merged customer, a contact person who is not that customer's).
    """
    async with uow:
        conn = uow.connection
        current = await repository.get_view(conn, equipment_id)
        if current is None:
            raise NotFound(f"no equipment with id {equipment_id}")
        unit = current.equipment
        if expected_version is not None and unit.version != expected_version:
            raise StaleEquipment(unit.version)
        changed = unit.changed(**values)
        links = await repository.load_links(conn, changed.customer_id, changed.contact_id)
        check_links(
            changed,
            customer_found=links.customer_found,
            merged_into_id=links.merged_into_id,
            contact_owner=links.contact_owner,
        )
        if changed == unit:
            return current  # nothing to write, nothing recorded
        if not await repository.update(conn, changed, expected_version=unit.version):
            raise StaleEquipment(unit.version + 1)
        view = await repository.get_view(conn, equipment_id)
        assert view is not None
        await uow.commit()
    return view


async def get_equipment(uow: UnitOfWork, *, equipment_id: UUID) -> EquipmentView:
    """The equipment with its customer and contact person. Raises NotFound."""
    async with uow:
        view = await repository.get_view(uow.connection, equipment_id)
    if view is None:
        raise NotFound(f"no equipment with id {equipment_id}")
    return view


async def list_equipment(
    uow: UnitOfWork,
    *,
    filters: EquipmentFilters,
    cursor: Cursor | None,
    limit: int,
    require_customer: bool = False,
) -> EquipmentPage:
    """One page of equipment, newest first. With `require_customer`, raises NotFound when
    `filters.customer_id` names no customer."""
    async with uow:
        conn = uow.connection
        customer_id = filters.customer_id
        if require_customer and customer_id and not await customer_exists(conn, customer_id):
            raise NotFound(f"no customer with id {filters.customer_id}")
        rows = await repository.list_page(conn, filters, cursor=cursor, limit=limit + 1)
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1].equipment
        assert last.created_at is not None
        next_cursor = Cursor(created_at=last.created_at, id=last.id).encode()
    return EquipmentPage(items=items, next_cursor=next_cursor)
