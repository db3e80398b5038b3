import uuid

import pytest
from sqlalchemy import text

from tests.support.api import assert_problem, create_customer, unique_mobile

CUSTOMERS = "/api/v1/customers"


# --- create ---------------------------------------------------------------------------------


async def test_creating_a_customer_answers_201_with_location_etag_and_e164_phones(client, agent):
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "hospital",
            "name": "  Sunrise Multispeciality Hospital ",
            "primary_phone": "022 2345 6789",
            "secondary_phone": "+91-98765-43210",
            "whatsapp_number": "098765 43210",
            "primary_email": "Biomed@Sunrise.in",
            "tags": ["mri", "amc", "mri"],
        },
        headers=agent,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{CUSTOMERS}/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["name"] == "Sunrise Multispeciality Hospital"
    assert body["primary_phone"] == "+912223456789"
    assert body["secondary_phone"] == "+919876543210"
    assert body["whatsapp_number"] == "+919876543210"
    assert body["tags"] == ["mri", "amc"]
    assert body["status"] == "active"
    assert body["created_by"] == "token:test-agent"


async def test_created_by_comes_from_the_token_and_cannot_be_sent(client, agent):
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "lab",
            "name": "Sai Diagnostics",
            "primary_phone": unique_mobile(),
            "created_by": "someone-else",
        },
        headers=agent,
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["created_by"]


async def test_a_second_active_customer_with_the_same_phone_gets_409_naming_the_first(
    client, agent
):
    first = await create_customer(client, agent, primary_phone="98200 11111")
    response = await client.post(
        CUSTOMERS,
        json={"customer_type": "clinic", "name": "Other", "primary_phone": "+91 9820011111"},
        headers=agent,
    )
    body = assert_problem(response, 409)
    assert body["existing_customer_id"] == first["id"]


async def test_a_blocked_customers_phone_may_be_used_by_a_new_customer(client, agent, admin):
    first = await create_customer(client, agent, primary_phone="98200 22222")
    blocked = await client.post(
        f"{CUSTOMERS}/{first['id']}/block", json={"reason": "closed down"}, headers=admin
    )
    assert blocked.status_code == 200
    await create_customer(client, agent, primary_phone="9820022222")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"primary_phone": "N/A"}, "primary_phone"),
        ({"primary_phone": "0000000000"}, "primary_phone"),
        ({"secondary_phone": "12345"}, "secondary_phone"),
        ({"whatsapp_number": "call me"}, "whatsapp_number"),
        ({"primary_email": "not-an-email"}, "primary_email"),
        ({"customer_type": "spaceship"}, "customer_type"),
        ({"tier": "diamond"}, "tier"),
        ({"name": ""}, "name"),
        ({"name": "x" * 501}, "name"),
        ({"name": 42}, "name"),
        ({"tags": "mri"}, "tags"),
        ({"tags": ["x" * 51]}, "tags.0"),
        ({"postal_code": "0400001"}, "postal_code"),
        ({"tax_id": "2" * 51}, "tax_id"),
        ({"organization_id": "not-a-uuid"}, "organization_id"),
    ],
)
async def test_each_invalid_field_gets_a_422_naming_it(client, agent, override, field):
    body = {"customer_type": "clinic", "name": "Sai Clinic", "primary_phone": unique_mobile()}
    response = await client.post(CUSTOMERS, json={**body, **override}, headers=agent)
    problem = assert_problem(response, 422)
    assert field in [e["field"] for e in problem["errors"]]


async def test_a_missing_required_field_is_named(client, agent):
    response = await client.post(CUSTOMERS, json={"customer_type": "lab"}, headers=agent)
    problem = assert_problem(response, 422)
    assert {"name", "primary_phone"} <= {e["field"] for e in problem["errors"]}


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[]", b"null", b'"text"', b"\xff\xfe", b'{"name": "\\ud800"}']
)
async def test_malformed_json_gets_a_problem_not_a_500(client, agent, raw):
    response = await client.post(
        CUSTOMERS, content=raw, headers={**agent, "content-type": "application/json"}
    )
    assert_problem(response, 422)


async def test_a_failed_create_writes_nothing(client, agent, connection):
    before = (await connection.execute(text("SELECT count(*) FROM customers"))).scalar_one()
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "clinic",
            "name": "Half",
            "primary_phone": "9820033333",
            "primary_email": "x",
        },
        headers=agent,
    )
    assert_problem(response, 422)
    after = (await connection.execute(text("SELECT count(*) FROM customers"))).scalar_one()
    assert after == before


