"""LIKE and regex metacharacters in search and list filters are plain text."""

import pytest

CUSTOMERS = "/api/v1/customers"
METACHARACTERS = ["%", "_", "\\", ".*", "_a%", "[a-z]", "(", "\\%", "'"]


@pytest.fixture
async def two_customers(client, agent):
    bodies = [
        {"customer_type": "clinic", "name": "Alpha Clinic", "primary_phone": "98450 33331",
         "city": "Pune"},
        {"customer_type": "lab", "name": "Beta Labs", "primary_phone": "98450 33332",
         "city": "Nagpur", "tags": ["vip"]},
    ]  # fmt: skip
    for body in bodies:
        assert (await client.post(CUSTOMERS, json=body, headers=agent)).status_code == 201


@pytest.mark.parametrize("text", METACHARACTERS)
async def test_metacharacters_in_search_match_nothing_and_break_nothing(
    client, viewer, two_customers, text
):
    answer = await client.get(f"{CUSTOMERS}/search", params={"q": text}, headers=viewer)
    assert answer.status_code in (200, 422), answer.text
    if answer.status_code == 200:
        assert answer.json()["items"] == []


@pytest.mark.parametrize("text", METACHARACTERS)
async def test_metacharacters_in_list_filters_are_text(client, viewer, two_customers, text):
    for field in ("city", "state", "tag"):
        answer = await client.get(CUSTOMERS, params={field: text}, headers=viewer)
        assert answer.status_code == 200, answer.text
        assert answer.json()["items"] == []
        count = await client.get(f"{CUSTOMERS}/count", params={field: text}, headers=viewer)
        assert count.json() == {"count": 0}


async def test_a_name_with_metacharacters_is_found_as_written(client, agent, viewer):
    body = {"customer_type": "lab", "name": "100% Pure_Labs (Pune)", "primary_phone": "98450 33339"}
    created = (await client.post(CUSTOMERS, json=body, headers=agent)).json()
    found = await client.get(f"{CUSTOMERS}/search", params={"q": "100% Pure_Labs"}, headers=viewer)
    assert found.json()["items"][0]["customer"]["id"] == created["id"]
