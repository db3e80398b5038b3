"""The customer export: every customer matching the list filters, as CSV, page by page."""

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import asdict

from clientele.audit import trail
from clientele.customers import repository
from clientele.customers.domain import CustomerFilters
from clientele.imports.csv_format import EXPORT_COLUMNS, customer_record
from clientele.pagination import Cursor
from clientele.uow import UnitOfWork

# Keyset pages of this many rows: memory stays flat however many customers match.
PAGE = 2_000


async def export_customers(
    uow: UnitOfWork, *, filters: CustomerFilters, actor: str
) -> AsyncIterator[str]:
    """CSV text, header first, newest customer first; one query per page, all in one
    transaction (a consistent snapshot is not promised across pages). An admin read: audited
    when the last page is out (or the export failed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield _drain(buffer)
    chosen = {k: str(v) for k, v in asdict(filters).items() if v is not None}
    async with (
        trail.admin_read(uow, actor=actor, action="customers.export", target=chosen),
        uow,
    ):
        cursor: Cursor | None = None
        while True:
            page = await repository.list_page(uow.connection, filters, cursor=cursor, limit=PAGE)
            writer.writerows(customer_record(c) for c in page)
            yield _drain(buffer)
            if len(page) < PAGE:
                return
            last = page[-1]
            assert last.created_at is not None
            cursor = Cursor(created_at=last.created_at, id=last.id)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
