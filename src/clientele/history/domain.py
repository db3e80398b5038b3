"""Customer history: stored versions, what changed between them, and the compact timeline.

Pure Python: no web framework, no database. The versions themselves are written by PostgreSQL
triggers (revision 0002); this module only interprets them.
"""

import base64
import binascii
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from uuid import UUID

from clientele.errors import InvalidValue
from clientele.tickets.period import IST


class Operation(StrEnum):
    """What kind of write produced a version (derived by the trigger from OLD and NEW)."""

    INSERT = "insert"
    UPDATE = "update"
    BLOCK = "block"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    MERGE = "merge"
    UNMERGE = "unmerge"
    DELETE = "delete"
    SNAPSHOT = "snapshot"  # a row that existed before history was installed


class Source(StrEnum):
    """Which path wrote a version."""

    API = "api"  # a write through Clientele (the transaction named its actor)
    SQL = "sql"  # a write that bypassed the API; the actor is the database user
    LEGACY = "legacy"  # reconstructed from the old system's data, backdated
    MERGE = "merge"  # written by a merge or its undo


# Change on every write, or never; showing them as "changes" would be noise.
BOOKKEEPING_FIELDS = frozenset(
    {"id", "version", "created_at", "updated_at", "created_by", "updated_by"}
)
NAME_FIELDS = ("name", "display_name")
PHONE_FIELDS = ("primary_phone", "secondary_phone", "whatsapp_number")

# RFC 3339 date-time (section 5.6): a full date, a full time and a mandatory offset.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AS_OF_HELP = (
    "an RFC 3339 time (2026-01-31T18:30:00+05:30), a local time in IST (2026-01-31T18:30) "
    "or a day (2026-01-31: the end of that day in IST)"
)


def parse_as_of(value: str) -> datetime:
    """An as-of time: RFC 3339 with its offset; a time without an offset, read in IST (India
    has one time zone, and the people asking are there); or a day, meaning the end of that day
    in IST ("as it was on 31 January"). Raises InvalidValue (field `as_of`) otherwise.
    """
    text = value.strip()
    try:
        if _DAY.match(text):
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59, 59, 999999), IST)
        if _LOCAL_TIME.match(text):
            return datetime.fromisoformat(text.replace("t", "T")).replace(tzinfo=IST)
    except ValueError as exc:
        raise InvalidValue("as_of", "not a real calendar time") from exc
    match = _RFC3339.match(text)
    if match is None:
        raise InvalidValue("as_of", f"must be {AS_OF_HELP}")
    fraction = match.group(1)
    if fraction is not None and len(fraction) > 7:
        # PostgreSQL keeps microseconds; finer digits are truncated, not rounded.
        text = text.replace(fraction, fraction[:7], 1)
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError as exc:
        raise InvalidValue("as_of", "not a real calendar time") from exc
    return moment


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value before and after a write (JSON values; None for null or absent)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Version:
    """One stored state of a customer and when it was current: `[valid_from, valid_to)`."""

    customer_id: UUID
    valid_from: datetime
    valid_to: datetime | None  # None: this is the current version
    operation: Operation
    source: Source
    actor: str
    row: Mapping[str, Any]
    changed_fields: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def row_version(self) -> int | None:
        """The customer's own `version` counter in this state (None in a hand-made row)."""
        value = self.row.get("version")
        return value if isinstance(value, int) else None


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[FieldChange]:
    """The fields whose value differs between two stored rows, by name.

    With no `before` (the first version), every field that has a value counts as changed.
    Bookkeeping fields (version, timestamps, who) are left out.
    """
    if before is None:
        return [
            FieldChange(name, None, value)
            for name, value in sorted(after.items())
            if name not in BOOKKEEPING_FIELDS and value is not None
        ]
    names = sorted((set(before) | set(after)) - BOOKKEEPING_FIELDS)
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]


@dataclass(frozen=True, slots=True)
class VersionChanges:
    """A version with what its write changed compared with the version before it."""

    version: Version
    changes: list[FieldChange]


def with_changes(version: Version, previous_row: Mapping[str, Any] | None) -> VersionChanges:
    """Pair a version with its changes; a delete changes nothing (the row is kept as it was)."""
    if version.operation is Operation.DELETE:
        return VersionChanges(version, [])
    return VersionChanges(version, diff(previous_row, version.row))


class EventKind(StrEnum):
    CREATED = "created"
    HISTORY_STARTED = "history_started"  # the oldest state known is a snapshot, not a creation
    RENAMED = "renamed"
    PHONE_CHANGED = "phone_changed"
    BLOCKED = "blocked"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"
    MERGED = "merged"
    UNMERGED = "unmerged"
    DELETED = "deleted"
    CONTACT_ADDED = "contact_added"
    CONTACT_PHONE_CHANGED = "contact_phone_changed"
    CONTACT_REMOVED = "contact_removed"


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One line of the customer page's timeline."""

    at: datetime
    kind: EventKind
    actor: str
    source: Source
    field: str | None = None
    old: Any = None
    new: Any = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class ContactVersion:
    """One stored state of a customer's contact person."""

    contact_id: UUID
    valid_from: datetime
    operation: Operation
    source: Source
    actor: str
    row: Mapping[str, Any]