# --- auth -----------------------------------------------------------------------------------


async def test_no_token_gets_401_with_a_bearer_challenge(client):
    response = await client.get(CUSTOMERS)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_an_unknown_token_gets_401(client):
    response = await client.get(CUSTOMERS, headers={"Authorization": "Bearer clt_nope"})
    assert_problem(response, 401)


@pytest.mark.parametrize(
    "change", ["revoked_at = now()", "expires_at = now() - interval '1 second'"]
)
async def test_a_revoked_or_expired_token_gets_401(client, viewer, connection, change):
    await connection.execute(text(f"UPDATE api_tokens SET {change}"))
    assert_problem(await client.get(CUSTOMERS, headers=viewer), 401)


async def test_a_viewer_may_read_but_not_write(client, viewer, agent):
    customer = await create_customer(client, agent)
    assert (await client.get(f"{CUSTOMERS}/{customer['id']}", headers=viewer)).status_code == 200
    response = await client.post(
        CUSTOMERS,
        json={"customer_type": "lab", "name": "X Lab", "primary_phone": unique_mobile()},
        headers=viewer,
    )
    assert_problem(response, 403)


async def test_only_an_admin_may_block_or_activate(client, agent, admin):
    customer = await create_customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}"
    assert_problem(await client.post(f"{url}/block", json={"reason": "r"}, headers=agent), 403)
    assert (await client.post(f"{url}/block", json={"reason": "r"}, headers=admin)).is_success
    assert_problem(await client.post(f"{url}/activate", headers=agent), 403)


# --- get ------------------------------------------------------------------------------------


async def test_an_unknown_customer_is_404(client, viewer):
    assert_problem(await client.get(f"{CUSTOMERS}/{uuid.uuid4()}", headers=viewer), 404)


@pytest.mark.parametrize("bad", ["not-a-uuid", "1", "' OR 1=1 --", "x" * 5000])
async def test_a_malformed_id_is_422_not_500(client, viewer, bad):
    response = await client.get(f"{CUSTOMERS}/{bad}", headers=viewer)
    assert response.status_code in (404, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


# --- update ---------------------------------------------------------------------------------


async def test_patch_changes_only_the_fields_sent_and_bumps_the_version(client, agent):
    customer = await create_customer(client, agent, city="Pune", primary_email="a@b.in")
    url = f"{CUSTOMERS}/{customer['id']}"
    response = await client.patch(
        url,
        json={"primary_phone": "+91 99876 54321", "primary_email": None},
        headers={**agent, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["primary_phone"] == "+919987654321"
    assert body["primary_email"] is None
    assert body["city"] == "Pune"
    assert body["version"] == 2
    assert response.headers["ETag"] == '"2"'


async def test_patch_without_if_match_is_refused_with_428(client, agent):
    customer = await create_customer(client, agent)
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"city": "Goa"}, headers=agent
    )
    assert_problem(response, 428)


async def test_patch_with_a_stale_etag_gets_412_and_changes_nothing(client, agent):
    customer = await create_customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}"
    first = await client.patch(url, json={"city": "Pune"}, headers={**agent, "If-Match": '"1"'})
    assert first.status_code == 200
    second = await client.patch(url, json={"city": "Goa"}, headers={**agent, "If-Match": '"1"'})
    body = assert_problem(second, 412)
    assert body["current_version"] == 2
    assert (await client.get(url, headers=agent)).json()["city"] == "Pune"


async def test_patch_with_a_malformed_if_match_is_a_client_error(client, agent):
    customer = await create_customer(client, agent)
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"city": "Goa"}, headers={**agent, "If-Match": "v1"}
    )
    assert_problem(response, 400)


async def test_patch_to_a_phone_another_active_customer_has_is_409(client, agent):
    taken = await create_customer(client, agent)
    customer = await create_customer(client, agent)
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"primary_phone": taken["primary_phone"]},
        headers={**agent, "If-Match": '"1"'},
    )
    body = assert_problem(response, 409)
    assert body["existing_customer_id"] == taken["id"]


async def test_patch_cannot_clear_a_required_field(client, agent):
    customer = await create_customer(client, agent)
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"name": None}, headers={**agent, "If-Match": '"1"'}
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "name"


async def test_a_patch_that_changes_nothing_keeps_the_version(client, agent):
    customer = await create_customer(client, agent, city="Pune")
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"city": "Pune"}, headers={**agent, "If-Match": '"1"'}
    )
    assert response.json()["version"] == 1


