"""The report queries. Each function runs exactly one SQL statement over the answers the
database keeps (revision 0008): `customer_ticket_counts` (per customer) and
`customer_ticket_months` (per customer, IST month and status), never over every ticket.
Periods read whole months from the rollup and only the partial months at their ends from
tickets. docs/reports.md names the index each one uses."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    cast,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.reports.domain import Period, Place
from clientele.tables import (
    customer_ticket_counts,
    customer_ticket_months,
    customers,
    service_tickets,
    ticket_tier_counts,
)
from clientele.tickets.domain import CustomerSummary
from clientele.tickets.period import IST
from clientele.tickets.repository import customer_summary_columns, to_customer_summary

# An average month (365.25 / 12 days), for tickets per month.
DAYS_PER_MONTH = 30.4375
# Best first (the design doc's vip > premium > standard), zeros included; other values
# (none today) follow sorted, then customers without a tier (also always listed).
TIER_ORDER = ("vip", "premium", "standard")


@dataclass(frozen=True, slots=True)
class CustomerTickets:
    customer: CustomerSummary
    ticket_count: int
    last_ticket_at: datetime


@dataclass(frozen=True, slots=True)
class TicketFrequency:
    customer: CustomerSummary
    ticket_count: int
    first_ticket_at: datetime
    last_ticket_at: datetime
    tickets_per_month: float


@dataclass(frozen=True, slots=True)
class TierOpenTickets:
    tier: str | None
    open: int
    in_progress: int
    total: int
    customers: int


@dataclass(frozen=True, slots=True)
class Split:
    """A period as whole IST months [first, after) read from the rollup (a None bound is
    open; `months` None when no whole month fits) and partial ranges read from tickets."""

    months: tuple[date | None, date | None] | None
    partial: tuple[tuple[datetime | None, datetime | None], ...]


@dataclass(frozen=True, slots=True)
class CounterDrift:
    """Rows of the kept answers that differ from a recount, and a few customers concerned."""

    counts: int
    months: int
    tiers: int
    customer_ids: tuple[UUID, ...]

    @property
    def exact(self) -> bool:
        return self.counts == 0 and self.months == 0 and self.tiers == 0


def _month_start(day: date) -> datetime:
    return datetime.combine(day, time(), IST)


def _month_floor(moment: datetime) -> date:
    local = moment.astimezone(IST)
    return date(local.year, local.month, 1)


def _month_ceil(moment: datetime) -> date:
    floor = _month_floor(moment)
    if _month_start(floor) == moment:
        return floor
    return date(floor.year + floor.month // 12, floor.month % 12 + 1, 1)


def split(period: Period) -> Split:
    """Cut the period into whole IST months and the partial months at either end."""
    first = None if period.start is None else _month_ceil(period.start)
    after = None if period.end is None else _month_floor(period.end)
    if first is not None and after is not None and first >= after:
        return Split(None, ((period.start, period.end),))
    partial: list[tuple[datetime | None, datetime | None]] = []
    if period.start is not None and first is not None and _month_start(first) > period.start:
        partial.append((period.start, _month_start(first)))
    if period.end is not None and after is not None and _month_start(after) < period.end:
        partial.append((_month_start(after), period.end))
    return Split((first, after), tuple(partial))


def _created_in(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(service_tickets.c.created_at >= start)
    if end is not None:
        conditions.append(service_tickets.c.created_at < end)
    return conditions


def _in_months(first: date | None, after: date | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(customer_ticket_months.c.month >= first)
    if after is not None:
        conditions.append(customer_ticket_months.c.month < after)
    return conditions


def _in_place(place: Place) -> list[ColumnElement[bool]]:
    # The counters row holds lower(city) / lower(state) (revision 0013): the place's busiest
    # customers are the top of ix_customer_ticket_counts_city / _state.
    c = customer_ticket_counts.c
    conditions: list[ColumnElement[bool]] = []
    if place.city is not None:
        conditions.append(c.city_key == place.city.strip().lower())
    if place.state is not None:
        conditions.append(c.state_key == place.state.strip().lower())
    return conditions


def _period_counts(period: Period) -> Subquery:
    """(customer_id, tickets) in the period for every customer: rollup rows of the whole
    months (ix_customer_ticket_months_month, index-only) plus tickets of the partial months
    (ix_service_tickets_created_at)."""
    parts = split(period)
    m, t = customer_ticket_months.c, service_tickets.c
    selects: list[Select[Any]] = []
    if parts.months is not None:
        selects.append(
            select(m.customer_id, m.tickets).where(and_(True, *_in_months(*parts.months)))
        )
    for start, end in parts.partial:
        selects.append(
            select(t.customer_id, literal(1, BigInteger).label("tickets")).where(
                and_(True, *_created_in(start, end))
            )
        )
    rows = union_all(*selects).subquery("rows")
    return (
        select(rows.c.customer_id, cast(func.sum(rows.c.tickets), BigInteger).label("tickets"))
        .group_by(rows.c.customer_id)
        .subquery("counts")
    )


def _count_in_period(customer_id: Any, period: Period) -> ColumnElement[Any]:
    """One customer's tickets in the period: its rollup rows (primary key range) plus its
    tickets in the partial months (ix_service_tickets_customer_id range)."""
    parts = split(period)
    m, t = customer_ticket_months.c, service_tickets.c
    total: ColumnElement[Any] = literal(0, BigInteger)
    if parts.months is not None:
        months = select(func.sum(m.tickets)).where(
            m.customer_id == customer_id, *_in_months(*parts.months)
        )
        total = total + func.coalesce(months.scalar_subquery(), 0)
    for start, end in parts.partial:
        partial = select(func.count()).where(t.customer_id == customer_id, *_created_in(start, end))
        total = total + partial.scalar_subquery()
    return cast(total, BigInteger)


def _edge_in_period(customer_id: Any, period: Period, edge: Any) -> ColumnElement[Any]:
    """min/max(created_at) of one customer's tickets in the period (one index probe)."""
    t = service_tickets.c
    return (
        select(edge(t.created_at))
        .where(t.customer_id == customer_id, *_created_in(period.start, period.end))
        .scalar_subquery()
    )


