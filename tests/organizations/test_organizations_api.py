"""Organizations over HTTP: create, read, rename, and the paginated, filterable list."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.support.api import field_errors
from tests.support.queries import counting_queries

ORGS = "/api/v1/organizations"
PROBLEM = "application/problem+json"


def marker() -> str:
    """A word no other row contains, so a test's `q` sees only its own organizations."""
    return f"zq{uuid.uuid4().hex[:10]}"


async def create(client, headers, name: str) -> dict[str, Any]:
    response = await client.post(ORGS, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def every_page(client, headers, **params: Any) -> list[list[dict[str, Any]]]:
    """Follow `next_cursor` to the end; the items of each page."""
    pages = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(ORGS, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


# --- create -------------------------------------------------------------------------------


async def test_an_agent_creates_an_organization_that_can_be_read_at_its_location(
    client, agent, viewer
):
    response = await client.post(ORGS, json={"name": "  Apollo Hospitals Group  "}, headers=agent)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "Apollo Hospitals Group"
    assert response.headers["Location"] == f"{ORGS}/{created['id']}"
    got = await client.get(response.headers["Location"], headers=viewer)
    assert got.status_code == 200
    assert got.json() == created


async def test_creating_an_organization_without_a_token_is_401(client):
    response = await client.post(ORGS, json={"name": "Apollo"})

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_viewer_may_not_create_an_organization(client, viewer):
    response = await client.post(ORGS, json={"name": "Apollo"}, headers=viewer)

    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 501}, "name"),
        ({"name": "Apollo", "website": "apollo.in"}, "website"),
    ],
    ids=["missing name", "blank name", "null name", "name too long", "unknown field"],
)
async def test_an_invalid_organization_is_422_naming_the_field(client, agent, body, field):
    response = await client.post(ORGS, json=body, headers=agent)

    assert field in field_errors(response)


async def test_a_body_that_is_not_json_is_422_not_500(client, agent):
    response = await client.post(
        ORGS, content=b"{not json", headers={**agent, "Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)


# --- read ---------------------------------------------------------------------------------


async def test_reading_an_unknown_organization_is_a_404_problem(client, viewer):
    missing = uuid.uuid4()

    response = await client.get(f"{ORGS}/{missing}", headers=viewer)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert str(missing) in response.json()["detail"]


async def test_an_organization_id_that_is_not_a_uuid_is_422_naming_it(client, viewer):
    response = await client.get(f"{ORGS}/not-a-uuid", headers=viewer)

    assert "organization_id" in field_errors(response)


async def test_reading_an_organization_needs_a_token(client, agent):
    created = await create(client, agent, "Apollo")

    assert (await client.get(f"{ORGS}/{created['id']}")).status_code == 401
    assert (await client.get(ORGS)).status_code == 401


# --- rename -------------------------------------------------------------------------------


async def test_an_agent_renames_an_organization(client, agent, viewer):
    created = await create(client, agent, "Apollo Hospitals")

    response = await client.patch(
        f"{ORGS}/{created['id']}", json={"name": " Apollo Hospitals Enterprise "}, headers=agent
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Apollo Hospitals Enterprise"
    assert response.json()["created_at"] == created["created_at"]
    got = await client.get(f"{ORGS}/{created['id']}", headers=viewer)
    assert got.json()["name"] == "Apollo Hospitals Enterprise"


async def test_a_rename_needs_no_if_match_and_an_empty_patch_changes_nothing(client, agent):
    created = await create(client, agent, "Fortis Healthcare")

    response = await client.patch(f"{ORGS}/{created['id']}", json={}, headers=agent)

    assert response.status_code == 200
    assert response.json() == created


async def test_a_viewer_may_not_rename_an_organization(client, agent, viewer):
    created = await create(client, agent, "Fortis Healthcare")

    response = await client.patch(f"{ORGS}/{created['id']}", json={"name": "X"}, headers=viewer)

    assert response.status_code == 403
    assert (await client.get(f"{ORGS}/{created['id']}", headers=viewer)).json() == created


async def test_renaming_without_a_token_is_401(client, agent):
    created = await create(client, agent, "Fortis Healthcare")

    response = await client.patch(f"{ORGS}/{created['id']}", json={"name": "X"})

    assert response.status_code == 401


async def test_renaming_an_unknown_organization_is_404(client, agent):
    response = await client.patch(f"{ORGS}/{uuid.uuid4()}", json={"name": "X"}, headers=agent)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 501}, "name"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ],
    ids=["null name", "empty name", "name too long", "read-only field"],
)
async def test_an_invalid_rename_is_422_naming_the_field_and_changes_nothing(
    client, agent, body, field
):
    created = await create(client, agent, "Fortis Healthcare")

    response = await client.patch(f"{ORGS}/{created['id']}", json=body, headers=agent)

    assert field in field_errors(response)
    assert (await client.get(f"{ORGS}/{created['id']}", headers=agent)).json() == created


