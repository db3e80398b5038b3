"""Inputs a user really types: each answered with its status and a problem body that says why."""

import pytest

from tests.support.api import assert_problem, create_customer, unique_mobile

CUSTOMERS = "/api/v1/customers"
NOWHERE = "00000000-0000-4000-8000-000000000000"


async def test_letters_in_a_phone_are_a_422_never_keypad_digits(client, agent):
    answer = await client.post(
        CUSTOMERS,
        json={"customer_type": "clinic", "name": "Keypad Clinic", "primary_phone": "98201abcde"},
        headers=agent,
    )
    body = assert_problem(answer, 422)
    assert body["errors"][0]["field"] == "primary_phone"
    assert "digits" in body["errors"][0]["message"]
    found = await client.get(CUSTOMERS, params={"phone": "+919820122233"}, headers=agent)
    assert found.json()["items"] == []


@pytest.mark.parametrize("tag", ['"stale-0"', 'W/"1"', '"abc", "2"', '"999"'])
async def test_a_well_formed_entity_tag_that_matches_nothing_is_a_412(client, agent, tag):
    customer = await create_customer(client, agent)
    answer = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"city": "Pune"}, headers={**agent, "If-Match": tag}
    )
    body = assert_problem(answer, 412)
    assert body["current_version"] == 1


@pytest.mark.parametrize("tag", ["stale", '"unclosed', '"a"b"'])
async def test_an_if_match_that_is_no_entity_tag_is_a_400(client, agent, tag):
    customer = await create_customer(client, agent)
    answer = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"city": "Pune"}, headers={**agent, "If-Match": tag}
    )
    assert assert_problem(answer, 400)["type"].endswith("/malformed-if-match")


async def test_one_matching_tag_in_a_list_passes(client, agent):
    customer = await create_customer(client, agent)
    answer = await client.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"city": "Pune"},
        headers={**agent, "If-Match": '"x", "1"'},
    )
    assert answer.status_code == 200, answer.text


async def test_unknown_query_parameters_are_a_422_naming_them(client, viewer):
    answer = await client.get(CUSTOMERS, params={"cty": "Mumbai", "limit": 5}, headers=viewer)
    body = assert_problem(answer, 422)
    assert body["errors"] == [{"field": "cty", "in": "query", "message": "unknown query parameter"}]
    assert "cty" in body["detail"]
    tickets = await client.get("/api/v1/tickets", params={"customer": NOWHERE}, headers=viewer)
    assert assert_problem(tickets, 422)["errors"][0]["field"] == "customer"
    known = await client.get(CUSTOMERS, params={"city": "Mumbai", "limit": 5}, headers=viewer)
    assert known.status_code == 200


async def test_as_of_takes_a_day_meaning_its_end_in_ist_and_a_local_time_in_ist(
    client, agent, viewer
):
    customer = await create_customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}"
    for when in ("2099-01-15", "2099-01-15T10:30", "2099-01-15T10:30:00"):
        answer = await client.get(url, params={"as_of": when}, headers=viewer)
        assert answer.status_code == 200, (when, answer.text)
    before = await client.get(url, params={"as_of": "2000-01-15"}, headers=viewer)
    assert assert_problem(before, 404)
    bad = await client.get(url, params={"as_of": "2026-02-30"}, headers=viewer)
    assert assert_problem(bad, 422)["errors"][0]["field"] == "as_of"


async def test_a_body_that_is_not_json_is_a_415(client, agent):
    answer = await client.post(
        CUSTOMERS,
        content=b"name=Sunrise",
        headers={**agent, "Content-Type": "text/plain"},
    )
    body = assert_problem(answer, 415)
    assert body["accepted"] == ["application/json"]
    form = await client.post(CUSTOMERS, data={"name": "Sunrise"}, headers=agent)
    assert_problem(form, 415)
    charset = await client.post(
        CUSTOMERS,
        content=b'{"customer_type": "clinic", "name": "Charset Clinic", "primary_phone": "'
        + unique_mobile().encode()
        + b'"}',
        headers={**agent, "Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 201, charset.text


async def test_malformed_json_names_its_line_and_column(client, agent):
    answer = await client.post(
        CUSTOMERS,
        content=b'{\n  "name": "Sunrise",\n  "city": Mumbai\n}',
        headers={**agent, "Content-Type": "application/json"},
    )
    body = assert_problem(answer, 422)
    (error,) = body["errors"]
    assert error["field"] == "body"
    assert (error["line"], error["column"]) == (3, 11)
    assert "line 3, column 11" in error["message"]


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        (CUSTOMERS, "post", {"organization_id": NOWHERE}, "organization_id"),
        ("/api/v1/equipment", "post", {"serial_number": "SN-1", "customer_id": NOWHERE},
         "customer_id"),
        ("/api/v1/equipment", "post", {"serial_number": "SN-1", "contact_id": NOWHERE},
         "contact_id"),
        ("/api/v1/tickets", "post", {"customer_id": NOWHERE, "title": "No power"}, "customer_id"),
    ],
)  # fmt: skip
async def test_a_reference_to_nothing_on_create_is_a_422_naming_the_field(
    client, agent, path, method, body, field
):
    if path == CUSTOMERS:
        body = {"customer_type": "clinic", "name": "Orphan Clinic",
                "primary_phone": unique_mobile(), **body}  # fmt: skip
    answer = await client.request(method.upper(), path, json=body, headers=agent)
    problem = assert_problem(answer, 422)
    assert problem["errors"][0]["field"] == field, problem


async def test_a_reference_to_nothing_on_update_is_a_422_naming_the_field(client, agent):
    customer = await create_customer(client, agent)
    answer = await client.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"organization_id": NOWHERE},
        headers={**agent, "If-Match": '"1"'},
    )
    problem = assert_problem(answer, 422)
    assert problem["errors"][0]["field"] == "organization_id"
    assert "no organization" in problem["errors"][0]["message"]
