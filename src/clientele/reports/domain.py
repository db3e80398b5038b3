"""What a report is asked for: a period and a place (framework-free, like every domain)."""

from dataclasses import dataclass
from datetime import datetime


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