async def test_renaming_with_a_malformed_id_is_422(client, agent):
    response = await client.patch(f"{ORGS}/123", json={"name": "X"}, headers=agent)

    assert "organization_id" in field_errors(response)


# --- list ---------------------------------------------------------------------------------


async def test_following_the_cursor_returns_every_organization_exactly_once(client, agent, viewer):
    word = marker()
    created = {(await create(client, agent, f"{word} Hospital {n}"))["id"] for n in range(7)}

    pages = await every_page(client, viewer, q=word, limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    seen = [item["id"] for page in pages for item in page]
    assert len(seen) == len(set(seen))
    assert set(seen) == created


async def test_a_page_that_ends_exactly_at_the_last_row_has_no_next_cursor(client, agent, viewer):
    word = marker()
    for n in range(4):
        await create(client, agent, f"{word} Lab {n}")

    pages = await every_page(client, viewer, q=word, limit=2)

    assert [len(page) for page in pages] == [2, 2]


async def test_the_list_is_newest_first(client, viewer, connection):
    word = marker()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for days in (3, 1, 2):
        await connection.execute(
            text("INSERT INTO organizations (name, created_at) VALUES (:name, :at)"),
            {"name": f"{word} day {days}", "at": start + timedelta(days=days)},
        )

    pages = await every_page(client, viewer, q=word, limit=2)

    names = [item["name"] for page in pages for item in page]
    assert names == [f"{word} day 3", f"{word} day 2", f"{word} day 1"]


async def test_the_list_defaults_to_fifty_per_page(client, agent, viewer):
    word = marker()
    for n in range(51):
        await create(client, agent, f"{word} {n}")

    response = await client.get(ORGS, params={"q": word}, headers=viewer)

    assert len(response.json()["items"]) == 50
    assert response.json()["next_cursor"] is not None


async def test_q_finds_names_containing_it_whatever_the_case(client, agent, viewer):
    word = marker()
    wanted = {
        (await create(client, agent, f"Apollo {word} Hospitals"))["id"],
        (await create(client, agent, f"THE {word.upper()}CLINICS"))["id"],
    }
    await create(client, agent, "Fortis Healthcare")

    response = await client.get(ORGS, params={"q": word.capitalize()}, headers=viewer)

    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == wanted


@pytest.mark.parametrize(
    ("q", "matching", "not_matching"),
    [
        ("100%", "100% Care", "1000 Care"),
        ("a_b", "A_B Labs", "AXB Labs"),
        ("\\", "Back\\slash Diagnostics", "Backslash Diagnostics"),
        ("%", "Fully 100% Care", "Fully Care"),
        ("_", "Under_score", "Under score"),
    ],
)
async def test_like_metacharacters_in_q_are_plain_text(
    client, agent, viewer, q, matching, not_matching
):
    word = marker()
    wanted = await create(client, agent, f"{word} {matching}")
    await create(client, agent, f"{word} {not_matching}")

    response = await client.get(ORGS, params={"q": q, "limit": 200}, headers=viewer)

    assert response.status_code == 200
    ours = [item["id"] for item in response.json()["items"] if word in item["name"]]
    assert ours == [wanted["id"]]


async def test_a_blank_q_lists_everything(client, agent, viewer):
    created = await create(client, agent, f"{marker()} Hospital")

    response = await client.get(ORGS, params={"q": "  ", "limit": 200}, headers=viewer)

    assert response.status_code == 200
    assert created["id"] in {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),
        ({"q": "x" * 201}, "q"),
    ],
    ids=["limit zero", "limit too big", "limit not a number", "garbage cursor", "json cursor", "q"],
)
async def test_bad_list_parameters_are_422_naming_the_parameter(client, viewer, params, field):
    response = await client.get(ORGS, params=params, headers=viewer)

    assert field in field_errors(response)


async def test_the_list_runs_the_same_queries_whatever_the_page_size(
    client, agent, viewer, connection
):
    word = marker()
    for n in range(12):
        await create(client, agent, f"{word} {n}")
    await client.get(ORGS, headers=viewer)  # the token is looked up once, then cached

    with counting_queries(connection) as small:
        await client.get(ORGS, params={"q": word, "limit": 2}, headers=viewer)
    with counting_queries(connection) as large:
        await client.get(ORGS, params={"q": word, "limit": 200}, headers=viewer)

    assert len(small) == len(large) == 1
