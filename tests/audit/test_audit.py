"""Every admin action is audited (who, what, on what, outcome) by the service that does it, so
the API, the web UI and the command line are audited alike."""

import asyncio
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from clientele.auth.domain import Role
from clientele.auth.service import create_token, list_tokens, revoke_token
from clientele.auth.users import create_user
from clientele.cli import app as cli_app
from clientele.cli.common import cli_actor
from clientele.duplicates import service as duplicates_service
from tests.duplicates.test_duplicates_api import ADMIN, a_duplicate_pair
from tests.support.web import csrf_of, logged_in, new_customer

CUSTOMERS = "/api/v1/customers"
AUDIT = "/api/v1/audit"


async def _customer(client, headers, phone="98450 22222"):
    body = {"customer_type": "lab", "name": "Audit Lab", "primary_phone": phone}
    return (await client.post(CUSTOMERS, json=body, headers=headers)).json()


async def _events(client, admin, **params):
    answer = await client.get(AUDIT, params=params, headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _seen(events):
    """(actor, action, outcome) of each event, oldest first; the trail's own reads and the
    fixtures' token making left out."""
    return [(e["actor"], e["action"], e["outcome"]) for e in reversed(events)
            if e["action"] not in ("audit.read", "tokens.create")]  # fmt: skip


async def test_a_block_is_audited_with_who_what_when_and_outcome(client, admin, agent):
    customer = await _customer(client, agent)
    before = datetime.now(UTC) - timedelta(minutes=5)
    blocked = await client.post(
        f"{CUSTOMERS}/{customer['id']}/block", json={"reason": "unpaid"}, headers=admin
    )
    assert blocked.status_code == 200
    event = (await _events(client, admin, by="token:test-admin"))[-1]
    assert event["actor"] == "token:test-admin"
    assert event["action"] == "customers.block"
    assert event["target"] == {"customer_id": customer["id"]}
    assert event["outcome"] == "success"
    assert event["request_id"] == blocked.headers["X-Request-ID"]
    assert datetime.fromisoformat(event["occurred_at"]) > before


async def test_refused_and_failed_admin_attempts_are_audited_too(client, admin, agent):
    customer = await _customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}/activate"
    assert (await client.post(url, headers=agent)).status_code == 403
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=admin)).status_code == 409  # already active
    events = await _events(client, admin)
    seen = {(e["actor"], e["action"], e["outcome"], e["status_code"]) for e in events}
    assert ("token:test-agent", "activate_customer", "denied", 403) in seen
    assert ("anonymous", "activate_customer", "denied", 401) in seen
    assert ("token:test-admin", "customers.activate", "failed", 409) in seen
    refused = next(e for e in events if e["actor"] == "token:test-agent")
    assert refused["target"] == {"customer_id": customer["id"]}


async def test_a_refused_change_leaves_its_event_but_nothing_else(client, admin, agent):
    customer = await _customer(client, agent)
    url = f"{CUSTOMERS}/{customer['id']}/block"
    first = await client.post(url, json={"reason": "unpaid"}, headers=admin)
    assert first.status_code == 200
    # Under an Idempotency-Key the request runs in one transaction: the refusal's event stays.
    keyed = {**admin, "Idempotency-Key": "audit-refusal-1"}
    again = await client.post(url, json={"reason": "again"}, headers=keyed)
    assert again.status_code == 409  # already blocked
    events = await _events(client, admin, by="token:test-admin")
    assert _seen(events) == [
        ("token:test-admin", "customers.block", "success"),
        ("token:test-admin", "customers.block", "failed"),
    ]
    assert events[0]["status_code"] == 409
    assert events[0]["request_id"] == again.headers["X-Request-ID"]
    now = await client.get(f"{CUSTOMERS}/{customer['id']}", headers=admin)
    assert now.json()["blocked_reason"] == "unpaid"
    assert now.json()["version"] == first.json()["version"]


async def test_agent_writes_are_not_admin_actions(client, admin, agent):
    await _customer(client, agent)
    assert await _events(client, admin, by="token:test-agent") == []


async def test_report_runs_and_exports_are_audited(client, admin):
    assert (await client.get("/api/v1/reports/top-customers", headers=admin)).status_code == 200
    assert (await client.get(f"{CUSTOMERS}/export", headers=admin)).status_code == 200
    actions = [e["action"] for e in await _events(client, admin)]
    assert "reports.top_customers" in actions
    assert "customers.export" in actions


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


