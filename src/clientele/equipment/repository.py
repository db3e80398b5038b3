"""Equipment persistence: each function runs one SQL statement; rows map explicitly."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, Select, and_, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.equipment.domain import ContactSummary, Equipment
from clientele.pagination import Cursor
from clientele.tables import customer_contacts, customers, equipment
from clientele.tickets.domain import CustomerSummary
from clientele.tickets.repository import customer_summary_columns, to_customer_summary

STORED_FIELDS = (
    "id",
    "serial_number",
    "model",
    "manufacturer",
    "customer_id",
    "contact_id",
    "installation_city",
    "installation_state",
    "installed_at",
)


@dataclass(frozen=True, slots=True)
class EquipmentFilters:
    customer_id: UUID | None = None
    in_stock: bool | None = None
    serial_number: str | None = None


@dataclass(frozen=True, slots=True)
class EquipmentView:
    """Equipment with its customer's and contact person's current details (one query)."""

    equipment: Equipment
    customer: CustomerSummary | None
    contact: ContactSummary | None


@dataclass(frozen=True, slots=True)
class Links:
    customer_found: bool
    merged_into_id: UUID | None
    contact_owner: UUID | None


def _to_equipment(row: RowMapping) -> Equipment:
    return Equipment(**{name: row[name] for name in STORED_FIELDS}, created_at=row["created_at"],
                     updated_at=row["updated_at"], version=row["version"])  # fmt: skip


def _to_view(row: RowMapping) -> EquipmentView:
    contact = None
    if row["contact_summary_id"] is not None:
        contact = ContactSummary(
            id=row["contact_summary_id"],
            name=row["contact_name"],
            role=row["contact_role"],
            phone=row["contact_phone"],
            email=row["contact_email"],
            whatsapp=row["contact_whatsapp"],
        )
    customer = to_customer_summary(row) if row["customer_summary_id"] is not None else None
    return EquipmentView(equipment=_to_equipment(row), customer=customer, contact=contact)


def _with_links() -> Select[Any]:
    cc = customer_contacts.c
    return (
        select(
            equipment,
            *customer_summary_columns(),
            cc.id.label("contact_summary_id"),
            cc.name.label("contact_name"),
            cc.role.label("contact_role"),
            cc.phone.label("contact_phone"),
            cc.email.label("contact_email"),
            cc.whatsapp.label("contact_whatsapp"),
        )
        .select_from(equipment)
        .outerjoin(customers, customers.c.id == equipment.c.customer_id)
        .outerjoin(customer_contacts, cc.id == equipment.c.contact_id)
    )


async def load_links(
    conn: AsyncConnection, customer_id: UUID | None, contact_id: UUID | None
) -> Links:
    """Whether the customer exists (and whom it was merged into) and whose the contact is."""
    c = customers.alias("c")
    k = customer_contacts.alias("k")
    uuid = PgUUID(as_uuid=True)
    statement = select(
        select(c.c.id).where(c.c.id == literal(customer_id, uuid)).scalar_subquery(),
        select(c.c.merged_into_id).where(c.c.id == literal(customer_id, uuid)).scalar_subquery(),
        select(k.c.customer_id).where(k.c.id == literal(contact_id, uuid)).scalar_subquery(),
    )
    found, merged_into, owner = (await conn.execute(statement)).one()
    return Links(customer_found=found is not None, merged_into_id=merged_into, contact_owner=owner)


async def add(conn: AsyncConnection, unit: Equipment) -> None:
    """Insert the equipment; the database sets its timestamps."""
    values = {name: getattr(unit, name) for name in STORED_FIELDS}
    await conn.execute(equipment.insert().values(values))


async def update(conn: AsyncConnection, unit: Equipment, *, expected_version: int) -> bool:
    """Store the unit's fields and bump its version, if it is still at `expected_version`.
    False when it is not (someone changed it meanwhile)."""
    values = {name: getattr(unit, name) for name in STORED_FIELDS if name != "id"}
    statement = (
        equipment.update()
        .where(equipment.c.id == unit.id, equipment.c.version == expected_version)
        .values(**values, version=equipment.c.version + 1, updated_at=func.now())
        .returning(equipment.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def get_view(conn: AsyncConnection, equipment_id: UUID) -> EquipmentView | None:
    """The equipment with its customer and contact person, or None."""
    row = (
        (await conn.execute(_with_links().where(equipment.c.id == equipment_id))).mappings().first()
    )
    return None if row is None else _to_view(row)


async def list_page(
    conn: AsyncConnection, filters: EquipmentFilters, *, cursor: Cursor | None, limit: int
) -> list[EquipmentView]:
    """Up to `limit` units matching the filters, newest first, after `cursor` (one query)."""
    e = equipment.c
    conditions = []
    if filters.customer_id is not None:
        conditions.append(e.customer_id == filters.customer_id)
    if filters.in_stock is True:
        conditions.append(e.customer_id.is_(None))
    if filters.in_stock is False:
        conditions.append(e.customer_id.is_not(None))
    if filters.serial_number is not None:
        conditions.append(e.serial_number == filters.serial_number)
    if cursor is not None:
        conditions.append(
            tuple_(e.created_at, e.id) < tuple_(literal(cursor.created_at), literal(cursor.id))
        )
    statement = (
        _with_links()
        .where(and_(True, *conditions))
        .order_by(e.created_at.desc(), e.id.desc())
        .limit(limit)
    )
    return [_to_view(row) for row in (await conn.execute(statement)).mappings()]
