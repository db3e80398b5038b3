"""The online duplicate check on PATCH looks candidates up only by the evidence the update
changed: a notes edit costs no lookup, a new name or phone is checked as on create."""

from tests.support.builders import a_phone


async def _patch(client, headers, customer, **body):
    response = await client.patch(
        f"/api/v1/customers/{customer['id']}",
        json=body,
        headers={**headers, "If-Match": f'"{customer["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_update_reports_duplicates_only_when_it_changes_identifying_evidence(
    client, agent
):
    phone = a_phone()
    first = await client.post(
        "/api/v1/customers",
        json={"customer_type": "lab", "name": "Apex Diagnostics", "primary_phone": phone,
              "city": "Mumbai"},
        headers=agent,
    )  # fmt: skip
    second = await client.post(
        "/api/v1/customers",
        json={"customer_type": "lab", "name": "APEX DIAGNOSTIC CENTER",
              "primary_phone": a_phone(), "whatsapp_number": phone, "city": "Mumbai"},
        headers=agent,
    )  # fmt: skip
    assert [d["customer_id"] for d in second.json()["likely_duplicates"]] == [first.json()["id"]]

    noted = await _patch(client, agent, second.json(), notes="Calls after 5 pm")
    renamed = await _patch(client, agent, noted, name="Apex Diagnostic Centre")

    assert "likely_duplicates" not in noted
    assert [d["customer_id"] for d in renamed["likely_duplicates"]] == [first.json()["id"]]
