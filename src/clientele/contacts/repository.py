"""Contact persistence: each function runs one SQL statement; rows map explicitly."""

from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, exists, func, literal, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.contacts.domain import Contact
from clientele.pagination import Cursor
from clientele.tables import customer_contacts, customers, equipment

EQUIPMENT_CONTACT_FK = "fk_equipment_contact_id_customer_contacts"
STORED_FIELDS = ("id", "customer_id", "name", "role", "phone", "email", "whatsapp", "created_by")


def _to_contact(row: RowMapping) -> Contact:
    return Contact(
        id=row["id"],
        customer_id=row["customer_id"],
        name=row["name"],
        role=row["role"],
        phone=row["phone"],
        email=row["email"],
        whatsapp=row["whatsapp"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def customer_exists(conn: AsyncConnection, customer_id: UUID) -> bool:
    """True when a customer (of any status, merged ones included) has this id."""
    statement = select(exists().where(customers.c.id == customer_id))
    return bool((await conn.execute(statement)).scalar_one())


async def add(conn: AsyncConnection, contact: Contact) -> Contact:
    """Insert a new contact; the database sets its timestamps. The customer must exist."""
    values = {name: getattr(contact, name) for name in STORED_FIELDS}
    statement = customer_contacts.insert().values(values).returning(customer_contacts)
    return _to_contact((await conn.execute(statement)).mappings().one())


async def get(conn: AsyncConnection, contact_id: UUID) -> Contact | None:
    """The contact with this id, or None."""
    statement = select(customer_contacts).where(customer_contacts.c.id == contact_id)
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_contact(row)


async def update(conn: AsyncConnection, contact: Contact, *, fields: set[str]) -> Contact | None:
    """Store only `fields` of the contact and touch `updated_at`; None when the row is gone.

    Writing just the changed columns keeps two agents editing different fields from
    overwriting each other.
    """
    values: dict[str, Any] = {name: getattr(contact, name) for name in sorted(fields)}
    statement = (
        customer_contacts.update()
        .where(customer_contacts.c.id == contact.id)
        .values(**values, updated_at=func.now())
        .returning(customer_contacts)
    )
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else _to_contact(row)


class StillReferenced(Exception):
    """Equipment rows point at the contact (FK RESTRICT); the service names them."""


async def delete(conn: AsyncConnection, contact_id: UUID) -> bool:
    """Delete the contact; False when there was none. Raises StillReferenced.

    The savepoint keeps the transaction usable after the foreign-key violation.
    """
    statement = customer_contacts.delete().where(customer_contacts.c.id == contact_id)
    try:
        async with conn.begin_nested():
            result = await conn.execute(statement)
    except IntegrityError as exc:
        if EQUIPMENT_CONTACT_FK in str(exc.orig):
            raise StillReferenced(str(contact_id)) from exc
        raise
    return bool(result.rowcount)


async def equipment_naming(conn: AsyncConnection, contact_id: UUID, *, limit: int) -> list[UUID]:
    """Ids of up to `limit` equipment rows whose contact is this one."""
    statement = (
        select(equipment.c.id)
        .where(equipment.c.contact_id == contact_id)
        .order_by(equipment.c.id)
        .limit(limit)
    )
    return list((await conn.execute(statement)).scalars())


async def list_page(
    conn: AsyncConnection, customer_id: UUID, *, cursor: Cursor | None, limit: int
) -> list[Contact]:
    """Up to `limit` contacts of a customer, oldest first, after `cursor` (one query)."""
    statement = select(customer_contacts).where(customer_contacts.c.customer_id == customer_id)
    if cursor is not None:
        statement = statement.where(
            tuple_(customer_contacts.c.created_at, customer_contacts.c.id)
            > tuple_(literal(cursor.created_at), literal(cursor.id))
        )
    statement = statement.order_by(
        customer_contacts.c.created_at.asc(), customer_contacts.c.id.asc()
    ).limit(limit)
    return [_to_contact(row) for row in (await conn.execute(statement)).mappings()]
