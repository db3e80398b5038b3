"""What a report is asked for: a period and a place (framework-free, like every domain)."""

from dataclasses import dataclass
from datetime import datetime

from clientele.tickets.period import checked_range, parse_day_or_instant, range_end, range_start


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive

    @property
    def whole(self) -> bool:
        """All time: read the per-customer counters."""
        return self.start is None and self.end is None


@dataclass(frozen=True, slots=True)
class Place:
    city: str | None = None
    state: str | None = None


def period_between(start: str | None, end: str | None) -> Period:
    """The period from `start` to `end` as a report form or query names them: a day (IST,
    included whole) or an RFC 3339 instant; either may be missing. Raises InvalidValue naming
    `from` or `to`, as the API's parameters are called."""
    first, after = checked_range(
        range_start(parse_day_or_instant(start, field="from")),
        range_end(parse_day_or_instant(end, field="to")),
        field="to",
    )
    return Period(start=first, end=after)
