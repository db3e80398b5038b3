"""A body that names a record that does not exist is the caller's mistake: 422, not 500."""

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
    assert answer.json()["errors"] == [
        {"field": "organization_id", "message": "names a record that does not exist"}
    ]
    assert UNKNOWN not in answer.text