async def test_patch_of_an_unknown_customer_is_404(client, agent):
    response = await client.patch(
        f"{CUSTOMERS}/{uuid.uuid4()}", json={"city": "Goa"}, headers={**agent, "If-Match": "*"}
    )
    assert_problem(response, 404)


# --- block / activate -----------------------------------------------------------------------


async def test_block_then_activate_walks_the_status_and_refuses_repeats(client, agent, admin):
    customer = await create_customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}"
    blocked = await client.post(f"{url}/block", json={"reason": "unpaid AMC"}, headers=admin)
    assert blocked.json()["status"] == "blocked"
    assert blocked.json()["blocked_reason"] == "unpaid AMC"
    again = await client.post(f"{url}/block", json={"reason": "again"}, headers=admin)
    assert_problem(again, 409)
    activated = await client.post(f"{url}/activate", headers=admin)
    assert activated.json()["status"] == "active"
    assert activated.json()["blocked_reason"] is None
    assert activated.json()["version"] == 3
    assert_problem(await client.post(f"{url}/activate", headers=admin), 409)


async def test_block_needs_a_reason(client, agent, admin):
    customer = await create_customer(client, agent)
    response = await client.post(
        f"{CUSTOMERS}/{customer['id']}/block", json={"reason": " "}, headers=admin
    )
    assert_problem(response, 422)


async def test_block_with_a_stale_etag_is_412(client, agent, admin):
    customer = await create_customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}"
    await client.patch(url, json={"city": "Pune"}, headers={**agent, "If-Match": '"1"'})
    response = await client.post(
        f"{url}/block", json={"reason": "r"}, headers={**admin, "If-Match": '"1"'}
    )
    assert_problem(response, 412)


async def test_activating_is_refused_when_its_phone_now_belongs_to_another_active_customer(
    client, agent, admin
):
    first = await create_customer(client, agent, primary_phone="98200 44444")
    url = f"{CUSTOMERS}/{first['id']}"
    await client.post(f"{url}/block", json={"reason": "moved"}, headers=admin)
    second = await create_customer(client, agent, primary_phone="9820044444")
    body = assert_problem(await client.post(f"{url}/activate", headers=admin), 409)
    assert body["existing_customer_id"] == second["id"]


# --- list, count, filters, pagination -------------------------------------------------------


async def test_cursor_pagination_returns_every_customer_exactly_once(client, agent):
    created = {(await create_customer(client, agent, city="Nagpur"))["id"] for _ in range(7)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"city": "nagpur", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(CUSTOMERS, params=params, headers=agent)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created


async def test_every_filter_narrows_the_list_and_the_count_agrees(client, agent, admin, connection):
    org = (
        await connection.execute(
            text("INSERT INTO organizations (name) VALUES ('Sunrise Group') RETURNING id")
        )
    ).scalar_one()
    target = await create_customer(
        client,
        agent,
        customer_type="lab",
        city="Indore",
        state="Madhya Pradesh",
        tags=["ct-scan"],
        organization_id=str(org),
        whatsapp_number="98260 12345",
    )
    await create_customer(client, agent, customer_type="clinic", city="Indore")
    other = await create_customer(client, agent, customer_type="lab", city="Bhopal")
    await client.post(f"{CUSTOMERS}/{other['id']}/block", json={"reason": "r"}, headers=admin)
    await connection.execute(
        text("INSERT INTO customer_legacy_ids VALUES ('cust-00042', :id, 'CUST-00042')"),
        {"id": target["id"]},
    )
    filters = [
        {"customer_type": "lab", "city": "INDORE"},
        {"state": "madhya pradesh"},
        {"tag": "ct-scan"},
        {"organization_id": str(org)},
        {"phone": "+91-98260-12345"},
        {"legacy_id": " CUST-00042 "},
    ]
    for params in filters:
        listed = (await client.get(CUSTOMERS, params=params, headers=agent)).json()["items"]
        assert [c["id"] for c in listed] == [target["id"]], params
        counted = await client.get(f"{CUSTOMERS}/count", params=params, headers=agent)
        assert counted.json() == {"count": 1}, params
    blocked = await client.get(
        CUSTOMERS, params={"status": "blocked", "city": "Bhopal"}, headers=agent
    )
    assert [c["id"] for c in blocked.json()["items"]] == [other["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "ten"},
        {"cursor": "garbage"},
        {"cursor": "W10"},
        {"status": "deleted"},
        {"customer_type": "ship"},
        {"organization_id": "nope"},
        {"phone": "N/A"},
    ],
)
async def test_bad_list_parameters_get_422(client, viewer, params):
    assert_problem(await client.get(CUSTOMERS, params=params, headers=viewer), 422)


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["Sunrise Hospitl", "sunrise hosp.", "Multispeciality Sunrise", "SUNRISE multi-speciality"],
)
async def test_search_finds_a_customer_from_typos_abbreviations_and_word_order(
    client, agent, query
):
    target = await create_customer(client, agent, name="Sunrise Multispeciality Hospital")
    await create_customer(client, agent, name="Lotus Eye Clinic")
    response = await client.get(f"{CUSTOMERS}/search", params={"q": query}, headers=agent)
    items = response.json()["items"]
    assert items, query
    assert items[0]["customer"]["id"] == target["id"]
    assert 0 < items[0]["score"] <= 1
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)


