import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest

from clientele.demo.dataset import REFERENCE_TIME, generate, iter_customers
from clientele.gstin import validate_gstin

CUSTOMER_TYPES = {"hospital", "clinic", "lab", "manufacturer", "dealer", "individual"}
# First digit of an Indian PIN code is the postal zone of the state.
POSTAL_ZONE = {
    "Delhi": "1",
    "Haryana": "1",
    "Punjab": "1",
    "Chandigarh": "1",
    "Himachal Pradesh": "1",
    "Jammu and Kashmir": "1",
    "Uttar Pradesh": "2",
    "Uttarakhand": "2",
    "Rajasthan": "3",
    "Gujarat": "3",
    "Maharashtra": "4",
    "Goa": "4",
    "Madhya Pradesh": "4",
    "Karnataka": "5",
    "Telangana": "5",
    "Andhra Pradesh": "5",
    "Tamil Nadu": "6",
    "Kerala": "6",
    "Puducherry": "6",
    "West Bengal": "7",
    "Odisha": "7",
    "Assam": "7",
    "Bihar": "8",
    "Jharkhand": "8",
}
STD_CODES = {"Mumbai": "22", "New Delhi": "11", "Bengaluru": "80", "Chennai": "44", "Jaipur": "141"}
EMAIL = re.compile(r"[a-z0-9.]+@[a-z0-9]+(\.[a-z]+)+")


@pytest.fixture(scope="module")
def dataset():
    return generate(n_customers=20_000, seed=7)


def parse(phone):
    number = phonenumbers.parse(phone, "IN")
    assert phonenumbers.is_valid_number(number), phone
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    return number


def all_phones(dataset):
    for customer in dataset.customers:
        yield from (customer.primary_phone, customer.secondary_phone, customer.whatsapp_number)
    for contact in dataset.contacts:
        yield from (contact.phone, contact.whatsapp)


def test_the_same_seed_gives_the_same_dataset():
    assert generate(n_customers=300, seed=11) == generate(n_customers=300, seed=11)


def test_another_seed_gives_different_customers_and_ids():
    first, second = generate(n_customers=300, seed=1), generate(n_customers=300, seed=2)
    assert {c.id for c in first.customers}.isdisjoint(c.id for c in second.customers)
    assert [c.name for c in first.customers] != [c.name for c in second.customers]


def test_streamed_customers_are_the_customers_of_the_generated_dataset():
    assert list(iter_customers(n=500, seed=3)) == generate(n_customers=500, seed=3).customers


def test_negative_sizes_are_refused():
    with pytest.raises(ValueError, match="negative"):
        iter_customers(n=-1)
    with pytest.raises(ValueError, match="negative"):
        generate(n_customers=10, tickets_per_customer=-1)


def test_every_phone_is_a_valid_indian_number_in_e164(dataset):
    phones = [phone for phone in all_phones(dataset) if phone is not None]
    assert len(phones) > len(dataset.customers)
    for phone in phones:
        assert parse(phone).country_code == 91


def test_whatsapp_numbers_are_mobiles(dataset):
    whatsapp = [c.whatsapp_number for c in dataset.customers if c.whatsapp_number]
    whatsapp += [c.whatsapp for c in dataset.contacts if c.whatsapp]
    for phone in whatsapp:
        assert phonenumbers.number_type(parse(phone)) == phonenumbers.PhoneNumberType.MOBILE


def test_landlines_carry_the_std_code_of_the_customers_city(dataset):
    landlines = 0
    for customer in dataset.customers:
        number = parse(customer.primary_phone)
        if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
            landlines += 1
            if customer.city in STD_CODES:
                assert str(number.national_number).startswith(STD_CODES[customer.city])
    assert landlines > len(dataset.customers) // 10


def test_active_customers_never_share_a_primary_phone(dataset):
    active = [c.primary_phone for c in dataset.customers if c.status == "active"]
    assert len(active) > 18_000
    assert len(set(active)) == len(active)


def test_some_inactive_records_duplicate_an_active_customer_phone(dataset):
    active = {c.primary_phone: c for c in dataset.customers if c.status == "active"}
    duplicates = [
        c for c in dataset.customers if c.status != "active" and c.primary_phone in active
    ]
    assert len(duplicates) > 100
    assert all(d.city == active[d.primary_phone].city for d in duplicates)


def test_gstins_are_valid_unique_and_registered_in_the_customers_state(dataset):
    gstins = [c.tax_id for c in dataset.customers if c.tax_id]
    assert len(gstins) > len(dataset.customers) // 2
    assert len(set(gstins)) == len(gstins)
    for customer in dataset.customers:
        if customer.tax_id:
            assert validate_gstin(customer.tax_id, state=customer.state) == customer.tax_id
        if customer.customer_type == "individual":
            assert customer.tax_id is None


def test_branches_of_an_organization_share_its_pan_across_states(dataset):
    pans = defaultdict(set)
    states = defaultdict(set)
    for customer in dataset.customers:
        if customer.organization_id and customer.tax_id:
            pans[customer.organization_id].add(customer.tax_id[2:12])
            states[customer.organization_id].add(customer.state)
    assert all(len(pan) == 1 for pan in pans.values())
    assert any(len(state) >= 3 for state in states.values())


