"""Contact use cases. Each opens the unit of work and, when it writes, commits once."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from clientele.auth.domain import Actor
from clientele.contacts import repository
from clientele.contacts.domain import Contact, ContactInUse
from clientele.contacts.repository import StillReferenced
from clientele.errors import NotFound, found
from clientele.pagination import Cursor, Page, page
from clientele.uow import UnitOfWork

# How many referencing equipment ids a 409 names; enough to act on, bounded in size.
EQUIPMENT_IDS_SHOWN = 20


def _no_customer(customer_id: UUID) -> NotFound:
    return NotFound(f"no customer with id {customer_id}")


def _no_contact(contact_id: UUID) -> NotFound:
    return NotFound(f"no contact with id {contact_id}")


async def add_contact(
    uow: UnitOfWork, *, customer_id: UUID, values: Mapping[str, Any], actor: Actor
) -> Contact:
    """Add a person to a customer. Raises NotFound (customer), InvalidValue."""
    contact = Contact.new(customer_id=customer_id, actor=actor.label, **values)
    async with uow:
        # Customers are never deleted (merged ones keep their row), so the check stays true.
        if not await repository.customer_exists(uow.connection, customer_id):
            raise _no_customer(customer_id)
        stored = await repository.add(uow.connection, contact)
        await uow.commit()
    return stored


async def get_contact(uow: UnitOfWork, *, contact_id: UUID) -> Contact:
    """The contact. Raises NotFound."""
    async with uow:
        return found(await repository.get(uow.connection, contact_id), "contact", contact_id)


async def update_contact(
    uow: UnitOfWork, *, contact_id: UUID, changes: Mapping[str, Any]
) -> Contact:
    """Apply a partial update. Raises NotFound, InvalidValue.

    Only the changed columns are written; nothing changed means nothing is written.
    """
    async with uow:
        contact = found(await repository.get(uow.connection, contact_id), "contact", contact_id)
        changed = contact.update_details(changes)
        if not changed:
            return contact
        stored = found(
            await repository.update(uow.connection, contact, fields=changed), "contact", contact_id
        )
        await uow.commit()
    return stored


async def delete_contact(uow: UnitOfWork, *, contact_id: UUID) -> None:
    """Delete a contact. Raises NotFound, ContactInUse (equipment names the contact)."""
    async with uow:
        try:
            deleted = await repository.delete(uow.connection, contact_id)
        except StillReferenced:
            equipment_ids = await repository.equipment_naming(
                uow.connection, contact_id, limit=EQUIPMENT_IDS_SHOWN
            )
            raise ContactInUse(contact_id, equipment_ids) from None
        if not deleted:
            raise _no_contact(contact_id)
        await uow.commit()


async def list_contacts(
    uow: UnitOfWork, *, customer_id: UUID, cursor: Cursor | None, limit: int
) -> Page[Contact]:
    """One page of a customer's contacts, oldest first, in two queries. Raises NotFound."""
    async with uow:
        if not await repository.customer_exists(uow.connection, customer_id):
            raise _no_customer(customer_id)
        rows = await repository.list_page(
            uow.connection, customer_id, cursor=cursor, limit=limit + 1
        )
    return page(rows, limit, lambda last: Cursor.after(last.created_at, last.id))
