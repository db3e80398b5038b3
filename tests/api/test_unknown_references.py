"""A body that names a record that does not exist, or nulls a required field, is the caller's
mistake: 422 naming the field, not 500."""

import httpx

UNKNOWN = "e3e70682-c209-4cac-a29f-6fbed82c07cd"


async def test_a_customer_naming_an_unknown_organization_is_refused_with_the_field_named(
    client: httpx.AsyncClient, agent: dict[str, str]
) -> None:
    answer = await client.post(
        "/api/v1/customers",
        json={
            "customer_type": "hospital",
            "name": "Orphan Branch Hospital",
            "primary_phone": "0712 255 1111",
            "organization_id": UNKNOWN,
        },
        headers=agent,
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["organization_id"]
    assert UNKNOWN not in answer.text


async def test_patching_a_required_field_to_null_is_refused_with_the_field_named(
    client: httpx.AsyncClient, agent: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/customers",
        json={"customer_type": "clinic", "name": "Null Clinic", "primary_phone": "0712 255 3333"},
        headers=agent,
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/customers/{created.json()['id']}"
    for field in ("customer_type", "name", "metadata"):
        answer = await client.patch(
            url, json={field: None}, headers={**agent, "If-Match": created.headers["etag"]}
        )
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == [field]