def _customer_tickets(rows: Any) -> list[CustomerTickets]:
    return [
        CustomerTickets(to_customer_summary(r), int(r["ticket_count"]), r["last_ticket_at"])
        for r in rows.mappings()
    ]


async def top_customers(
    conn: AsyncConnection, period: Period, *, limit: int
) -> list[CustomerTickets]:
    """The `limit` customers with the most tickets created in the period, most first (ties
    by id). All time: the first `limit` entries of ix_customer_ticket_counts_tickets."""
    if period.whole:
        c = customer_ticket_counts.c
        top = (
            select(c.customer_id, c.tickets.label("ticket_count"), c.last_ticket_at)
            .where(c.tickets > 0)
            .order_by(c.tickets.desc(), c.customer_id)
            .limit(limit)
            .subquery("top")
        )
        last: ColumnElement[Any] = top.c.last_ticket_at
    else:
        counts = _period_counts(period)
        top = (
            select(counts.c.customer_id, counts.c.tickets.label("ticket_count"))
            .order_by(counts.c.tickets.desc(), counts.c.customer_id)
            .limit(limit)
            .subquery("top")
        )
        last = _edge_in_period(top.c.customer_id, period, func.max)
    statement = (
        select(*customer_summary_columns(), top.c.ticket_count, last.label("last_ticket_at"))
        .join(customers, customers.c.id == top.c.customer_id)
        .order_by(top.c.ticket_count.desc(), top.c.customer_id)
    )
    return _customer_tickets(await conn.execute(statement))


def _candidates(place: Place, period: Period, more_than: int, customer_id: UUID | None) -> Any:
    """Customers in the place (or the one customer) with more than `more_than` tickets ever,
    with their count in the period, their first ticket ever and all-time counters."""
    c = customer_ticket_counts.c
    conditions = [*_in_place(place), c.tickets > more_than]
    if customer_id is not None:
        conditions.append(customers.c.id == customer_id)
    count = c.tickets if period.whole else _count_in_period(customers.c.id, period)
    return (
        select(
            *customer_summary_columns(),
            count.label("ticket_count"),
            c.first_ticket_at.label("first_ever"),
            c.last_ticket_at.label("last_ever"),
        )
        .select_from(customers.join(customer_ticket_counts, c.customer_id == customers.c.id))
        .where(and_(*conditions))
        .subquery("candidates")
    )


