"""Every admin action is audited (who, what, when, outcome), in one place keyed on the role."""

from datetime import UTC, datetime, timedelta

from clientele.app import create_app
from clientele.audit.routes import find_route, route_roles
from clientele.auth.domain import Role
from clientele.auth.service import create_token, list_tokens, revoke_token
from clientele.auth.users import create_user
from clientele.config import load_settings

CUSTOMERS = "/api/v1/customers"
AUDIT = "/api/v1/audit"


async def _customer(client, headers, phone="98450 22222"):
    body = {"customer_type": "lab", "name": "Audit Lab", "primary_phone": phone}
    return (await client.post(CUSTOMERS, json=body, headers=headers)).json()


async def _events(client, admin, **params):
    answer = await client.get(AUDIT, params=params, headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_every_admin_route_is_found_by_its_required_role():
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    routes = route_roles(app)
    admin_routes = {
        (method, route.path)
        for route in routes
        if route.role is Role.ADMIN
        for method in route.methods
    }
    assert {
        ("POST", "/api/v1/customers/{customer_id}/block"),
        ("POST", "/api/v1/customers/{customer_id}/activate"),
        ("POST", "/api/v1/customers/import"),
        ("GET", "/api/v1/customers/export"),
        ("GET", "/api/v1/reports/top-customers"),
        ("GET", AUDIT),
    } <= admin_routes
    assert find_route(routes, "POST", CUSTOMERS).role is Role.AGENT
    assert find_route(routes, "GET", "/api/v1/customers/export").role is Role.ADMIN
    assert find_route(routes, "GET", "/api/v1/customers/abc").role is Role.VIEWER


async def test_a_block_is_audited_with_who_what_when_and_outcome(client, admin, agent):
    customer = await _customer(client, agent)
    before = datetime.now(UTC) - timedelta(minutes=5)
    blocked = await client.post(
        f"{CUSTOMERS}/{customer['id']}/block", json={"reason": "unpaid"}, headers=admin
    )
    assert blocked.status_code == 200
    event = (await _events(client, admin, by="token:test-admin"))[-1]
    assert event["actor"] == "token:test-admin"
    assert event["action"] == "POST /api/v1/customers/{customer_id}/block"
    assert event["target"] == {"customer_id": customer["id"]}
    assert event["outcome"] == "success"
    assert event["status_code"] == 200
    assert event["request_id"] == blocked.headers["X-Request-ID"]
    assert datetime.fromisoformat(event["occurred_at"]) > before


async def test_refused_and_failed_admin_attempts_are_audited_too(client, admin, agent):
    customer = await _customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}/activate"
    assert (await client.post(url, headers=agent)).status_code == 403
    assert (await client.post(url, headers=admin)).status_code == 409  # already active
    events = await _events(client, admin)
    outcomes = {(e["actor"], e["outcome"], e["status_code"]) for e in events}
    assert ("token:test-agent", "denied", 403) in outcomes
    assert ("token:test-admin", "failed", 409) in outcomes


async def test_agent_writes_are_not_admin_actions(client, admin, agent):
    await _customer(client, agent)
    assert await _events(client, admin, by="token:test-agent") == []


async def test_report_runs_are_audited(client, admin):
    assert (await client.get("/api/v1/reports/top-customers", headers=admin)).status_code == 200
    actions = [e["action"] for e in await _events(client, admin)]
    assert "GET /api/v1/reports/top-customers" in actions


async def test_the_audit_trail_is_admin_only_and_paginated(client, admin, agent):
    assert (await client.get(AUDIT, headers=agent)).status_code == 403
    for _ in range(3):
        await client.get("/api/v1/reports/top-customers", headers=admin)
    first = await client.get(AUDIT, params={"limit": 2}, headers=admin)
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    second = await client.get(
        AUDIT, params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin
    )
    ids = [e["id"] for e in page["items"]] + [e["id"] for e in second.json()["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    bad = await client.get(AUDIT, params={"cursor": "nonsense"}, headers=admin)
    assert bad.status_code == 422


async def test_token_and_user_management_is_audited(client, admin, uow_factory):
    await create_user(uow_factory(), username="asha", role=Role.AGENT, actor="cli:ops")
    await create_token(uow_factory(), name="doomed", role=Role.VIEWER, actor="cli:ops")
    doomed = next(t for t in await list_tokens(uow_factory()) if t.name == "doomed")
    await revoke_token(uow_factory(), name_or_id=str(doomed.id), actor="cli:ops")
    events = await _events(client, admin, by="cli:ops")
    assert [e["action"] for e in events] == ["tokens.revoke", "tokens.create", "users.create"]
    assert events[0]["target"] == {"token_id": str(doomed.id), "name": "doomed"}
    assert events[1]["target"] == {"name": "doomed", "role": "viewer"}
    assert events[2]["target"] == {"username": "asha", "role": "agent"}