async def test_block_activate_merge_and_undo_from_the_web_ui_are_audited(
    web, users, client, admin, connection, uow_factory
):
    customer = await new_customer(uow_factory)
    a, b = await a_duplicate_pair(connection, "Vatsalya")
    await duplicates_service.scan(uow_factory(), actor=ADMIN)
    await logged_in(web, users, Role.ADMIN, name="meera")
    token = csrf_of((await web.get(f"/customers/{customer.id}")).text)

    block = {"csrf_token": token, "reason": "unpaid"}
    assert (await web.post(f"/customers/{customer.id}/block", data=block)).status_code == 303
    activate = {"csrf_token": token}
    assert (await web.post(f"/customers/{customer.id}/activate", data=activate)).status_code == 303
    again = await web.post(f"/customers/{customer.id}/activate", data=activate)
    assert again.status_code == 409  # already active: refused, and audited as such
    merge = {"csrf_token": token, "survivor": a, "members": f"{a},{b}", "confirm": "yes"}
    merged = await web.post("/duplicates/merge", data=merge)
    assert merged.status_code == 303, merged.text
    merge_url = merged.headers["location"].split("?")[0]
    assert (await web.post(f"{merge_url}/undo", data={"csrf_token": token})).status_code == 303

    events = await _events(client, admin, by="user:meera")
    assert _seen(events) == [
        ("user:meera", "customers.block", "success"),
        ("user:meera", "customers.activate", "success"),
        ("user:meera", "customers.activate", "failed"),
        ("user:meera", "duplicates.merge", "success"),
        ("user:meera", "duplicates.undo", "success"),
    ]
    by_action = {e["action"]: e for e in events}
    assert by_action["customers.block"]["target"] == {"customer_id": str(customer.id)}
    merge_id = merge_url.rsplit("/", 1)[1]
    assert by_action["duplicates.undo"]["target"] == {"merge_id": merge_id}
    assert by_action["duplicates.merge"]["target"]["merge_id"] == merge_id
    assert by_action["duplicates.merge"]["target"]["survivor_id"] == a


async def test_an_agent_refused_an_admin_page_is_audited(web, users, client, admin, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT, name="ravi")
    token = csrf_of((await web.get(f"/customers/{customer.id}")).text)
    refused = await web.post(
        f"/customers/{customer.id}/block", data={"csrf_token": token, "reason": "unpaid"}
    )
    assert refused.status_code == 403
    events = await _events(client, admin, by="user:ravi")
    assert _seen(events) == [("user:ravi", "block_customer", "denied")]
    assert events[0]["target"] == {"customer_id": str(customer.id)}


async def test_block_activate_merge_and_undo_from_the_cli_are_audited(
    live, fresh_database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("CLIENTELE_DATABASE_URL", fresh_database_url)  # `live`'s database
    monkeypatch.setenv("CLIENTELE_DATA_DIR", str(tmp_path))  # never the shared default
    client, headers = live
    runner = CliRunner()

    async def cli(*args: str) -> str:
        # In a thread: the command runs its own event loop, as it does from a shell.
        result = await asyncio.to_thread(runner.invoke, cli_app, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    first = await _customer(client, headers, phone="98450 33333")
    second = await _customer(client, headers, phone="98450 44444")
    await cli("customers", "block", first["id"], "--reason", "unpaid")
    await cli("customers", "activate", first["id"])
    merge_id = (await cli("duplicates", "merge", first["id"], second["id"])).strip()
    await cli("duplicates", "undo", merge_id)

    operator = cli_actor().label
    events = await _events(client, headers, by=operator)
    assert operator.startswith("cli:")
    assert _seen(events) == [
        (operator, "customers.block", "success"),
        (operator, "customers.activate", "success"),
        (operator, "duplicates.merge", "success"),
        (operator, "duplicates.undo", "success"),
    ]
    assert events[-2]["target"] == {"customer_id": first["id"]}  # after the fixture's token
    assert events[0]["target"] == {"merge_id": merge_id}


async def test_webhook_subscriptions_are_audited(client, admin):
    body = {"url": "http://127.0.0.1:9/hook"}
    created = (await client.post("/api/v1/webhooks", json=body, headers=admin)).json()
    assert (await client.delete(f"/api/v1/webhooks/{created['id']}", headers=admin)).status_code
    gone = await client.delete(f"/api/v1/webhooks/{created['id']}", headers=admin)
    assert gone.status_code == 404
    events = await _events(client, admin, by="token:test-admin")
    assert _seen(events) == [
        ("token:test-admin", "webhooks.create", "success"),
        ("token:test-admin", "webhooks.delete", "success"),
        ("token:test-admin", "webhooks.delete", "failed"),
    ]
    assert events[-1]["target"] == {"webhook_id": created["id"]}
    assert "secret" not in str(events)
