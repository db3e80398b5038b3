"""Personal-data rules without a database: what is searched for, and when erasure waits."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from clientele.privacy.domain import ERASED, Scrubber, erased_values, hold_reasons

NOW = datetime(2026, 12, 4, tzinfo=UTC)


def test_a_phone_is_found_in_any_format_and_a_name_by_each_of_its_words():
    scrubber = Scrubber.of(
        [{"name": "Orvalda Zynthwick", "primary_phone": "+919845013579", "city": "Pune"}]
    )
    assert scrubber.text("Call 098450 13579 or +91-98450-13579") == f"Call {ERASED} or {ERASED}"
    assert scrubber.text("AC repair for ORVALDA") == f"AC repair for {ERASED}"
    assert scrubber.text("Ticket 12345 in Pune") == "Ticket 12345 in Pune"  # city is not searched


def test_json_keeps_keys_ids_and_other_values():
    customer_id = "5b0c2f9e-8d1e-4c1e-9a39-3f0f6f0d7a11"
    scrubber = Scrubber.of([{"email": "a.b@example.in"}])
    value = {"email": "a.b@example.in", "id": customer_id, "n": 3, "other": ["x@y.in"]}
    assert scrubber.json(value) == {"email": ERASED, "id": customer_id, "n": 3, "other": ["x@y.in"]}


def test_an_erased_placeholder_is_not_itself_searched_for():
    scrubber = Scrubber.of([{"name": "Erased customer 5b0c2f9e"}])
    assert scrubber.texts == frozenset()


def test_erased_values_empty_collections_and_null_the_rest():
    values = erased_values(("name", "email", "tags", "metadata"), name="Erased customer x")
    assert values == {"name": "Erased customer x", "email": None, "tags": [], "metadata": {}}


def test_every_hold_is_a_reason_and_the_retention_ends():
    reasons = hold_reasons(
        open_tickets=2,
        last_closed_at=NOW - timedelta(days=10),
        now=NOW,
        retention_days=30,
        explicit_hold="court order",
        merged_into=UUID(int=1),
    )
    assert len(reasons) == 4
    assert (
        hold_reasons(
            open_tickets=0,
            last_closed_at=NOW - timedelta(days=31),
            now=NOW,
            retention_days=30,
            explicit_hold=None,
            merged_into=None,
        )
        == []
    )
