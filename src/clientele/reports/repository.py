"""The report queries. Each function runs exactly one SQL statement over the answers the
database keeps: `customer_ticket_counts` (per customer), `customer_ticket_months` (per
customer, IST month and status; revision 0008) and `customer_ticket_totals` (per customer and
IST month or year; revision 0015), never over every ticket (repair_repository.py recounts
them). Periods read whole months from the rollup and only the partial months at their ends
from tickets. docs/reports.md names the index each one uses."""

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


def _top_in_period(period: Period, limit: int) -> Subquery:
    """(customer_id, tickets) of the `limit` customers with the most tickets in the period,
    ties by id: the threshold algorithm over month and year totals (revision 0015), whose
    cost follows `limit`, not the number of customers."""
    best = func.clientele_top_customers_in_period(
        _instant_or_null(period.start), _instant_or_null(period.end), limit
    ).table_valued("customer", "period_tickets")
    return select(
        best.c.customer.label("customer_id"), best.c.period_tickets.label("tickets")
    ).subquery("best")


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
    by id). All time: the first `limit` entries of ix_customer_ticket_counts_tickets; a
    period: `clientele_top_customers_in_period` (docs/reports.md)."""
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
        best = _top_in_period(period, limit)
        top = select(best.c.customer_id, best.c.tickets.label("ticket_count")).subquery("top")
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
            # From a fixed start every window is the same length: the most frequent are the
            # customers with the most tickets in the period.
            counts = (
                _period_counts(period) if period.start is None else _top_in_period(period, limit)
            )
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


def _instant_or_null(moment: datetime | None) -> Any:
    return cast(None, TIMESTAMP(timezone=True)) if moment is None else _instant(moment)


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
