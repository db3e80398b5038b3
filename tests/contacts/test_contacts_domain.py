"""Contact rules, without a database."""

import uuid

import pytest

from clientele.contacts.domain import Contact, ContactInUse
from clientele.errors import InvalidValue

CUSTOMER = uuid.uuid4()


def a_contact(**values: object) -> Contact:
    return Contact.new(customer_id=CUSTOMER, actor="token:test", **{"name": "Ravi", **values})


def test_a_new_contact_belongs_to_its_customer_and_records_who_added_it():
    contact = a_contact(role="Biomedical engineer", phone="+919876543210")

    assert contact.customer_id == CUSTOMER
    assert contact.created_by == "token:test"
    assert contact.phone == "+919876543210"


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_contact_needs_a_name(name):
    with pytest.raises(InvalidValue) as error:
        a_contact(name=name)

    assert error.value.field == "name"


def test_a_contact_rejects_fields_it_does_not_have():
    with pytest.raises(InvalidValue) as error:
        a_contact(designation="engineer")

    assert error.value.field == "designation"


@pytest.mark.parametrize("field", ["phone", "whatsapp"])
@pytest.mark.parametrize("value", ["098765 43210", "N/A", "0000000000"])
def test_phones_must_arrive_valid_and_in_e164(field, value):
    with pytest.raises(InvalidValue) as error:
        a_contact(**{field: value})

    assert error.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "x" * 256), ("role", "x" * 101), ("email", "a@" + "x" * 254)],
)
def test_values_longer_than_their_column_are_rejected(field, value):
    with pytest.raises(InvalidValue) as error:
        a_contact(**{field: value})

    assert error.value.field == field


@pytest.mark.parametrize(
    "email", ["ravi", "ravi@", "@sunrise.in", "ravi@@sunrise.in", "r avi@x.in"]
)
def test_an_email_must_look_like_one(email):
    with pytest.raises(InvalidValue) as error:
        a_contact(email=email)

    assert error.value.field == "email"


def test_an_update_reports_only_the_fields_that_changed():
    contact = a_contact(role="Engineer", phone="+919876543210")

    changed = contact.update_details({"role": "Engineer", "phone": "+912223456789"})

    assert changed == {"phone"}
    assert contact.phone == "+912223456789"


def test_an_update_may_clear_optional_fields():
    contact = a_contact(whatsapp="+919876543210")

    assert contact.update_details({"whatsapp": None}) == {"whatsapp"}
    assert contact.whatsapp is None


def test_an_invalid_update_changes_nothing():
    contact = a_contact(role="Engineer")

    with pytest.raises(InvalidValue) as error:
        contact.update_details({"role": "Manager", "name": None})

    assert error.value.field == "name"
    assert contact.role == "Engineer"
    assert contact.name == "Ravi"


@pytest.mark.parametrize("field", ["id", "customer_id", "created_by"])
def test_an_update_cannot_move_or_reattribute_a_contact(field):
    contact = a_contact()

    with pytest.raises(InvalidValue) as error:
        contact.update_details({field: "x"})

    assert error.value.field == field


def test_a_contact_in_use_is_a_conflict_naming_the_equipment():
    equipment = [uuid.uuid4(), uuid.uuid4()]

    error = ContactInUse(uuid.uuid4(), equipment)

    assert error.status == 409
    assert "equipment" in error.detail
    assert error.extra["equipment_ids"] == [str(e) for e in equipment]