async def customers_with_more_tickets(
    conn: AsyncConnection, place: Place, period: Period, *, more_than: int, limit: int
) -> list[CustomerTickets]:
    """Customers in the place with more than `more_than` tickets in the period, most first.

    The place's customers come from the top of ix_customer_ticket_counts_city / _state
    (most tickets ever first); a customer with no more than `more_than` tickets ever is
    skipped before its period is counted."""
    found = _candidates(place, period, more_than, None)
    last = (
        found.c.last_ever
        if period.whole
        else _edge_in_period(found.c.customer_summary_id, period, func.max)
    )
    statement = (
        select(found, last.label("last_ticket_at"))
        .where(found.c.ticket_count > more_than)
        .order_by(found.c.ticket_count.desc(), found.c.customer_summary_id)
        .limit(limit)
    )
    return _customer_tickets(await conn.execute(statement))


# Among customers with the same ticket count k, the rate k / max(months since the first
# ticket, 1) only falls as the first ticket gets older, and is k for everyone whose first
# ticket is less than a month old (ties, ordered by last ticket). So the best `limit` of each
# count are the `limit` youngest (first ticket within a month) by last ticket, and the `limit`
# newest older ones by first ticket: two range reads of ix_customer_ticket_counts_frequency per
# distinct count (found by a loose index scan); the overall best are among them. Exact, and
# the cost grows with the number of distinct counts, not customers.
_FREQUENCY_CANDIDATES = text(
    """
    WITH RECURSIVE counts (k) AS (
        (SELECT tickets FROM customer_ticket_counts WHERE tickets > 0 ORDER BY tickets LIMIT 1)
        UNION ALL
        SELECT (SELECT tickets FROM customer_ticket_counts WHERE tickets > counts.k
                ORDER BY tickets LIMIT 1)
        FROM counts WHERE counts.k IS NOT NULL
    ), month_ago (at) AS (
        SELECT now() - make_interval(secs => 86400 * CAST(:days_per_month AS float8))
    )
    SELECT young.* FROM counts, month_ago, LATERAL (
        SELECT customer_id, tickets, first_ticket_at, last_ticket_at FROM customer_ticket_counts
        WHERE tickets = counts.k AND first_ticket_at >= month_ago.at
        ORDER BY last_ticket_at DESC, customer_id LIMIT :limit) young
    UNION ALL
    SELECT older.* FROM counts, month_ago, LATERAL (
        SELECT customer_id, tickets, first_ticket_at, last_ticket_at FROM customer_ticket_counts
        WHERE tickets = counts.k AND first_ticket_at < month_ago.at
        ORDER BY first_ticket_at DESC, last_ticket_at DESC, customer_id LIMIT :limit) older
    """
)


def _frequency_candidates(limit: int) -> Subquery:
    """Counters rows among which the `limit` most frequent customers are (all time)."""
    c = customer_ticket_counts.c
    return (
        _FREQUENCY_CANDIDATES.bindparams(days_per_month=DAYS_PER_MONTH, limit=limit)
        .columns(c.customer_id, c.tickets, c.first_ticket_at, c.last_ticket_at)
        .subquery("candidates")
    )


def _months_between(start: Any, end: Any) -> ColumnElement[Any]:
    return func.greatest(func.extract("epoch", end - start) / (86400 * DAYS_PER_MONTH), 1.0)


