"""Time ranges in query parameters: a whole day (India Standard Time) or an exact instant."""

from datetime import date, datetime, time, timedelta, timezone

from clientele.errors import InvalidValue

# India has one time zone and no daylight saving, so a fixed offset is exact.
IST = timezone(timedelta(hours=5, minutes=30), "IST")


def parse_day_or_instant(value: str | None, *, field: str) -> datetime | date | None:
    """`2026-01-31` (a day in IST) or an RFC 3339 time with an offset. Raises InvalidValue.

    A time without an offset is refused: it means different moments in Mumbai and on a
    UTC server.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(
            field, "must be a day (2026-01-31) or an RFC 3339 time with an offset"
        ) from None
    if moment.tzinfo is None:
        raise InvalidValue(field, "a time needs its offset, e.g. 2026-01-31T09:00:00+05:30")
    return moment


def range_start(value: datetime | date | None) -> datetime | None:
    """The first instant of the range: a day starts at 00:00 IST."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), IST)


def range_end(value: datetime | date | None) -> datetime | None:
    """The first instant after the range: a day is included whole (to=2026-01-31 means up
    to 2026-02-01 00:00 IST); an instant is excluded.
    """
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1), time(), IST)


def checked_range(
    start: datetime | None, end: datetime | None, *, field: str
) -> tuple[datetime | None, datetime | None]:
    """The range, if it is not backwards. Raises InvalidValue naming `field`."""
    if start is not None and end is not None and end < start:
        raise InvalidValue(field, "the end of the range is before its start")
    return start, end
