"""The story of one customer over HTTP: every version readable as of its time, listed newest
first with what changed, who changed it and when."""

from datetime import UTC, timedelta, timezone

from tests.history.conftest import clock, create, patch


async def test_each_as_of_between_writes_returns_the_state_of_that_moment(
    client, agent, admin, viewer, connection
):
    before_creation = await clock(connection)
    customer = await create(client, agent)
    moments = [await clock(connection)]
    states = [customer]
    for changes in (
        {"name": "Sunrise Hospital"},
        {"primary_phone": "+91 98765 43210"},
        {"city": "Thane", "tier": "premium"},
    ):
        states.append(await patch(client, agent, states[-1], **changes))
        moments.append(await clock(connection))
    url = f"/api/v1/customers/{customer['id']}"
    blocked = await client.post(f"{url}/block", json={"reason": "Payment overdue"}, headers=admin)
    states.append(blocked.json())
    moments.append(await clock(connection))
    activated = await client.post(f"{url}/activate", headers=admin)
    states.append(activated.json())
    moments.append(await clock(connection))

    for moment, state in zip(moments, states, strict=True):
        got = await client.get(url, params={"as_of": moment.isoformat()}, headers=viewer)
        assert got.status_code == 200, got.text
        assert got.json() == state
        assert got.headers["ETag"] == f'"{state["version"]}"'
    early = await client.get(url, params={"as_of": before_creation.isoformat()}, headers=viewer)
    assert early.status_code == 404
    assert early.headers["content-type"] == "application/problem+json"


async def test_as_of_accepts_any_offset_and_a_z_suffix(client, agent, viewer, connection):
    customer = await create(client, agent)
    moment = await clock(connection)
    url = f"/api/v1/customers/{customer['id']}"
    india = timezone(timedelta(hours=5, minutes=30))
    for spelled in (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        moment.astimezone(india).isoformat(),
        moment.astimezone(india).isoformat(sep=" "),
    ):
        got = await client.get(url, params={"as_of": spelled}, headers=viewer)
        assert got.status_code == 200, (spelled, got.text)
        assert got.json() == customer


async def test_a_malformed_as_of_is_a_422_naming_the_parameter(client, agent, viewer):
    customer = await create(client, agent)
    url = f"/api/v1/customers/{customer['id']}"
    for bad in ("yesterday", "2026-02-30", "2026-01-31T25:00", "2026-02-30T10:00:00Z", ""):
        got = await client.get(url, params={"as_of": bad}, headers=viewer)
        assert got.status_code == 422, (bad, got.text)
        assert got.headers["content-type"] == "application/problem+json"
        assert got.json()["errors"][0]["field"] == "as_of"


async def test_as_of_for_an_unknown_customer_is_404(client, viewer):
    got = await client.get(
        "/api/v1/customers/00000000-0000-4000-8000-000000000000",
        params={"as_of": "2026-01-01T00:00:00Z"},
        headers=viewer,
    )
    assert got.status_code == 404


async def test_as_of_needs_a_token(client, agent):
    customer = await create(client, agent)
    got = await client.get(
        f"/api/v1/customers/{customer['id']}", params={"as_of": "2026-01-01T00:00:00Z"}
    )
    assert got.status_code == 401


async def test_history_lists_versions_newest_first_with_old_and_new_values_and_who(
    client, agent, admin, viewer
):
    customer = await create(client, agent)
    renamed = await patch(client, agent, customer, name="Sunrise Hospital")
    url = f"/api/v1/customers/{customer['id']}"
    await client.post(f"{url}/block", json={"reason": "Payment overdue"}, headers=admin)

    got = await client.get(f"{url}/history", headers=viewer)
    assert got.status_code == 200, got.text
    items = got.json()["items"]
    assert [i["operation"] for i in items] == ["block", "update", "insert"]
    assert [i["version"] for i in items] == [3, 2, 1]
    assert {i["source"] for i in items} == {"api"}
    assert items[0]["actor"] == "token:test-admin"
    assert items[1]["actor"] == "token:test-agent"
    assert items[1]["changes"] == [
        {"field": "name", "old": "Sunrise Multispeciality Hospital", "new": "Sunrise Hospital"}
    ]
    assert {c["field"]: c["new"] for c in items[0]["changes"]} == {
        "status": "blocked",
        "blocked_reason": "Payment overdue",
        "notes": "Blocked: Payment overdue",  # as the design doc's Block writes it
    }
    assert {c["field"] for c in items[2]["changes"]} >= {"name", "primary_phone", "city"}
    assert items[0]["valid_to"] is None
    assert items[1]["valid_to"] == items[0]["valid_from"]
    assert items[2]["valid_to"] == items[1]["valid_from"]
    as_of = await client.get(url, params={"as_of": items[1]["valid_from"]}, headers=viewer)
    assert as_of.json() == renamed


async def test_history_pages_follow_the_cursor_without_repeats_or_gaps(client, agent, viewer):
    customer = await create(client, agent)
    for number in range(6):
        customer = await patch(client, agent, customer, city=f"City {number}")
    url = f"/api/v1/customers/{customer['id']}/history"
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=viewer)).json()
        seen += [item["version"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]
    first_change = (await client.get(url, params={"limit": 7}, headers=viewer)).json()["items"]
    assert first_change[-2]["changes"] == [{"field": "city", "old": "Mumbai", "new": "City 0"}]


async def test_history_of_an_unknown_customer_is_404_and_a_forged_cursor_422(client, agent, viewer):
    missing = await client.get(
        "/api/v1/customers/00000000-0000-4000-8000-000000000000/history", headers=viewer
    )
    assert missing.status_code == 404
    customer = await create(client, agent)
    forged = await client.get(
        f"/api/v1/customers/{customer['id']}/history",
        params={"cursor": "not-a-cursor!"},
        headers=viewer,
    )
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"


async def test_the_timeline_shows_creation_renames_phone_changes_and_blocks_newest_first(
    client, agent, admin, viewer
):
    customer = await create(client, agent)
    customer = await patch(client, agent, customer, name="Sunrise Hospital")
    customer = await patch(client, agent, customer, city="Thane")  # not a timeline event
    customer = await patch(client, agent, customer, primary_phone="+91 98765 43210")
    url = f"/api/v1/customers/{customer['id']}"
    await client.post(f"{url}/block", json={"reason": "Payment overdue"}, headers=admin)
    await client.post(f"{url}/activate", headers=admin)

    got = await client.get(f"{url}/timeline", headers=viewer)
    assert got.status_code == 200, got.text
    events = [(e["kind"], e.get("field"), e["new"], e["detail"]) for e in got.json()["items"]]
    assert events == [
        ("activated", None, None, None),
        ("blocked", None, None, "Payment overdue"),
        ("phone_changed", "primary_phone", "+919876543210", None),
        ("renamed", "name", "Sunrise Hospital", None),
        ("created", None, None, "Sunrise Multispeciality Hospital"),
    ]
