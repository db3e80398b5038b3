"""The new customer form's likely-duplicates panel gives the API's answer for the same values."""

import re

from clientele.auth.domain import Role
from tests.support.web import logged_in, new_customer

CANDIDATE = re.compile(r'<li data-customer="([0-9a-f-]{36})">')


async def test_the_panel_lists_the_candidates_the_api_reports_on_create(
    web, users, uow_factory, agent
):
    by_phone = await new_customer(
        uow_factory, name="Lotus Eye Care", primary_phone="+919820012345", city="Pune"
    )
    by_name = await new_customer(
        uow_factory,
        name="Sunrise Multispeciality Hospital",
        primary_phone="+912223456789",
        primary_email="info@sunrisehospital.in",
    )
    await new_customer(
        uow_factory, name="Apollo Diagnostics", primary_phone="+912240001000", city="Pune"
    )
    await logged_in(web, users, Role.AGENT)
    asked = [
        {"name": "Sunrise Multi Speciality Hosp", "customer_type": "hospital",
         "primary_phone": "+912266554433", "primary_email": "INFO@sunrisehospital.in"},
        {"name": "Lotus Eye Care Centre", "customer_type": "clinic",
         "primary_phone": "+919820099999", "secondary_phone": "098200 12345", "city": "Pune"},
        # Another phone and nothing else in common: a similar name alone is not enough.
        {"name": "Apollo Diagnostic Centre", "customer_type": "lab",
         "primary_phone": "+912240001999", "city": "Pune"},
    ]  # fmt: skip
    shown: list[set[str]] = []
    for values in asked:
        panel = await web.get(
            "/customers/likely-duplicates", params=values, headers={"HX-Request": "true"}
        )
        assert panel.status_code == 200, panel.text
        shown.append(set(CANDIDATE.findall(panel.text)))
    assert shown[:2] == [{str(by_name.id)}, {str(by_phone.id)}]

    for values, panel_ids in zip(asked, shown, strict=True):
        created = await web.post("/api/v1/customers", json=values, headers=agent)
        assert created.status_code == 201, created.text
        api_ids = {d["customer_id"] for d in created.json().get("likely_duplicates", [])}
        assert api_ids == panel_ids