_STATUS_EVENTS = {
    Operation.BLOCK: EventKind.BLOCKED,
    Operation.ACTIVATE: EventKind.ACTIVATED,
    Operation.DEACTIVATE: EventKind.DEACTIVATED,
    Operation.MERGE: EventKind.MERGED,
    Operation.UNMERGE: EventKind.UNMERGED,
    Operation.DELETE: EventKind.DELETED,
}

_FIELD_EVENTS = {
    **dict.fromkeys(NAME_FIELDS, EventKind.RENAMED),
    **dict.fromkeys(PHONE_FIELDS, EventKind.PHONE_CHANGED),
}


def _customer_events(entry: VersionChanges, *, is_oldest: bool) -> list[TimelineEvent]:
    version = entry.version

    def event(kind: EventKind, **extra: Any) -> TimelineEvent:
        return TimelineEvent(
            at=version.valid_from,
            kind=kind,
            actor=version.actor,
            source=version.source,
            **extra,
        )

    if is_oldest:
        kind = EventKind.HISTORY_STARTED
        if version.operation in (Operation.INSERT, Operation.UPDATE):
            kind = EventKind.CREATED  # an insert, or the oldest legacy state
        return [event(kind, detail=version.row.get("name"))]
    events: list[TimelineEvent] = []
    status_kind = _STATUS_EVENTS.get(version.operation)
    if status_kind is EventKind.BLOCKED:
        events.append(event(status_kind, detail=version.row.get("blocked_reason")))
    elif status_kind in (EventKind.MERGED, EventKind.UNMERGED):
        target = version.row.get("merged_into_id")
        events.append(event(status_kind, detail=None if target is None else str(target)))
    elif status_kind is not None:
        events.append(event(status_kind))
    for change in entry.changes:
        change_kind = _FIELD_EVENTS.get(change.field)
        if change_kind is not None:
            events.append(event(change_kind, field=change.field, old=change.old, new=change.new))
    return events


def _contact_events(
    version: ContactVersion, previous_row: Mapping[str, Any] | None
) -> list[TimelineEvent]:
    def event(kind: EventKind, **extra: Any) -> TimelineEvent:
        return TimelineEvent(
            at=version.valid_from, kind=kind, actor=version.actor, source=version.source, **extra
        )

    name = version.row.get("name")
    # A contact moved here by a merge is new to this customer.
    moved_in = previous_row is not None and previous_row.get("customer_id") != version.row.get(
        "customer_id"
    )
    if previous_row is None or moved_in or version.operation is Operation.SNAPSHOT:
        return [event(EventKind.CONTACT_ADDED, detail=name, new=version.row.get("phone"))]
    if version.operation is Operation.DELETE:
        return [event(EventKind.CONTACT_REMOVED, detail=name)]
    events = []
    for field in ("phone", "whatsapp"):
        old, new = previous_row.get(field), version.row.get(field)
        if old != new:
            events.append(
                event(EventKind.CONTACT_PHONE_CHANGED, field=field, old=old, new=new, detail=name)
            )
    return events


def timeline(
    versions: Sequence[VersionChanges],
    contacts: Iterable[tuple[ContactVersion, Mapping[str, Any] | None]] = (),
) -> list[TimelineEvent]:
    """The compact timeline, newest first: creation, name and phone changes, blocks,
    activations, merges, and contacts added, removed or re-numbered.

    `versions` are one customer's versions in any order; other field edits (address, tags...)
    are left to the full history.
    """
    oldest = min((v.version.valid_from for v in versions), default=None)
    events: list[TimelineEvent] = []
    for entry in versions:
        events += _customer_events(entry, is_oldest=entry.version.valid_from == oldest)
    for contact, previous_row in contacts:
        events += _contact_events(contact, previous_row)
    # Stable: events of one write keep their order (status first, then fields).
    return sorted(events, key=lambda e: e.at, reverse=True)


@dataclass(frozen=True, slots=True)
class HistoryCursor:
    """Where a history page stopped: the next page holds versions that began before this."""

    valid_from: datetime

    def encode(self) -> str:
        """An opaque, URL-safe token; clients must not build or parse it."""
        raw = self.valid_from.isoformat().encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "HistoryCursor":
        """Parse a token from `encode`. Raises InvalidValue (field `cursor`) for anything else."""
        try:
            padded = token + "=" * (-len(token) % 4)
            moment = datetime.fromisoformat(base64.urlsafe_b64decode(padded.encode()).decode())
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidValue("cursor", "not a cursor this server issued") from exc
        if moment.tzinfo is None:
            raise InvalidValue("cursor", "not a cursor this server issued")
        return cls(moment)
