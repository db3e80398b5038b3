"""Presentation helpers: times in IST, phones for reading, the as-of picker, an SVG bar chart."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from clientele.history.domain import parse_as_of

IST = ZoneInfo("Asia/Kolkata")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def ist(moment: datetime | date | None, *, seconds: bool = False) -> str:
    """`05 Mar 2026, 14:30 IST`; a date alone as `05 Mar 2026`; '' for None."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.strftime("%d %b %Y")
    pattern = "%d %b %Y, %H:%M:%S IST" if seconds else "%d %b %Y, %H:%M IST"
    return moment.astimezone(IST).strftime(pattern)


def picker_value(moment: datetime) -> str:
    """A time as the value of an `<input type="datetime-local">` showing IST."""
    return moment.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S")


def parse_picker(value: str) -> datetime:
    """An as-of time from the page: the picker's local value, which the page labels IST, a
    day, or an RFC 3339 time with an offset (the timeline's links). Raises InvalidValue."""
    return parse_as_of(value)


def phone(value: str | None) -> str:
    """An E.164 number grouped for reading (`+91 98765 43210`); other text as it is."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def show(value: Any) -> str:
    """A history value for reading: E.164 phones grouped, lists joined, None as ''."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    text = str(value)
    return phone(text) if E164.match(text) else text


def sentence(text: str) -> str:
    """A domain message (`the customer is blocked`) as a sentence on a page."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def label(value: Any) -> str:
    """`in_progress` -> `In progress`."""
    text = str(getattr(value, "value", value) or "")
    return text.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    y: int
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart laid out on the server; the template draws it as inline SVG."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    plot_width: int


def bar_chart(title: str, items: Sequence[tuple[str, int]], *, width: int = 640) -> BarChart:
    """Lay out one bar per item, scaled to the largest value (labels cut to 28 characters)."""
    label_width, value_room, bar_height, gap = 220, 48, 22, 8
    plot_width = width - label_width - value_room
    top = max((value for _, value in items), default=0) or 1
    bars = [
        Bar(
            label=name if len(name) <= 28 else name[:27] + "…",
            value=value,
            y=i * (bar_height + gap),
            width=max(plot_width * value / top, 1.0),
        )
        for i, (name, value) in enumerate(items)
    ]
    height = max(len(bars) * (bar_height + gap), bar_height)
    return BarChart(title, bars, width, height, label_width, bar_height, plot_width)