async def test_search_finds_a_customer_from_any_of_its_phones_in_any_format(client, agent):
    target = await create_customer(client, agent, whatsapp_number="98111 22334")
    for query in ["+91 98111-22334", "098111 22334"]:
        items = (
            await client.get(f"{CUSTOMERS}/search", params={"q": query}, headers=agent)
        ).json()["items"]
        assert [i["customer"]["id"] for i in items] == [target["id"]]
        assert items[0]["matched_on"] == "phone"
        assert items[0]["score"] == 1.0


async def test_search_finds_a_customer_by_its_id_and_by_its_legacy_id(client, agent, connection):
    target = await create_customer(client, agent, name="Zeta Imaging")
    await connection.execute(
        text("INSERT INTO customer_legacy_ids VALUES ('cust-0042', :id, 'CUST-0042')"),
        {"id": target["id"]},
    )
    by_id = await client.get(f"{CUSTOMERS}/search", params={"q": target["id"]}, headers=agent)
    assert by_id.json()["items"][0]["matched_on"] == "id"
    by_legacy = await client.get(f"{CUSTOMERS}/search", params={"q": "cust-0042"}, headers=agent)
    assert by_legacy.json()["items"][0]["customer"]["id"] == target["id"]
    assert by_legacy.json()["items"][0]["matched_on"] == "legacy_id"


@pytest.mark.parametrize("query", ["%", "_", "\\", "' OR 1=1 --", "🙂", "a" * 200])
async def test_search_treats_any_text_as_text(client, viewer, query):
    response = await client.get(f"{CUSTOMERS}/search", params={"q": query}, headers=viewer)
    assert response.status_code == 200
    assert isinstance(response.json()["items"], list)


async def test_an_empty_or_huge_search_is_422(client, viewer):
    assert_problem(await client.get(f"{CUSTOMERS}/search", params={"q": ""}, headers=viewer), 422)
    huge = await client.get(f"{CUSTOMERS}/search", params={"q": "a" * 201}, headers=viewer)
    assert_problem(huge, 422)


# --- operations -----------------------------------------------------------------------------


async def test_health_and_readiness_report_a_current_schema(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_unknown_routes_and_methods_answer_with_problems(client, viewer):
    assert_problem(await client.get("/api/v1/nothing", headers=viewer), 404)
    assert_problem(await client.delete(CUSTOMERS, headers=viewer), 405)


async def test_the_openapi_document_describes_every_customer_operation(client):
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path, method in [
        (CUSTOMERS, "post"),
        (CUSTOMERS, "get"),
        (f"{CUSTOMERS}/count", "get"),
        (f"{CUSTOMERS}/search", "get"),
        (f"{CUSTOMERS}/{{customer_id}}", "patch"),
        (f"{CUSTOMERS}/{{customer_id}}/block", "post"),
    ]:
        operation = paths[path][method]
        assert operation["description"], (path, method)
    assert spec["components"]["schemas"]["CustomerCreate"]["examples"]


# --- GSTIN ----------------------------------------------------------------------------------


async def test_a_valid_gstin_is_stored_upper_cased(client, agent):
    body = await create_customer(client, agent, tax_id=" 27aapfu0939f1zv ", state="Maharashtra")
    assert body["tax_id"] == "27AAPFU0939F1ZV"


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZA", "99AAPFU0939F1ZV", "27AAPFU0939F1Z"])
async def test_a_gstin_with_a_bad_checksum_state_code_or_length_is_422(client, agent, gstin):
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "lab",
            "name": "G Lab",
            "primary_phone": unique_mobile(),
            "tax_id": gstin,
        },
        headers=agent,
    )
    assert "tax_id" in [e["field"] for e in assert_problem(response, 422)["errors"]]


