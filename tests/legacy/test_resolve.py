"""Identity resolution without a database: the rules, and accuracy on messy data with truth."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from clientele.legacy import normalize
from clientele.legacy.resolve import UNIDENTIFIED_KEY, TicketRow, resolve
from clientele.phones import InvalidPhone, normalize_phone
from tests.legacy.conftest import dataset
from tests.legacy.generator import pairwise

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _ticket(lid, name, phone, *, days=0, whatsapp=None):
    return TicketRow(uuid4(), T0 + timedelta(days=days), lid, name, phone, whatsapp)


def test_grouping_of_generated_messy_tickets_is_precise_and_complete():
    data = dataset()
    rows = [TicketRow(r[0], r[11], r[2], r[3], r[4], r[5], r[6]) for r in data.tickets]
    plan = resolve(rows)
    precision, recall = pairwise({t: plan.ticket_customer[t] for t in data.truth}, data.truth)
    print(f"\npure resolver on {len(rows)} tickets: precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.99
    assert recall >= 0.9


def test_two_ids_become_one_customer_only_when_phone_and_name_agree():
    tickets = [
        _ticket("CUST-00042", "Sunrise Hospital", "098765 43210"),
        _ticket("a" * 32, "SUNRISE HOSP.", "+91 98765 43210", days=1),
        _ticket("CUST-00043", "Lotus Diagnostics", "+91-98765-43210", days=2),
    ]
    plan = resolve(tickets)
    keys = [plan.ticket_customer[t.id] for t in tickets]
    assert keys[0] == keys[1] != keys[2]
    kinds = {r.kind for r in plan.reviews}
    assert {"ids_merged", "shared_phone"} <= kinds
    statuses = sorted(c.status for c in plan.customers)
    assert statuses == ["active", "inactive"]  # one phone, one active holder


def test_a_ticket_naming_nobody_goes_to_the_placeholder_and_is_listed():
    plan = resolve([_ticket(None, " ", "N/A"), _ticket("", None, "0000000000")])
    assert set(plan.ticket_customer.values()) == {UNIDENTIFIED_KEY}
    assert [r.kind for r in plan.reviews] == ["ticket_without_customer"] * 2
    placeholder = plan.by_key[UNIDENTIFIED_KEY]
    assert placeholder.primary_phone is None
    assert placeholder.status == "inactive"


def test_a_customer_without_any_valid_phone_is_inactive_not_invented():
    plan = resolve([_ticket("CUST-1", "Asha Clinic", "N/A"), _ticket("CUST-1", "Asha Clinic", "")])
    (customer,) = plan.customers
    assert customer.primary_phone is None
    assert customer.status == "inactive"
    assert customer.raw_phones == ["N/A"]
    assert {r.kind for r in plan.reviews} == {"no_phone", "invalid_phone"}


def test_name_is_the_most_frequent_spelling_and_history_follows_phone_changes():
    tickets = [
        _ticket("CUST-7", "Sunrise Hosp", "9876543210", days=0),
        _ticket("CUST-7", "Sunrise Hospital", "9876543210", days=10),
        _ticket("CUST-7", "Sunrise Hospital", "9123456780", days=40),
        _ticket(None, "सनराइज अस्पताल", "+91 91234 56780", days=50),
    ]
    plan = resolve(tickets)
    (customer,) = plan.customers
    assert customer.name == "Sunrise Hospital"
    assert customer.primary_phone == "+919123456780"
    assert "सनराइज अस्पताल" in customer.aliases
    assert [state["primary_phone"] for _, state in customer.timeline] == [
        "+919876543210",
        "+919123456780",
    ]
    assert customer.created_at == T0


def test_resolution_is_deterministic():
    rows = [TicketRow(r[0], r[11], r[2], r[3], r[4], r[5], r[6]) for r in dataset().tickets]
    first, second = resolve(rows), resolve(list(reversed(rows)))
    assert first.ticket_customer == second.ticket_customer
    assert [c.id for c in first.customers] == [c.id for c in second.customers]


def test_the_canonical_name_is_the_most_frequent_well_cased_latin_spelling():
    tickets = [
        _ticket("CUST-1", "mahavir eye care", "098765 43210", days=0),
        _ticket("CUST-1", "mahavir eye care", "098765 43210", days=1),
        _ticket("CUST-1", "MAHAVIR EYE CARE", "098765 43210", days=2),
        _ticket("CUST-1", "Mahavir Eye Care", "098765 43210", days=3),
        _ticket("CUST-2", "डॉ. Amit Agarwal", "098111 22233", days=0),
        _ticket("CUST-2", "डॉ. Amit Agarwal", "098111 22233", days=1),
        _ticket("CUST-2", "Dr. Amit Agarwal", "098111 22233", days=2),
        _ticket("CUST-3", "डॉ. Sunita Rao", "098222 33344", days=0),
        _ticket("CUST-4", "सनराइज अस्पताल", "098333 44455", days=0),
    ]
    plan = resolve(tickets)
    names = {next(iter(c.legacy_ids)): c for c in plan.customers}
    assert names["cust-1"].name == "Mahavir Eye Care"
    assert "mahavir eye care" in names["cust-1"].aliases  # every spelling stays an alias
    assert names["cust-2"].name == "Dr. Amit Agarwal"
    assert "डॉ. Amit Agarwal" in names["cust-2"].aliases
    assert names["cust-3"].name == "Sunita Rao"  # the other script's honorific is dropped
    assert names["cust-4"].name == "सनराइज अस्पताल"  # nothing Latin was ever typed
    for c in plan.customers:
        for _, state in c.timeline:
            assert not state.get("name", "X").islower()


def test_city_and_state_come_from_the_equipment_the_tickets_name_most_often_then_latest():
    from clientele.legacy.resolve import EquipmentRow

    pune, mumbai, stock = uuid4(), uuid4(), uuid4()
    equipment = [
        EquipmentRow(pune, None, None, None, "Pune", "Maharashtra"),
        EquipmentRow(mumbai, None, None, None, " Mumbai ", "Maharashtra"),
        EquipmentRow(stock, "Ravi", "+91 98444 55566", None, "Chennai", "Tamil Nadu"),
    ]
    tickets = [
        TicketRow(uuid4(), T0, "CUST-1", "Lotus Clinic", "098765 43210", None, pune),
        TicketRow(uuid4(), T0 + timedelta(days=1), "CUST-1", "Lotus Clinic", None, None, mumbai),
        TicketRow(uuid4(), T0 + timedelta(days=2), "CUST-1", "Lotus Clinic", None, None, mumbai),
        TicketRow(uuid4(), T0, "CUST-2", "Apex Labs", "098111 22233", None, pune),
        TicketRow(uuid4(), T0 + timedelta(days=5), "CUST-2", "Apex Labs", None, None, mumbai),
        # No ticket names a unit, but a unit's contact phone is this customer's phone.
        TicketRow(uuid4(), T0, "CUST-3", "Kaveri Hospital", "+91 98444 55566", None, None),
        TicketRow(uuid4(), T0, "CUST-4", "Nowhere Clinic", "098555 66677", None, None),
    ]
    plan = resolve(tickets, equipment)
    places = {next(iter(c.legacy_ids)): (c.city, c.state) for c in plan.customers}
    assert places["cust-1"] == ("Mumbai", "Maharashtra")  # most frequent
    assert places["cust-2"] == ("Mumbai", "Maharashtra")  # a tie: the most recent
    assert places["cust-3"] == ("Chennai", "Tamil Nadu")  # by the contact phone
    assert places["cust-4"] == (None, None)  # nothing known, nothing invented


SUBSCRIBERS = ["9812345678", "2223456789", "6000000001", "8012345678", "9123456789", "4012345678",
               "1800123456", "0123456789", "9191919191"]  # fmt: skip


@pytest.mark.parametrize("subscriber", SUBSCRIBERS)
def test_every_national_form_of_a_number_reads_as_phonenumbers_reads_it(subscriber: str) -> None:
    """The plan parses one form per number (`+91` and ten digits); each form typed must mean
    what phonenumbers makes of it as typed."""
    for typed in (subscriber, f"0{subscriber}", f"91{subscriber}", f"+91{subscriber}",
                  f"0{subscriber[:5]} {subscriber[5:]}", f"91-{subscriber}"):  # fmt: skip
        try:
            expected: str | None = normalize_phone(typed)
        except InvalidPhone:
            expected = None
        assert normalize.phone(typed) == expected, typed


@pytest.mark.parametrize("typed", ["23456789", "9123456", "91234567890", "0912345678", "+9123456"])
def test_numbers_of_other_lengths_read_as_typed(typed: str) -> None:
    try:
        expected: str | None = normalize_phone(typed)
    except InvalidPhone:
        expected = None
    assert normalize.phone(typed) == expected