def test_customers_only_reference_returned_organizations_which_have_branches(dataset):
    organizations = {o.id for o in dataset.organizations}
    members = Counter(c.organization_id for c in dataset.customers if c.organization_id)
    assert set(members) <= organizations
    assert sum(members.values()) > 500
    assert max(members.values()) >= 5


def test_customer_fields_stay_within_their_allowed_values(dataset):
    oldest = REFERENCE_TIME - timedelta(days=3 * 366)
    for customer in dataset.customers:
        assert customer.customer_type in CUSTOMER_TYPES
        assert customer.tier in {"standard", "premium", "vip"}
        assert customer.status in {"active", "inactive", "blocked"}
        assert (customer.blocked_reason is not None) == (customer.status == "blocked")
        assert re.fullmatch(r"[1-8]\d{5}", customer.postal_code)
        assert customer.postal_code[0] == POSTAL_ZONE[customer.state]
        assert customer.created_at.tzinfo is UTC
        assert oldest <= customer.created_at <= REFERENCE_TIME
        assert customer.primary_email is None or EMAIL.fullmatch(customer.primary_email), (
            customer.primary_email
        )


def test_most_customers_are_active_with_a_few_inactive_and_blocked(dataset):
    statuses = Counter(c.status for c in dataset.customers)
    assert statuses["active"] > 0.9 * len(dataset.customers)
    assert statuses["inactive"] > 100
    assert statuses["blocked"] > 100


def test_common_names_repeat_across_cities(dataset):
    cities_by_name = defaultdict(set)
    for customer in dataset.customers:
        cities_by_name[customer.name].add(customer.city)
    assert max(len(cities) for cities in cities_by_name.values()) >= 10
    assert len(cities_by_name) > len(dataset.customers) // 4


def test_contacts_equipment_and_tickets_reference_existing_customers(dataset):
    customers = {c.id for c in dataset.customers}
    assert all(contact.customer_id in customers for contact in dataset.contacts)
    assert all(unit.customer_id in customers for unit in dataset.equipment)
    assert all(ticket.customer_id in customers for ticket in dataset.tickets)


def test_equipment_contact_and_ticket_equipment_belong_to_the_same_customer(dataset):
    contact_owner = {c.id: c.customer_id for c in dataset.contacts}
    unit_owner = {u.id: u.customer_id for u in dataset.equipment}
    for unit in dataset.equipment:
        if unit.contact_id is not None:
            assert contact_owner[unit.contact_id] == unit.customer_id
    for ticket in dataset.tickets:
        if ticket.equipment_id is not None:
            assert unit_owner[ticket.equipment_id] == ticket.customer_id


def test_serial_numbers_are_unique(dataset):
    serials = [unit.serial_number for unit in dataset.equipment]
    assert len(set(serials)) == len(serials)


def test_a_ticket_has_closed_at_exactly_when_closed_and_after_it_was_created(dataset):
    statuses = Counter()
    for ticket in dataset.tickets:
        statuses[ticket.status] += 1
        assert (ticket.closed_at is not None) == (ticket.status == "closed")
        if ticket.closed_at is not None:
            assert ticket.created_at < ticket.closed_at == ticket.updated_at
        assert ticket.created_at <= ticket.updated_at <= REFERENCE_TIME
        assert ticket.priority in {"low", "medium", "high", "critical"}
    assert set(statuses) == {"open", "in_progress", "closed"}


def test_tickets_are_raised_after_the_customer_and_equipment_exist(dataset):
    customer_created = {c.id: c.created_at for c in dataset.customers}
    installed = {u.id: u.installed_at for u in dataset.equipment}
    for ticket in dataset.tickets:
        assert ticket.created_at >= customer_created[ticket.customer_id]
        if ticket.equipment_id is not None:
            assert ticket.created_at.date() >= installed[ticket.equipment_id]


def test_ticket_numbers_are_unique_and_follow_the_year_of_creation(dataset):
    numbers = [t.ticket_number for t in dataset.tickets]
    assert len(set(numbers)) == len(numbers)
    for ticket in dataset.tickets:
        assert re.fullmatch(rf"TKT-{ticket.created_at.year}-\d{{6}}", ticket.ticket_number)


def test_the_ticket_volume_follows_tickets_per_customer(dataset):
    assert 2.7 < len(dataset.tickets) / len(dataset.customers) < 3.3
    assert generate(n_customers=200, tickets_per_customer=0).tickets == []


def test_ids_are_unique_version_4_uuids(dataset):
    ids = [
        row.id for rows in (dataset.customers, dataset.contacts, dataset.equipment) for row in rows
    ]
    ids += [ticket.id for ticket in dataset.tickets] + [org.id for org in dataset.organizations]
    assert len(set(ids)) == len(ids)
    assert {i.version for i in ids} == {4}


def test_tickets_describe_medical_equipment_service(dataset):
    titles = " ".join(t.title for t in dataset.tickets[:2000])
    for word in ("MRI", "CT", "X-ray", "Ventilator", "SpO2", "Dialysis", "Ultrasound", "ECG"):
        assert word in titles


def test_reference_time_is_fixed_so_data_does_not_drift_with_the_clock():
    assert datetime(2026, 11, 1, 6, 30, tzinfo=UTC) == REFERENCE_TIME
