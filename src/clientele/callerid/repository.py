"""The caller-ID lookup: one statement over every number a customer is or was reachable on."""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.customers.domain import Customer
from clientele.customers.repository import row_to_customer

# Each way a customer can be reachable on a number, strongest first (`rank`), with the
# confidence it gives when no other customer is reachable on it now. A number several
# customers hold now (a hospital group's switchboard, a dealer) splits the confidence among
# them: all of them come back, none is picked at random. A number a customer had before
# (its closed history versions) is weaker, and weaker still when someone else holds it now.
CALLER_ID = text("""
WITH hits AS (
    SELECT c.id AS customer_id, 1 AS rank, 1.0 AS confidence, 'primary phone' AS reason
    FROM customers AS c WHERE c.primary_phone = :number
    UNION ALL
    SELECT c.id, 2, 0.9, 'secondary phone' FROM customers AS c WHERE c.secondary_phone = :number
    UNION ALL
    SELECT c.id, 2, 0.9, 'WhatsApp number' FROM customers AS c WHERE c.whatsapp_number = :number
    UNION ALL
    SELECT k.customer_id, 3, 0.8,
           'contact ' || k.name || CASE WHEN k.phone = :number THEN '' ELSE ' (WhatsApp)' END
    FROM customer_contacts AS k WHERE k.phone = :number OR k.whatsapp = :number
    UNION ALL
    SELECT v.customer_id, 4, 0.7,
           'phone until ' || to_char(max(upper(v.valid)) AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD')
    FROM customer_versions AS v
    WHERE ARRAY[v.row_data ->> 'primary_phone', v.row_data ->> 'secondary_phone',
                v.row_data ->> 'whatsapp_number'] @> ARRAY[CAST(:number AS text)]
      AND NOT upper_inf(v.valid)
    GROUP BY v.customer_id
), best AS (
    SELECT DISTINCT ON (h.customer_id) h.customer_id, h.rank, h.confidence, h.reason
    FROM hits AS h JOIN customers AS c ON c.id = h.customer_id AND c.merged_into_id IS NULL
    ORDER BY h.customer_id, h.rank, h.reason
), shared AS (
    SELECT b.*, count(*) FILTER (WHERE b.rank < 4) OVER () AS holders FROM best AS b
)
SELECT c.*, s.reason, s.holders,
       round(CAST(CASE WHEN s.rank < 4 THEN s.confidence / s.holders
                       WHEN s.holders > 0 THEN 0.3 ELSE s.confidence END AS numeric), 2)
           AS confidence
FROM shared AS s JOIN customers AS c ON c.id = s.customer_id
ORDER BY s.rank, c.status = 'active' DESC, c.created_at DESC, c.id
LIMIT :limit
""")


@dataclass(frozen=True, slots=True)
class Caller:
    """A customer reachable on the number, why ("secondary phone", "contact Dr. Rao"), and how
    sure that makes it (0-1; shared among the customers holding the number now)."""

    customer: Customer
    reason: str
    confidence: float
    shared_with: int  # how many customers are reachable on the number now


async def callers(conn: AsyncConnection, number: str, *, limit: int) -> list[Caller]:
    """Every customer reachable on `number` (E.164) now or before, most likely first."""
    rows = await conn.execute(CALLER_ID, {"number": number, "limit": limit})
    return [
        Caller(
            customer=row_to_customer(row),
            reason=row["reason"],
            confidence=float(row["confidence"]),
            shared_with=int(row["holders"]),
        )
        for row in rows.mappings()
    ]
