"""History rules without a database: as-of parsing, field diffs, the compact timeline."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from clientele.errors import InvalidValue
from clientele.history.domain import (
    EventKind,
    FieldChange,
    HistoryCursor,
    Operation,
    Source,
    Version,
    diff,
    parse_as_of,
    timeline,
    with_changes,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _version(minutes: int, operation: Operation, **row: object) -> Version:
    return Version(
        customer_id=uuid4(),
        valid_from=T0 + timedelta(minutes=minutes),
        valid_to=None,
        operation=operation,
        source=Source.API,
        actor="token:asha",
        row=row,
    )


def test_an_as_of_time_keeps_its_offset():
    assert parse_as_of("2026-01-31T18:30:00+05:30") == datetime(2026, 1, 31, 13, 0, tzinfo=UTC)
    assert parse_as_of("2026-01-31t13:00:00.5z") == datetime(2026, 1, 31, 13, 0, 0, 500000, UTC)


def test_an_as_of_day_is_the_end_of_that_day_and_a_local_time_is_ist():
    assert parse_as_of("2026-01-15") == datetime(2026, 1, 15, 18, 29, 59, 999999, tzinfo=UTC)
    assert parse_as_of("2026-01-31T18:30:00") == datetime(2026, 1, 31, 13, 0, tzinfo=UTC)
    assert parse_as_of("2026-01-31T18:30") == datetime(2026, 1, 31, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2026-01-31T25:00", "1700000000", "2026-13-01T00:00:00Z", "now"]
)
def test_an_as_of_time_that_is_no_time_is_refused(text):
    with pytest.raises(InvalidValue) as raised:
        parse_as_of(text)
    assert raised.value.field == "as_of"


def test_a_diff_names_each_changed_field_and_skips_bookkeeping():
    before = {"name": "A", "city": None, "version": 1, "updated_at": "x", "tags": ["a"]}
    after = {"name": "B", "city": "Pune", "version": 2, "updated_at": "y", "tags": ["a"]}
    assert diff(before, after) == [
        FieldChange("city", None, "Pune"),
        FieldChange("name", "A", "B"),
    ]


def test_the_first_version_shows_every_field_that_has_a_value():
    assert diff(None, {"name": "A", "email": None, "id": "x"}) == [FieldChange("name", None, "A")]


def test_a_delete_changes_no_field():
    version = _version(1, Operation.DELETE, name="A")
    assert with_changes(version, {"name": "A"}).changes == []


def test_the_timeline_keeps_names_phones_and_status_and_drops_other_edits():
    rows = [
        _version(0, Operation.INSERT, name="A", primary_phone="+1", city="X"),
        _version(1, Operation.UPDATE, name="A", primary_phone="+1", city="Y"),
        _version(2, Operation.UPDATE, name="B", primary_phone="+2", city="Y"),
        _version(3, Operation.BLOCK, name="B", primary_phone="+2", blocked_reason="fraud"),
        _version(4, Operation.MERGE, name="B", primary_phone="+2", merged_into_id="m-1"),
    ]
    previous = [None, *rows][:-1]
    entries = [with_changes(v, p.row if p else None) for v, p in zip(rows, previous, strict=True)]
    events = timeline(entries)
    assert [(e.kind, e.field, e.detail) for e in events] == [
        (EventKind.MERGED, None, "m-1"),
        (EventKind.BLOCKED, None, "fraud"),
        (EventKind.RENAMED, "name", None),
        (EventKind.PHONE_CHANGED, "primary_phone", None),
        (EventKind.CREATED, None, "A"),
    ]


def test_a_snapshot_starts_the_timeline_without_claiming_a_creation():
    events = timeline([with_changes(_version(0, Operation.SNAPSHOT, name="A"), None)])
    assert [e.kind for e in events] == [EventKind.HISTORY_STARTED]


def test_a_history_cursor_round_trips_and_a_forged_one_is_refused():
    cursor = HistoryCursor(T0)
    assert HistoryCursor.decode(cursor.encode()) == cursor
    with pytest.raises(InvalidValue):
        HistoryCursor.decode("bm90IGEgdGltZQ")
