"""History reads: each function runs one SQL statement on the unit of work's connection.

Nothing here writes: versions are written by the triggers of revision 0002 (and legacy ones by
`clientele_history_backfill`).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, RowMapping, Text, func, literal_column, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.customers.domain import (
    Customer,
)
from clientele.customers.repository import row_to_customer
from clientele.history.domain import (
    BOOKKEEPING_FIELDS,
    ContactVersion,
    Operation,
    Source,
    Version,
)
from clientele.tables import customer_contact_versions, customer_versions

# One indexed statement: the exclusion constraint's GiST index on (customer_id, valid) finds the
# one version whose range contains the time; jsonb_populate_record turns the stored JSON back
# into a `customers` row with the table's own types; `clientele_customer_image` (revision 0006)
# reads an image stored before the design doc's names in today's names and values.
# Changed fields under today's names (versions recorded before revision 0006 used older ones).
_CHANGED_FIELDS = literal_column(
    "ARRAY(SELECT clientele_customer_field(f) FROM unnest(customer_versions.changed_fields) AS f)",
    ARRAY(Text),
)

_AS_OF = text(
    """
    SELECT v.operation AS history_operation, c.*
      FROM customer_versions AS v
     CROSS JOIN LATERAL
           jsonb_populate_record(NULL::customers, clientele_customer_image(v.row_data)) AS c
     WHERE v.customer_id = :customer_id AND v.valid @> CAST(:at AS timestamptz)
    """
)


async def customer_as_of(conn: AsyncConnection, customer_id: UUID, at: datetime) -> Customer | None:
    """The customer as it was at `at`, or None when it did not exist then (or was deleted)."""
    result = await conn.execute(_AS_OF, {"customer_id": customer_id, "at": at})
    row = result.mappings().first()
    if row is None or row["history_operation"] == Operation.DELETE.value:
        return None
    return row_to_customer(row)


def _to_version(row: RowMapping) -> Version:
    valid = row["valid"]
    return Version(
        customer_id=row["customer_id"],
        valid_from=valid.lower,
        valid_to=valid.upper,
        operation=Operation(row["operation"]),
        source=Source(row["source"]),
        actor=row["actor"],
        row=row["row_data"],
        changed_fields=tuple(row["changed_fields"]),
    )


def _not_a_rerecording(row: Any, previous: Any) -> Any:
    """False for a version that records the state before it again: the same `version` and
    every other field equal (the legacy migration's insert after the backdated history of the
    same state). Listing it would show an entry that changed nothing."""
    bookkeeping = postgresql.array(sorted(BOOKKEEPING_FIELDS), type_=Text)
    return or_(
        previous.is_(None),
        row.op("->")("version").is_distinct_from(previous.op("->")("version")),
        row.op("-")(bookkeeping).is_distinct_from(previous.op("-")(bookkeeping)),
    )


async def versions_page(
    conn: AsyncConnection, customer_id: UUID, *, before: datetime | None, limit: int | None
) -> list[tuple[Version, Mapping[str, Any] | None]]:
    """Up to `limit` (None: all) versions that began before `before` (None: any), newest first, each
    with the row of the version before it (None for the oldest).

    The window runs over all of the customer's versions (tens, not thousands), so the previous
    row is right on every page.
    """
    v = customer_versions
    start = func.lower(v.c.valid)
    image = func.clientele_customer_image(v.c.row_data, type_=JSONB)
    numbered = (
        select(
            v.c.customer_id,
            v.c.valid,
            v.c.operation,
            v.c.source,
            v.c.actor,
            image.label("row_data"),
            _CHANGED_FIELDS.label("changed_fields"),
            start.label("valid_from"),
            func.lag(image).over(order_by=start).label("previous_row"),
        )
        .where(v.c.customer_id == customer_id)
        .subquery()
    )
    statement = (
        select(numbered)
        .where(_not_a_rerecording(numbered.c.row_data, numbered.c.previous_row))
        .order_by(numbered.c.valid_from.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    if before is not None:
        statement = statement.where(numbered.c.valid_from < before)
    rows = (await conn.execute(statement)).mappings()
    return [(_to_version(row), row["previous_row"]) for row in rows]


async def contact_versions(
    conn: AsyncConnection, customer_id: UUID
) -> list[tuple[ContactVersion, Mapping[str, Any] | None]]:
    """Every version of the contacts that belonged to the customer when written, oldest first,
    each with the row of that contact's previous version (None for its first)."""
    v = customer_contact_versions
    start = func.lower(v.c.valid)
    previous = (
        func.lag(v.c.row_data).over(partition_by=v.c.contact_id, order_by=start).label("previous")
    )
    inner = (
        select(v, start.label("valid_from"), previous)
        .where(
            v.c.contact_id.in_(
                select(v.c.contact_id).where(v.c.customer_id == customer_id).scalar_subquery()
            )
        )
        .subquery()
    )
    statement = select(inner).where(inner.c.customer_id == customer_id).order_by(inner.c.valid_from)
    rows = (await conn.execute(statement)).mappings()
    return [
        (
            ContactVersion(
                contact_id=row["contact_id"],
                valid_from=row["valid_from"],
                operation=Operation(row["operation"]),
                source=Source(row["source"]),
                actor=row["actor"],
                row=row["row_data"],
            ),
            row["previous"],
        )
        for row in rows
    ]