async def ticket_frequency(
    conn: AsyncConnection,
    place: Place,
    period: Period,
    *,
    customer_id: UUID | None,
    limit: int,
) -> list[TicketFrequency]:
    """Per customer: tickets, first and last ticket, and tickets per month over the window.

    The window runs from the period's start (else the customer's first ticket in it) to the
    period's end (else now), and counts as at least one month, so a burst of three tickets
    last week reads as 3 a month, not 90. Most frequent first; ties by last ticket (all
    time) or by customer id (with a period).

    Without filters or period, only `_frequency_candidates` are rated, not every customer.
    """
    c = customer_ticket_counts.c
    filtered = place.city is not None or place.state is not None or customer_id is not None
    if period.whole and not filtered:
        found = _frequency_candidates(limit)
        rate = cast(found.c.tickets, Float) / _months_between(found.c.first_ticket_at, func.now())
        # Ranked before the join, so only the winners meet `customers` (by primary key).
        best = (
            select(found, rate.label("tickets_per_month"))
            .order_by(rate.desc(), found.c.last_ticket_at.desc(), found.c.customer_id)
            .limit(limit)
            .subquery("best")
        )
        statement = (
            select(
                *customer_summary_columns(),
                best.c.tickets.label("ticket_count"),
                best.c.first_ticket_at,
                best.c.last_ticket_at,
                best.c.tickets_per_month,
            )
            .select_from(best.join(customers, customers.c.id == best.c.customer_id))
            .order_by(
                best.c.tickets_per_month.desc(), best.c.last_ticket_at.desc(), best.c.customer_id
            )
        )
    else:
        if filtered:
            found = _candidates(place, period, 0, customer_id)
            count, key = found.c.ticket_count, found.c.customer_summary_id
            first_ever, last_ever = found.c.first_ever, found.c.last_ever
            source: Any = found
            columns: list[Any] = [
                column
                for column in found.c
                if column.name not in ("ticket_count", "first_ever", "last_ever")
            ]
        else:
            counts = _period_counts(period)
            count, key = counts.c.tickets, counts.c.customer_id
            first_ever, last_ever = c.first_ticket_at, c.last_ticket_at
            source = counts.join(customer_ticket_counts, c.customer_id == key).join(
                customers, customers.c.id == key
            )
            columns = customer_summary_columns()
        window_start = first_ever if period.start is None else _instant(period.start)
        window_end = func.now() if period.end is None else _instant(period.end)
        rate = cast(count, Float) / _months_between(window_start, window_end)
        if period.whole:
            first, last = first_ever, last_ever
            order: list[Any] = [rate.desc(), last.desc(), key]
        else:
            first = _edge_in_period(key, period, func.min)
            last = _edge_in_period(key, period, func.max)
            order = [rate.desc(), key]
        statement = (
            select(*columns, count.label("ticket_count"), rate.label("tickets_per_month"))
            .select_from(source)
            .add_columns(first.label("first_ticket_at"), last.label("last_ticket_at"))
            .where(count > 0)
            .order_by(*order)
            .limit(limit)
        )
    return [
        TicketFrequency(
            customer=to_customer_summary(r),
            ticket_count=int(r["ticket_count"]),
            first_ticket_at=r["first_ticket_at"],
            last_ticket_at=r["last_ticket_at"],
            tickets_per_month=round(float(r["tickets_per_month"]), 3),
        )
        for r in (await conn.execute(statement)).mappings()
    ]


def _instant(moment: datetime) -> Any:
    return literal(moment, TIMESTAMP(timezone=True))


def _tier_key(tier: str | None) -> tuple[int, str]:
    if tier is None:
        return (len(TIER_ORDER) + 1, "")
    if tier in TIER_ORDER:
        return (TIER_ORDER.index(tier), "")
    return (len(TIER_ORDER), tier)


