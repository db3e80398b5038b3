"""Customer use cases. Each opens the unit of work, applies domain rules, and commits once."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from clientele import metrics
from clientele.audit import trail
from clientele.auth.domain import Actor
from clientele.callerid import repository as callerid
from clientele.customers import repository
from clientele.customers.domain import Customer, CustomerFilters
from clientele.customers.repository import StaleUpdate
from clientele.customers.search import parse_query
from clientele.errors import NotFound, StaleVersion
from clientele.names.fold import place_keys
from clientele.pagination import Cursor, Page, page
from clientele.uow import UnitOfWork

if TYPE_CHECKING:
    from clientele.privacy.access import Reader


@dataclass(frozen=True, slots=True)
class SearchHit:
    customer: Customer
    score: float
    matched_on: str  # "id", "legacy_id", "phone" or "name"
    reason: str | None = None  # for a phone: how the customer is reachable on it


async def create_customer(uow: UnitOfWork, *, values: Mapping[str, Any], actor: Actor) -> Customer:
    """Create an active customer. Raises InvalidValue, DuplicatePhone."""
    customer = Customer.new(actor=actor.label, **values)
    async with uow:
        await uow.set_actor(actor.label)
        stored = await repository.add(uow.connection, customer)
        await uow.commit()
    return stored


async def get_customer(
    uow: UnitOfWork, *, customer_id: UUID, reader: "Reader | None" = None
) -> Customer:
    """The customer. Raises NotFound. A `reader`'s read of an individual is access-logged."""
    async with uow.read_only():
        customer = await repository.get(uow.connection, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    if reader is not None:
        reader.saw(customer.id, customer.customer_type, "record")
    return customer


async def _load_at_version(
    uow: UnitOfWork, customer_id: UUID, expected_version: int | None
) -> Customer:
    customer = await repository.get(uow.connection, customer_id, for_update=True)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    if expected_version is not None and customer.version != expected_version:
        raise StaleVersion(customer.version, customer.updated_by)
    return customer


async def _store(uow: UnitOfWork, customer: Customer, *, actor: Actor) -> Customer:
    await uow.set_actor(actor.label)
    try:
        stored = await repository.update(
            uow.connection, customer, expected_version=customer.version
        )
    except StaleUpdate:
        # Another writer committed between our read and our write.
        current = await repository.get(uow.connection, customer.id)
        if current is None:
            raise NotFound(f"no customer with id {customer.id}") from None
        raise StaleVersion(current.version, current.updated_by) from None
    await uow.commit()
    return stored


async def update_customer(
    uow: UnitOfWork,
    *,
    customer_id: UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
    actor: Actor,
) -> Customer:
    """Apply a partial update. Raises NotFound, StaleVersion, InvalidValue, DuplicatePhone.

    Nothing changed means nothing is written: the version stays, no history row appears.
    """
    async with uow:
        customer = await _load_at_version(uow, customer_id, expected_version)
        if not customer.update_details(changes, actor=actor.label):
            return customer
        return await _store(uow, customer, actor=actor)


async def block_customer(
    uow: UnitOfWork,
    *,
    customer_id: UUID,
    reason: str,
    expected_version: int | None,
    actor: Actor,
) -> Customer:
    """Block a customer (audited, refusals too). Raises NotFound, StaleVersion, AlreadyBlocked,
    InvalidValue."""
    target = {"customer_id": str(customer_id)}
    async with (
        trail.attempt(uow, actor=actor.label, action="customers.block", target=target) as attempt,
        uow,
    ):
        customer = await _load_at_version(uow, customer_id, expected_version)
        customer.block(reason, actor=actor.label)
        await attempt.succeeded()
        return await _store(uow, customer, actor=actor)


async def activate_customer(
    uow: UnitOfWork, *, customer_id: UUID, expected_version: int | None, actor: Actor
) -> Customer:
    """Activate a customer (audited, refusals too). Raises NotFound, StaleVersion, AlreadyActive,
    DuplicatePhone."""
    target = {"customer_id": str(customer_id)}
    async with (
        trail.attempt(
            uow, actor=actor.label, action="customers.activate", target=target
        ) as attempt,
        uow,
    ):
        customer = await _load_at_version(uow, customer_id, expected_version)
        customer.activate(actor=actor.label)
        await attempt.succeeded()
        return await _store(uow, customer, actor=actor)


async def list_customers(
    uow: UnitOfWork, *, filters: CustomerFilters, cursor: Cursor | None, limit: int
) -> Page[Customer]:
    """One page of customers, newest first; `next_cursor` is None on the last page."""
    async with uow.read_only():
        rows = await repository.list_page(uow.connection, filters, cursor=cursor, limit=limit + 1)
    return page(rows, limit, lambda last: Cursor.after(last.created_at, last.id))


async def count_customers(uow: UnitOfWork, *, filters: CustomerFilters) -> int:
    """How many customers match the filters."""
    async with uow.read_only():
        return await repository.count(uow.connection, filters)


@metrics.timed_search
async def search_customers(
    uow: UnitOfWork, *, text: str, filters: CustomerFilters, limit: int
) -> list[SearchHit]:
    """Customers an agent's entry names: by id, legacy id or phone first, then by name."""
    query = parse_query(text)
    hits: list[SearchHit] = []
    async with uow:
        conn = uow.connection
        if query.uuid is not None:
            by_id = await repository.get(conn, query.uuid)
            hits += [SearchHit(by_id, 1.0, "id")] if by_id is not None else []
        if query.legacy_id is not None:
            by_legacy = await repository.get_by_legacy_id(conn, query.legacy_id)
            hits += [SearchHit(by_legacy, 1.0, "legacy_id")] if by_legacy is not None else []
        if query.phone is not None:
            # Any number the customer is or was reachable on (caller ID), with the reason. A
            # phone match scores 1.0 as before; how sure it is, is caller ID's `confidence`.
            hits += [
                SearchHit(c.customer, 1.0, "phone", c.reason)
                for c in await callerid.callers(conn, query.phone, limit=limit)
            ]
        if query.name is not None:
            # The entry is folded as the stored names are (abbreviations, transliterations).
            named = await repository.search_by_name(
                conn,
                # The whole entry: a locality typed after the name is often part of the name
                # ("Mahavir Hospital - MP Nagar"), and a word no stored name holds costs nothing.
                text.strip(),
                filters=filters,
                limit=limit,
                place=place_keys(query.place, query.name_part or "") if query.place else None,
            )
            # A place bonus can lift a score past 1: the order holds it, the score is capped.
            hits += [SearchHit(c, round(min(score, 1.0), 4), "name") for c, score in named]
    best_first: dict[UUID, SearchHit] = {}
    for hit in hits:
        best_first.setdefault(hit.customer.id, hit)
    return list(best_first.values())[:limit]
