"""Personal data use cases: erase (s.12), export (s.11), legal holds and the access log (Rules 6
and 8). Each runs in one unit of work; the API, the web UI and the CLI call these."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from clientele.audit import trail
from clientele.contacts import repository as contacts_repository
from clientele.customers import repository as customers_repository
from clientele.customers.domain import CustomerType
from clientele.errors import InvalidValue, NotFound
from clientele.privacy import repository
from clientele.privacy.access import Reader
from clientele.privacy.domain import (
    LegalHold,
    NotAnIndividual,
    Scrubber,
    contact_placeholder,
    customer_placeholder,
    hold_reasons,
)
from clientele.privacy.repository import erasers
from clientele.uow import UnitOfWork

# DPDP Rule 8: logs of processing are kept at least a year.
MIN_ACCESS_LOG_RETENTION_DAYS = 365


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did: its record's id and time, and rows overwritten per table."""

    id: UUID
    subject_type: str
    subject_id: UUID
    customer_id: UUID
    erased_at: datetime
    counts: dict[str, int]


def _names(records: list[Any]) -> frozenset[str]:
    found = {r.get("name") for r in records} | {r.get("customer_name") for r in records}
    found |= {r.get("display_name") for r in records}
    return frozenset(n for n in found if isinstance(n, str) and n)


async def erase_customer(
    uow: UnitOfWork,
    *,
    customer_id: UUID,
    reason: str,
    request_ref: str,
    actor: str,
    retention_days: int,
    now: datetime | None = None,
) -> Erasure:
    """Overwrite an individual's personal values everywhere the database holds them (the row,
    every history version, contacts, legacy archive and ids, review items, duplicate reasons,
    merges, ticket texts, idempotency records, audit payloads, search vocabulary), in one
    transaction, and record the erasure.

    Raises NotFound, NotAnIndividual (an organization), LegalHold (with every reason)."""
    target = {"customer_id": str(customer_id)}
    async with (
        trail.attempt(uow, actor=actor, action="privacy.erase_customer", target=target) as attempt,
        uow,
    ):
        await uow.set_actor(actor)
        conn = uow.connection
        customer = await customers_repository.get(conn, customer_id, for_update=True)
        if customer is None:
            raise NotFound(f"no customer with id {customer_id}")
        if customer.customer_type is not CustomerType.INDIVIDUAL:
            raise NotAnIndividual(
                f"customer {customer_id} is a {customer.customer_type.value}, not a person: an"
                " organization's record is not personal data; erase its contact people instead"
                " (POST /contacts/{id}/erase)"
            )
        open_tickets, last_closed, hold = await repository.hold_facts(conn, customer_id)
        reasons = hold_reasons(
            open_tickets=open_tickets,
            last_closed_at=last_closed,
            now=now or datetime.now(UTC),
            retention_days=retention_days,
            explicit_hold=hold,
            merged_into=customer.merged_into_id,
        )
        if reasons:
            raise LegalHold(reasons)
        # A merge says its duplicates are the same person: their kept rows are erased too.
        same_person = [customer_id, *await repository.merged_into(conn, customer_id)]
        contacts = {c: await repository.contact_ids_of(conn, c) for c in same_person}
        records = [
            record
            for c in same_person
            for record in await repository.held_records(
                conn, customer_id=c, contact_ids=contacts[c]
            )
        ]
        scrubber, names = Scrubber.of(records), _names(records)
        counts: dict[str, int] = {}
        for c in same_person:
            subject = erasers.Subject(
                customer_id=c,
                contact_ids=contacts[c],
                whole_customer=True,
                placeholder=customer_placeholder(c),
                scrubber=scrubber,
                actor=actor,
                names=names,
            )
            for name, erase in erasers.CUSTOMER_ERASERS:
                counts[name] = counts.get(name, 0) + await erase(conn, subject)
        erasure_id, erased_at = await erasers.record_erasure(
            conn,
            subject_type="customer",
            subject_id=customer_id,
            customer_id=customer_id,
            reason=reason,
            request_ref=request_ref,
            actor=actor,
            counts=counts,
        )
        await attempt.succeeded(erasure_id=str(erasure_id))
        await uow.commit()
    return Erasure(erasure_id, "customer", customer_id, customer_id, erased_at, counts)