async def open_tickets_by_tier(conn: AsyncConnection) -> list[TierOpenTickets]:
    """Not-closed tickets and the customers who have them, per customer tier, whatever the
    tier's values: vip, premium, standard first (zeros included), other values sorted, then
    customers without a tier as their own group (zeros included). Sums the at most 16
    stripes per tier of `ticket_tier_counts`: constant work whatever the number of tickets."""
    k = ticket_tier_counts.c
    statement = select(
        k.tier,
        func.sum(k.open).label("open"),
        func.sum(k.in_progress).label("in_progress"),
        func.sum(k.customers).label("customers"),
    ).group_by(k.tier)
    found = {r["tier"]: r for r in (await conn.execute(statement)).mappings()}
    tiers = sorted(
        {*TIER_ORDER, None, *(t for t, r in found.items() if r["customers"])}, key=_tier_key
    )
    answers = []
    for tier in tiers:
        row = found.get(tier)
        opened = int(row["open"]) if row else 0
        working = int(row["in_progress"]) if row else 0
        answers.append(
            TierOpenTickets(
                tier=tier,
                open=opened,
                in_progress=working,
                total=opened + working,
                customers=int(row["customers"]) if row else 0,
            )
        )
    return answers


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
_WRONG_MONTHS = f"""
    SELECT coalesce(t.customer_id, m.customer_id) AS customer_id,
           coalesce(t.month, m.month) AS month, coalesce(t.status, m.status) AS status
    FROM ({_TRUTH_MONTHS}) t
         FULL JOIN customer_ticket_months m USING (customer_id, month, status)
    WHERE t.tickets IS DISTINCT FROM m.tickets"""  # noqa: S608 - constants
_WRONG_TIERS = f"""
    SELECT 1 FROM ({_TRUTH_TIERS}) t
    FULL JOIN (SELECT * FROM ticket_tier_counts WHERE (open, in_progress, customers) <> (0, 0, 0)) k
        ON k.tier IS NOT DISTINCT FROM t.tier AND k.stripe = t.stripe
    WHERE (t.open, t.in_progress, t.customers) IS DISTINCT FROM (k.open, k.in_progress, k.customers)"""  # noqa: S608, E501 - constants
_DRIFT = f"""
    WITH wrong_counts AS ({_WRONG_COUNTS}), wrong_months AS ({_WRONG_MONTHS})
    SELECT (SELECT count(*) FROM wrong_counts) AS counts,
           (SELECT count(*) FROM wrong_months) AS months,
           (SELECT count(*) FROM ({_WRONG_TIERS}) w) AS tiers,
           ARRAY(SELECT customer_id FROM (SELECT customer_id FROM wrong_counts UNION
                                          SELECT customer_id FROM wrong_months) w
                 ORDER BY customer_id LIMIT 10) AS customer_ids"""  # noqa: S608 - constants
_REPAIR = (
    "LOCK TABLE service_tickets, customers IN SHARE MODE",
    f"""DELETE FROM customer_ticket_counts c
        WHERE c.customer_id IN (SELECT customer_id FROM ({_WRONG_COUNTS}) w)""",  # noqa: S608
    f"""INSERT INTO customer_ticket_counts (customer_id, {_COUNTS_FIELDS})
        SELECT customer_id, {_COUNTS_FIELDS} FROM ({_TRUTH_COUNTS}) t
        WHERE NOT EXISTS (SELECT 1 FROM customer_ticket_counts c
                          WHERE c.customer_id = t.customer_id)""",  # noqa: S608
    f"""DELETE FROM customer_ticket_months m USING ({_WRONG_MONTHS}) w
        WHERE (m.customer_id, m.month, m.status) = (w.customer_id, w.month, w.status)""",  # noqa: S608
    f"""INSERT INTO customer_ticket_months (customer_id, month, status, tickets)
        SELECT customer_id, month, status, tickets FROM ({_TRUTH_MONTHS}) t
        WHERE NOT EXISTS (SELECT 1 FROM customer_ticket_months m
                          WHERE (m.customer_id, m.month, m.status)
                              = (t.customer_id, t.month, t.status))""",  # noqa: S608
    "DELETE FROM ticket_tier_counts",
    f"INSERT INTO ticket_tier_counts (tier, stripe, open, in_progress, customers) {_TRUTH_TIERS}",
)


async def counter_drift(conn: AsyncConnection) -> CounterDrift:
    """Compare the kept counters and rollup with a recount of every ticket (one statement;
    reads the whole tickets table)."""
    row = (await conn.execute(text(_DRIFT))).mappings().one()
    return CounterDrift(
        int(row["counts"]), int(row["months"]), int(row["tiers"]), tuple(row["customer_ids"])
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
