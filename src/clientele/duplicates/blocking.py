"""The online duplicate check's candidates, from keys the database keeps (revision 0013).

A create or PATCH looks up at most a few hundred index entries, whatever the number of
customers: per phone, e-mail and GSTIN at most `PER_KEY` customers holding it (the indexes on
`customers`), and per name blocking key (`clientele_blocking_keys(name, city)`, kept in
`customer_blocking_keys` by a trigger) at most `PER_KEY` customers, ranked by how many of the
name's keys they share. A very common name ("Sharma" in Mumbai) therefore returns a bounded
set; the pair keys (`city|word word`) and the whole-name key keep the customers that share
more than one word among the first ones read.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.duplicates.repository import MATCH_COLUMNS

# Customers read per key (phone, e-mail, GSTIN, name key), and candidates scored in all.
PER_KEY = 50
LIMIT = 20


def _name_branch() -> str:
    """Customers sharing the most name keys with (:name, :city), at most :limit, ranked by
    minus the number of keys shared (at most 11); a shared phone, e-mail or GSTIN ranks -100."""
    return """
        (SELECT k.customer_id, -count(*)
         FROM unnest(clientele_blocking_keys(:name, :city)) AS q (key),
             LATERAL (SELECT b.customer_id FROM customer_blocking_keys b
                      WHERE b.key = q.key
                        AND b.customer_id IS DISTINCT FROM CAST(:exclude AS uuid)
                      LIMIT :per_key) AS k
         GROUP BY k.customer_id ORDER BY count(*) DESC, k.customer_id LIMIT :limit)"""


async def online_candidates(
    conn: AsyncConnection,
    *,
    exclude: UUID | None,
    phones: Sequence[str],
    email: str | None,
    tax_id: str | None,
    name: str | None,
    city: str | None,
    limit: int = LIMIT,
) -> list[Any]:
    """Customers sharing a phone, e-mail or GSTIN, or name blocking keys in the same city (or
    the whole name anywhere): one statement, a UNION of one capped, indexed branch per piece of
    evidence present, best evidence first. Merged customers are left out."""
    branches: list[str] = []
    params: dict[str, Any] = {"exclude": exclude, "limit": limit, "per_key": PER_KEY}
    for i, phone in enumerate(phones[:3]):
        params[f"phone{i}"] = phone
        for column in ("primary_phone", "secondary_phone", "whatsapp_number"):
            branches.append(
                f"(SELECT id, -100 FROM customers WHERE {column} = :phone{i} LIMIT :per_key)"  # noqa: S608 - a constant column
            )
    if email:
        params["email"] = email
        branches.append(
            "(SELECT id, -100 FROM customers WHERE lower(primary_email) = :email LIMIT :per_key)"
        )
    if tax_id:
        params["tax_id"] = tax_id
        branches.append("(SELECT id, -100 FROM customers WHERE tax_id = :tax_id LIMIT :per_key)")
    if name:
        params["name"], params["city"] = name, city
        branches.append(_name_branch())
    if not branches:
        return []
    union = " UNION ALL ".join(branches)
    statement = text(
        f"""
        WITH found (found_id, rank) AS ({union})
        SELECT {MATCH_COLUMNS} FROM customers c
          JOIN (SELECT found_id, min(rank) AS rank FROM found GROUP BY found_id) f
            ON f.found_id = c.id
         WHERE c.merged_into_id IS NULL
           AND c.id IS DISTINCT FROM CAST(:exclude AS uuid)
         ORDER BY f.rank, c.id
         LIMIT :limit
        """  # noqa: S608 - the branches are this module's constants; values are parameters
    )
    return list(await conn.execute(statement, params))
