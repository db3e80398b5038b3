"""Ticket and equipment rules, without a database."""

import uuid
from datetime import UTC, datetime

import pytest

from clientele.equipment.domain import Equipment, check_links
from clientele.errors import InvalidValue
from clientele.tickets.domain import (
    CustomerCannotTakeTickets,
    CustomerStanding,
    InvalidTransition,
    Ticket,
    TicketStatus,
    check_customer_accepts_tickets,
    check_equipment_belongs,
)
from clientele.tickets.period import IST, parse_day_or_instant, range_end, range_start

NOW = datetime(2026, 3, 1, 10, tzinfo=UTC)


def a_ticket() -> Ticket:
    return Ticket.new(customer_id=uuid.uuid4(), title="Coil error", actor="token:desk")


def test_a_new_ticket_is_open_with_no_closed_at_and_remembers_who_opened_it():
    ticket = a_ticket()

    assert ticket.status is TicketStatus.OPEN
    assert ticket.closed_at is None
    assert ticket.created_by == "token:desk"


@pytest.mark.parametrize("title", ["", "   ", "x" * 256])
def test_a_ticket_needs_a_title_of_sensible_length(title):
    with pytest.raises(InvalidValue) as caught:
        Ticket.new(customer_id=uuid.uuid4(), title=title, actor="a")
    assert caught.value.field == "title"


def test_closing_stamps_closed_at_and_reopening_clears_it():
    ticket = a_ticket()

    assert ticket.apply({"status": "closed"}, now=NOW) == {"status", "closed_at"}
    assert ticket.closed_at == NOW
    ticket.apply({"status": "open"}, now=NOW)
    assert ticket.closed_at is None


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["in_progress", "open", "closed", "open", "in_progress", "closed"], True),
        (["closed", "in_progress"], False),
    ],
)
def test_status_transitions_follow_the_life_cycle(path, allowed):
    ticket = a_ticket()
    try:
        for status in path:
            ticket.apply({"status": status}, now=NOW)
    except InvalidTransition:
        assert not allowed
    else:
        assert allowed


def test_a_refused_change_changes_nothing():
    ticket = a_ticket()
    ticket.apply({"status": "closed"}, now=NOW)

    with pytest.raises(InvalidTransition):
        ticket.apply({"status": "in_progress", "title": "New"}, now=NOW)

    assert ticket.status is TicketStatus.CLOSED
    assert ticket.title == "Coil error"


def test_setting_the_current_status_again_changes_nothing():
    ticket = a_ticket()
    ticket.apply({"status": "closed"}, now=NOW)

    assert ticket.apply({"status": "closed"}, now=datetime.now(UTC)) == set()
    assert ticket.closed_at == NOW


def test_an_unknown_blocked_or_merged_customer_takes_no_tickets_and_says_why():
    cid, survivor = uuid.uuid4(), uuid.uuid4()
    cases = {
        "unknown": None,
        "blocked": CustomerStanding(cid, "blocked", "unpaid", None),
        "merged": CustomerStanding(cid, "inactive", None, survivor),
    }
    for reason, standing in cases.items():
        with pytest.raises(CustomerCannotTakeTickets) as caught:
            check_customer_accepts_tickets(cid, standing)
        assert caught.value.reason == reason
        assert caught.value.field == "customer_id"
    assert caught.value.extra["merged_into_id"] == str(survivor)
    check_customer_accepts_tickets(cid, CustomerStanding(cid, "inactive", None, None))


def test_equipment_on_a_ticket_must_be_that_customers():
    cid = uuid.uuid4()
    check_equipment_belongs(cid, uuid.uuid4(), exists=True, owner=cid)
    for exists, owner in ((False, None), (True, None), (True, uuid.uuid4())):
        with pytest.raises(InvalidValue) as caught:
            check_equipment_belongs(cid, uuid.uuid4(), exists=exists, owner=owner)
        assert caught.value.field == "equipment_id"


def test_equipment_in_stock_cannot_have_a_contact_person():
    with pytest.raises(InvalidValue) as caught:
        Equipment.new(serial_number="SN-1", contact_id=uuid.uuid4())
    assert caught.value.field == "contact_id"


def test_the_contact_person_must_be_a_contact_of_the_equipments_customer():
    unit = Equipment.new(serial_number="SN-1", customer_id=uuid.uuid4(), contact_id=uuid.uuid4())

    with pytest.raises(InvalidValue) as caught:
        check_links(unit, customer_found=True, merged_into_id=None, contact_owner=uuid.uuid4())
    assert caught.value.field == "contact_id"
    check_links(unit, customer_found=True, merged_into_id=None, contact_owner=unit.customer_id)


def test_a_day_in_a_range_is_a_whole_day_in_india():
    day = parse_day_or_instant("2026-01-31", field="to")

    assert range_start(day) == datetime(2026, 1, 31, tzinfo=IST)
    assert range_end(day) == datetime(2026, 2, 1, tzinfo=IST)


@pytest.mark.parametrize("value", ["31/01/2026", "2026-01-31T10:00:00", "soon", "2026-13-01"])
def test_a_range_bound_is_a_day_or_a_time_with_an_offset(value):
    with pytest.raises(InvalidValue) as caught:
        parse_day_or_instant(value, field="from")
    assert caught.value.field == "from"
