"""Top customers over a period (threshold algorithm of revision 0015, and its fallback that
sums the period) equal an independent count for random periods, limits and many ties,
whether the period cuts months or years."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from clientele.reports.domain import Period
from clientele.reports.repository import top_customers

IST = timedelta(hours=5, minutes=30)
FIRST = datetime(2024, 10, 1, tzinfo=UTC)
DAYS = 600


def _period(rng: random.Random) -> Period:
    """Periods on IST month starts, on IST days, inside one month, open at either end."""

    def moment() -> datetime:
        day = FIRST + timedelta(days=rng.randrange(-20, DAYS + 20))
        if rng.random() < 0.5:  # an IST month start
            local = (day + IST).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            return local - IST
        return day + timedelta(hours=rng.choice([0, 18.5, 7]))

    start, end = sorted([moment(), moment()])
    if rng.random() < 0.2:
        end = start + timedelta(days=rng.randrange(1, 20))
    if rng.random() < 0.1:
        return Period(start=None, end=end)
    if rng.random() < 0.1:
        return Period(start=start, end=None)
    return Period(start=start, end=end)


async def test_top_customers_over_random_periods_match_an_independent_count(build, connection):
    rng = random.Random(1600)  # noqa: S311 - seeded test data
    customers = [str((await build.customer_row(name=f"Lab {n}"))["id"]) for n in range(150)]
    tickets: list[tuple[str, datetime]] = []
    for customer in customers:
        # Few tickets each, many equal counts: the ties (ordered by id) decide the top.
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 9])):
            tickets.append((customer, FIRST + timedelta(hours=rng.randrange(0, 24 * DAYS))))
    await connection.execute(
        text(
            "INSERT INTO service_tickets (ticket_number, customer_id, title, status, created_by,"
            " created_at) SELECT 'T-P-' || n, c, 'Fault', 'open', 'test', at"
            " FROM unnest(CAST(:c AS uuid[]), CAST(:at AS timestamptz[])) WITH ORDINALITY"
            " AS t (c, at, n)"
        ),
        {"c": [c for c, _ in tickets], "at": [at for _, at in tickets]},
    )

    for _ in range(60):
        period, limit = _period(rng), rng.choice([1, 2, 3, 5, 8, 40])
        counted = Counter(
            c
            for c, at in tickets
            if (period.start is None or at >= period.start)
            and (period.end is None or at < period.end)
        )
        expected = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:limit]

        found = await top_customers(connection, period, limit=limit)
        summed = await connection.execute(
            text("SELECT * FROM clientele_top_customers_in_period(:start, :end, :limit, 1)"),
            {"start": period.start, "end": period.end, "limit": limit},
        )

        assert [(str(f.customer.id), f.ticket_count) for f in found] == expected, period
        # The fallback (a round deeper than `deepest` entries sums the whole period).
        assert [(str(c), n) for c, n in summed] == expected, period
