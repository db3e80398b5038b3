"""A client of the platform speaks the design doc's domain model (T1.2's Go struct JSON names)."""

import pytest

from tests.support.api import assert_problem, unique_mobile

CUSTOMERS = "/api/v1/customers"


async def test_a_customer_with_every_field_of_the_doc_reads_back_under_the_same_names(
    client, agent, viewer
):
    organization = await client.post(
        "/api/v1/organizations", json={"name": "Sunrise Group"}, headers=agent
    )
    assert organization.status_code == 201, organization.text
    # Phones sent in E.164 come back as sent (other formats are normalized to it).
    phone, whatsapp, secondary = (f"+91{unique_mobile()}" for _ in range(3))
    sent = {
        "customer_type": "hospital",
        "name": "Sunrise Multispeciality Hospital",
        "display_name": "Sunrise",
        "primary_phone": phone,
        "secondary_phone": secondary,
        "primary_email": "biomed@sunrisehospital.in",
        "whatsapp_number": whatsapp,
        "address_line1": "Plot 12, LBS Marg",
        "address_line2": "Kurla West",
        "city": "Mumbai",
        "state": "Maharashtra",
        "postal_code": "400070",
        "country": "India",
        "organization_id": organization.json()["id"],
        "registration_number": "MH/2011/0457",
        "tax_id": "27AAPFU0939F1ZV",
        "website": "https://sunrisehospital.in",
        "tier": "vip",
        "preferred_language": "mr",
        "preferred_contact_method": "whatsapp",
        "notes": "Biomedical head answers before 11:00.",
        "tags": ["govt_hospital", "tier1_city", "high_value"],
    }
    created = await client.post(CUSTOMERS, json=sent, headers=agent)
    assert created.status_code == 201, created.text

    got = await client.get(f"{CUSTOMERS}/{created.json()['id']}", headers=viewer)

    body = got.json()
    assert {name: body[name] for name in sent} == sent
    assert body["status"] == "active"
    assert body["created_by"] == "token:test-agent"
    assert {"id", "created_at", "updated_at"} <= body.keys()


async def test_a_customer_created_with_the_required_fields_gets_the_docs_defaults(client, agent):
    created = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "individual",
            "name": "Asha Patil",
            "primary_phone": unique_mobile(),
        },
        headers=agent,
    )
    body = created.json()
    assert (body["country"], body["preferred_language"], body["status"], body["tags"]) == (
        "India", "en", "active", [],
    )  # fmt: skip
    assert body["tier"] is None
    assert body["preferred_contact_method"] is None


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("tier", "gold", ["vip", "premium", "standard"]),
        ("preferred_contact_method", "fax", ["phone", "email", "whatsapp"]),
        ("preferred_language", "klingon", ["en", "hi", "mr", "ta"]),
    ],
)
async def test_a_value_outside_the_docs_list_is_a_422_naming_the_field_and_the_allowed_values(
    client, agent, field, value, allowed
):
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "clinic",
            "name": "Lotus Clinic",
            "primary_phone": unique_mobile(),
            field: value,
        },
        headers=agent,
    )
    (error,) = assert_problem(response, 422)["errors"]
    assert error["field"] == field
    assert all(f"'{choice}'" in error["message"] for choice in allowed), error["message"]


async def test_a_tax_id_that_is_not_a_gstin_is_kept_as_typed(client, agent):
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "dealer",
            "name": "Apex Medical Systems",
            "primary_phone": unique_mobile(),
            "tax_id": "AAPFU0939F",
        },
        headers=agent,
    )
    assert response.status_code == 201, response.text
    assert response.json()["tax_id"] == "AAPFU0939F"
