"""The recount of the answers the database keeps for the reports (counters, monthly rollup,
month and year totals, tier totals): compare with every ticket, and rewrite what differs.
Only the repair command runs these; they read the whole tickets table."""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class CounterDrift:
    """Rows of the kept answers that differ from a recount, and a few customers concerned."""

    counts: int
    months: int
    totals: int
    tiers: int
    customer_ids: tuple[UUID, ...]

    @property
    def exact(self) -> bool:
        return self.counts == self.months == self.totals == self.tiers == 0


# The kept answers recounted from tickets (the repair command compares and rewrites).
_TRUTH_COUNTS = """
    SELECT t.*, lower(cu.city) AS city_key, lower(cu.state) AS state_key FROM (
        SELECT customer_id, count(*) AS tickets,
               count(*) FILTER (WHERE status = 'open') AS open,
               count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
               min(created_at) AS first_ticket_at, max(created_at) AS last_ticket_at
        FROM service_tickets GROUP BY customer_id) t
    JOIN customers cu ON cu.id = t.customer_id"""
_TRUTH_MONTHS = """
    SELECT customer_id, clientele_ist_month(created_at) AS month, status, count(*) AS tickets
    FROM service_tickets GROUP BY 1, 2, 3"""
_TRUTH_TOTALS = """
    SELECT customer_id, p.months, p.starts, count(*) AS tickets
    FROM service_tickets, clientele_ist_spans(created_at) p GROUP BY 1, 2, 3"""
_TRUTH_TIERS = """
    SELECT c.tier, clientele_tier_stripe(t.customer_id) AS stripe,
           count(*) FILTER (WHERE t.status = 'open') AS open,
           count(*) FILTER (WHERE t.status = 'in_progress') AS in_progress,
           count(DISTINCT t.customer_id) AS customers
    FROM service_tickets t JOIN customers c ON c.id = t.customer_id
    WHERE t.status IN ('open', 'in_progress') GROUP BY 1, 2"""
_COUNTS_FIELDS = "tickets, open, in_progress, first_ticket_at, last_ticket_at, city_key, state_key"
_WRONG_COUNTS = f"""
    SELECT coalesce(t.customer_id, c.customer_id) AS customer_id
    FROM ({_TRUTH_COUNTS}) t FULL JOIN customer_ticket_counts c USING (customer_id)
    WHERE (t.tickets, t.open, t.in_progress, t.first_ticket_at, t.last_ticket_at,
           t.city_key, t.state_key)
          IS DISTINCT FROM
          (c.tickets, c.open, c.in_progress, c.first_ticket_at, c.last_ticket_at,
           c.city_key, c.state_key)"""  # noqa: S608 - constants


def _wrong_rollup(truth: str, table: str, keys: tuple[str, str, str]) -> str:
    """Keys of a rollup table's rows that differ from the recount `truth` (missing, extra or
    another count)."""
    picked = ", ".join(f"coalesce(t.{k}, m.{k}) AS {k}" for k in keys)
    return f"""
    SELECT {picked} FROM ({truth}) t FULL JOIN {table} m USING ({", ".join(keys)})
    WHERE t.tickets IS DISTINCT FROM m.tickets"""  # noqa: S608 - constants


def _rewrite_rollup(truth: str, table: str, keys: tuple[str, str, str]) -> tuple[str, str]:
    """Delete a rollup table's differing rows, then insert the recount's missing ones."""
    listed = ", ".join(keys)
    matched = " AND ".join(f"m.{k} = w.{k}" for k in keys)
    return (
        f"DELETE FROM {table} m USING ({_wrong_rollup(truth, table, keys)}) w WHERE {matched}",  # noqa: S608 - constants
        f"""INSERT INTO {table} ({listed}, tickets) SELECT {listed}, tickets FROM ({truth}) w
            WHERE NOT EXISTS (SELECT 1 FROM {table} m WHERE {matched})""",  # noqa: S608
    )


_MONTHS = (_TRUTH_MONTHS, "customer_ticket_months", ("customer_id", "month", "status"))
_TOTALS = (_TRUTH_TOTALS, "customer_ticket_totals", ("customer_id", "months", "starts"))
_WRONG_MONTHS = _wrong_rollup(*_MONTHS)
_WRONG_TOTALS = _wrong_rollup(*_TOTALS)
_WRONG_TIERS = f"""
    SELECT 1 FROM ({_TRUTH_TIERS}) t
    FULL JOIN (SELECT * FROM ticket_tier_counts WHERE (open, in_progress, customers) <> (0, 0, 0)) k
        ON k.tier IS NOT DISTINCT FROM t.tier AND k.stripe = t.stripe
    WHERE (t.open, t.in_progress, t.customers) IS DISTINCT FROM (k.open, k.in_progress, k.customers)"""  # noqa: S608, E501 - constants
_DRIFT = f"""
    WITH wrong_counts AS ({_WRONG_COUNTS}), wrong_months AS ({_WRONG_MONTHS}),
         wrong_totals AS ({_WRONG_TOTALS})
    SELECT (SELECT count(*) FROM wrong_counts) AS counts,
           (SELECT count(*) FROM wrong_months) AS months,
           (SELECT count(*) FROM wrong_totals) AS totals,
           (SELECT count(*) FROM ({_WRONG_TIERS}) w) AS tiers,
           ARRAY(SELECT customer_id FROM (SELECT customer_id FROM wrong_counts UNION
                                          SELECT customer_id FROM wrong_months UNION
                                          SELECT customer_id FROM wrong_totals) w
                 ORDER BY customer_id LIMIT 10) AS customer_ids"""  # noqa: S608 - constants
_REPAIR = (
    "LOCK TABLE service_tickets, customers IN SHARE MODE",
    f"""DELETE FROM customer_ticket_counts c
        WHERE c.customer_id IN (SELECT customer_id FROM ({_WRONG_COUNTS}) w)""",  # noqa: S608
    f"""INSERT INTO customer_ticket_counts (customer_id, {_COUNTS_FIELDS})
        SELECT customer_id, {_COUNTS_FIELDS} FROM ({_TRUTH_COUNTS}) t
        WHERE NOT EXISTS (SELECT 1 FROM customer_ticket_counts c
                          WHERE c.customer_id = t.customer_id)""",  # noqa: S608
    *_rewrite_rollup(*_MONTHS),
    *_rewrite_rollup(*_TOTALS),
    "DELETE FROM ticket_tier_counts",
    f"INSERT INTO ticket_tier_counts (tier, stripe, open, in_progress, customers) {_TRUTH_TIERS}",
)


async def counter_drift(conn: AsyncConnection) -> CounterDrift:
    """Compare the kept counters and rollup with a recount of every ticket (one statement;
    reads the whole tickets table)."""
    row = (await conn.execute(text(_DRIFT))).mappings().one()
    return CounterDrift(
        int(row["counts"]),
        int(row["months"]),
        int(row["totals"]),
        int(row["tiers"]),
        tuple(row["customer_ids"]),
    )


async def repair_counters(conn: AsyncConnection) -> CounterDrift:
    """Rewrite the rows that differ from a recount, ticket writers held off (SHARE lock on
    service_tickets) until the caller commits; returns what differed before."""
    await conn.execute(text(_REPAIR[0]))
    drift = await counter_drift(conn)
    if not drift.exact:
        for statement in _REPAIR[1:]:
            await conn.execute(text(statement))
    return drift