async def erase_contact(
    uow: UnitOfWork, *, contact_id: UUID, reason: str, request_ref: str, actor: str
) -> Erasure:
    """Overwrite one contact person's values: the contact row, its history, legacy archives of
    equipment naming it, review items, idempotency records and audit payloads.

    Raises NotFound, LegalHold (an explicit hold on the contact's customer)."""
    target = {"contact_id": str(contact_id)}
    async with (
        trail.attempt(uow, actor=actor, action="privacy.erase_contact", target=target) as attempt,
        uow,
    ):
        await uow.set_actor(actor)
        conn = uow.connection
        contact = await contacts_repository.get(conn, contact_id)
        if contact is None:
            raise NotFound(f"no contact with id {contact_id}")
        _, _, hold = await repository.hold_facts(conn, contact.customer_id)
        if hold is not None:
            raise LegalHold([f"a legal hold is in place on the customer: {hold}"])
        records = await repository.held_records(conn, customer_id=None, contact_ids=[contact_id])
        subject = erasers.Subject(
            customer_id=contact.customer_id,
            contact_ids=(contact_id,),
            whole_customer=False,
            placeholder=contact_placeholder(contact_id),
            scrubber=Scrubber.of(records),
            actor=actor,
        )
        counts = {name: await erase(conn, subject) for name, erase in erasers.CONTACT_ERASERS}
        erasure_id, erased_at = await erasers.record_erasure(
            conn,
            subject_type="contact",
            subject_id=contact_id,
            customer_id=contact.customer_id,
            reason=reason,
            request_ref=request_ref,
            actor=actor,
            counts=counts,
        )
        await attempt.succeeded(erasure_id=str(erasure_id))
        await uow.commit()
    return Erasure(erasure_id, "contact", contact_id, contact.customer_id, erased_at, counts)


async def personal_data(
    uow: UnitOfWork, *, customer_id: UUID, actor: str, reader: Reader | None = None
) -> dict[str, Any]:
    """Everything held about the customer as one document (s.11); an audited admin read.
    Raises NotFound."""
    target = {"customer_id": str(customer_id)}
    async with trail.admin_read(uow, actor=actor, action="privacy.export", target=target):
        async with uow:
            document = await repository.personal_data(uow.connection, customer_id)
        if document is None:
            raise NotFound(f"no customer with id {customer_id}")
    if reader is not None:
        reader.saw(customer_id, document["record"]["customer_type"], "export")
    return document


async def access_log(
    uow: UnitOfWork, *, customer_id: UUID, limit: int, before_id: int | None, actor: str
) -> list[repository.AccessEntry]:
    """The customer's access log, newest first (one query); an audited admin read."""
    target = {"customer_id": str(customer_id)}
    async with (
        trail.admin_read(uow, actor=actor, action="privacy.access_log", target=target),
        uow.read_only(),
    ):
        return await repository.access_entries(
            uow.connection, customer_id, limit=limit, before_id=before_id
        )


async def place_hold(uow: UnitOfWork, *, customer_id: UUID, reason: str, actor: str) -> None:
    """Put an explicit legal hold on a customer (audited). Raises NotFound, InvalidValue."""
    target = {"customer_id": str(customer_id)}
    async with (
        trail.attempt(uow, actor=actor, action="privacy.hold", target=target) as attempt,
        uow,
    ):
        if not reason.strip():
            raise InvalidValue("reason", "say why the data must be kept")
        if await customers_repository.get(uow.connection, customer_id) is None:
            raise NotFound(f"no customer with id {customer_id}")
        await repository.place_hold(uow.connection, customer_id, reason=reason, actor=actor)
        await attempt.succeeded()
        await uow.commit()


async def release_hold(uow: UnitOfWork, *, customer_id: UUID, actor: str) -> bool:
    """Lift the explicit hold (audited); False when there was none."""
    target = {"customer_id": str(customer_id)}
    async with (
        trail.attempt(uow, actor=actor, action="privacy.release", target=target) as attempt,
        uow,
    ):
        released = await repository.release_hold(uow.connection, customer_id)
        await attempt.succeeded(released=released)
        await uow.commit()
    return released


async def prune_access_log(
    uow: UnitOfWork, *, retention_days: int, now: datetime | None = None
) -> int:
    """Delete access entries older than the retention. Raises InvalidValue below one year."""
    if retention_days < MIN_ACCESS_LOG_RETENTION_DAYS:
        raise InvalidValue(
            "retention_days",
            f"access logs are kept at least {MIN_ACCESS_LOG_RETENTION_DAYS} days (DPDP Rule 8)",
        )
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    async with uow:
        removed = await repository.prune_access_log(uow.connection, older_than=cutoff)
        await uow.commit()
    return removed