async def test_a_gstin_from_another_state_than_the_address_is_422(client, agent):
    response = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "lab",
            "name": "G Lab",
            "primary_phone": unique_mobile(),
            "tax_id": "27AAPFU0939F1ZV",
            "state": "Karnataka",
        },
        headers=agent,
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "tax_id"


async def test_moving_a_customer_to_another_state_re_checks_its_gstin(client, agent):
    customer = await create_customer(client, agent, tax_id="27AAPFU0939F1ZV", state="Maharashtra")
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"state": "Gujarat"},
        headers={**agent, "If-Match": '"1"'},
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "tax_id"


async def test_a_nul_character_anywhere_in_the_input_is_a_422_not_a_500(client, agent):
    body = {"customer_type": "clinic", "name": "Nul\x00 Clinic", "primary_phone": unique_mobile()}
    assert_problem(await client.post(CUSTOMERS, json=body, headers=agent), 422)
    listed = await client.get(CUSTOMERS, params={"city": "Pu\x00ne"}, headers=agent)
    assert_problem(listed, 422)
    searched = await client.get(f"{CUSTOMERS}/search", params={"q": "sun\x00rise"}, headers=agent)
    assert searched.status_code in (200, 422)


async def test_many_creates_on_one_connection_keep_working_after_statements_are_prepared(
    client, agent, connection
):
    # psycopg prepares a statement after five executions, and PostgreSQL may then use a generic
    # plan; the ON CONFLICT target must still match the partial unique index.
    await connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    for _ in range(8):
        await create_customer(client, agent)
    response = await client.post(
        CUSTOMERS,
        json={"customer_type": "clinic", "name": "Late", "primary_phone": "98200 55555"},
        headers=agent,
    )
    assert response.status_code == 201
    again = await client.post(
        CUSTOMERS,
        json={"customer_type": "clinic", "name": "Late", "primary_phone": "9820055555"},
        headers=agent,
    )
    assert_problem(again, 409)


async def test_a_migrated_customer_without_a_phone_can_be_read_listed_and_searched(
    client, viewer, connection
):
    customer_id = (
        await connection.execute(
            text(
                "INSERT INTO customers (customer_type, name, primary_phone, status)"
                " VALUES ('clinic', 'Phoneless Legacy Clinic', NULL, 'inactive') RETURNING id"
            )
        )
    ).scalar_one()
    got = await client.get(f"{CUSTOMERS}/{customer_id}", headers=viewer)
    assert got.status_code == 200
    assert got.json()["primary_phone"] is None
    listed = await client.get(CUSTOMERS, params={"status": "inactive"}, headers=viewer)
    assert str(customer_id) in [c["id"] for c in listed.json()["items"]]
    found = await client.get(
        f"{CUSTOMERS}/search", params={"q": "phoneless legacy clinic"}, headers=viewer
    )
    assert found.json()["items"][0]["customer"]["id"] == str(customer_id)


async def test_a_patch_resending_the_same_tags_keeps_the_version(client, agent):
    customer = await create_customer(client, agent, tags=["mri"])
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"tags": ["mri"]},
        headers={**agent, "If-Match": '"1"'},
    )
    assert response.json()["version"] == 1


async def test_a_patch_with_null_tags_clears_them(client, agent):
    customer = await create_customer(client, agent, tags=["mri"])
    response = await client.patch(
        f"{CUSTOMERS}/{customer['id']}", json={"tags": None}, headers={**agent, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == []


async def test_an_unknown_organization_is_a_422_naming_the_field_on_create_and_update(
    client, agent
):
    unknown = "e3e70682-c209-4cac-a29f-6fbed82c07cd"
    created = await client.post(
        CUSTOMERS,
        json={
            "customer_type": "clinic",
            "name": "Orphan Clinic",
            "primary_phone": unique_mobile(),
            "organization_id": unknown,
        },
        headers=agent,
    )
    assert assert_problem(created, 422)["errors"][0]["field"] == "organization_id"
    customer = await create_customer(client, agent)
    patched = await client.patch(
        f"{CUSTOMERS}/{customer['id']}",
        json={"organization_id": unknown},
        headers={**agent, "If-Match": f'"{customer["version"]}"'},
    )
    assert assert_problem(patched, 422)["errors"][0]["field"] == "organization_id"
