import pytest

from clientele.customers.domain import Customer, CustomerStatus, CustomerType
from clientele.errors import AlreadyActive, AlreadyBlocked, InvalidValue


def make_customer(**overrides):
    values = {
        "customer_type": CustomerType.HOSPITAL,
        "name": "Jeevan Rekha Hospital",
        "primary_phone": "+919876543210",
    }
    return Customer.new(actor="token:test", **{**values, **overrides})


def test_a_new_customer_is_active_and_remembers_who_created_it():
    customer = make_customer()
    assert customer.status is CustomerStatus.ACTIVE
    assert customer.created_by == customer.updated_by == "token:test"
    assert customer.version == 1


@pytest.mark.parametrize("missing", ["name", "primary_phone", "customer_type"])
def test_a_customer_needs_a_type_a_name_and_a_phone(missing):
    with pytest.raises(InvalidValue) as raised:
        make_customer(**{missing: None})
    assert raised.value.field == missing


def test_a_blank_name_is_refused():
    with pytest.raises(InvalidValue) as raised:
        make_customer(name="   ")
    assert raised.value.field == "name"


def test_a_phone_not_in_e164_form_is_refused_by_the_domain():
    with pytest.raises(InvalidValue) as raised:
        make_customer(whatsapp_number="98765 43210")
    assert raised.value.field == "whatsapp_number"


def test_blocking_records_the_reason_and_blocking_twice_is_an_error():
    customer = make_customer()
    customer.block("  unpaid invoices ", actor="token:boss")
    assert customer.status is CustomerStatus.BLOCKED
    assert customer.blocked_reason == "unpaid invoices"
    assert customer.updated_by == "token:boss"
    with pytest.raises(AlreadyBlocked, match="already blocked"):
        customer.block("again", actor="token:boss")


def test_blocking_needs_a_reason():
    customer = make_customer()
    with pytest.raises(InvalidValue):
        customer.block("  ", actor="token:boss")
    assert customer.status is CustomerStatus.ACTIVE


def test_activating_clears_the_block_and_activating_twice_is_an_error():
    customer = make_customer()
    customer.block("fraud check", actor="token:boss")
    customer.activate(actor="token:boss")
    assert customer.status is CustomerStatus.ACTIVE
    assert customer.blocked_reason is None
    with pytest.raises(AlreadyActive, match="already active"):
        customer.activate(actor="token:boss")


def test_an_update_reports_only_the_fields_that_really_changed():
    customer = make_customer(city="Pune")
    changed = customer.update_details(
        {"city": "Pune", "name": "Jeevan Rekha Hospital & Research Centre"}, actor="token:a"
    )
    assert changed == {"name"}
    assert customer.updated_by == "token:a"


def test_an_invalid_update_leaves_the_customer_untouched():
    customer = make_customer(city="Pune")
    with pytest.raises(InvalidValue):
        customer.update_details({"city": "Nashik", "primary_phone": None}, actor="token:a")
    assert customer.city == "Pune"
    assert customer.primary_phone == "+919876543210"


def test_status_cannot_be_changed_through_an_update():
    customer = make_customer()
    with pytest.raises(InvalidValue) as raised:
        customer.update_details({"status": "blocked"}, actor="token:a")
    assert raised.value.field == "status"


def test_resending_the_same_tags_as_a_list_changes_nothing():
    customer = make_customer(tags=["mri", "amc"])
    assert customer.tags == ("mri", "amc")
    assert customer.update_details({"tags": ["mri", "amc"]}, actor="token:a") == set()


def test_an_inactive_customer_may_lack_a_phone_but_cannot_be_activated_without_one():
    customer = make_customer()
    customer.status = CustomerStatus.INACTIVE
    customer.update_details({"primary_phone": None, "city": "Agra"}, actor="token:a")
    assert customer.primary_phone is None
    with pytest.raises(InvalidValue) as raised:
        customer.activate(actor="token:a")
    assert raised.value.field == "primary_phone"
    assert customer.status is CustomerStatus.INACTIVE


def test_an_active_customer_cannot_lose_its_phone():
    customer = make_customer()
    with pytest.raises(InvalidValue):
        customer.update_details({"primary_phone": None}, actor="token:a")
