import json
import logging

from clientele.observability import JsonFormatter
from tests.support.api import create_customer

CUSTOMERS = "/api/v1/customers"


async def test_logs_carry_request_ids_and_routes_but_no_phone_name_or_email(client, agent, caplog):
    caplog.set_level(logging.INFO)
    await create_customer(
        client, agent, name="Kaveri Fertility Clinic", primary_email="dr.rao@kaveri.in",
        primary_phone="98860 12345",
    )  # fmt: skip
    await client.get(f"{CUSTOMERS}/search", params={"q": "98860 12345"}, headers=agent)
    await client.get(CUSTOMERS, params={"phone": "+91 98860 12345"}, headers=agent)
    duplicate = await client.post(
        CUSTOMERS,
        json={"customer_type": "clinic", "name": "Kaveri Fertility Clinic",
              "primary_phone": "9886012345", "primary_email": "dr.rao@kaveri.in"},
        headers={**agent, "X-Request-ID": "trace-42"},
    )  # fmt: skip
    assert duplicate.headers["X-Request-ID"] == "trace-42"

    # httpx is the test's own client, not the server; everything else the process logged counts.
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    lines = [JsonFormatter().format(record) for record in server_records]
    text = "\n".join(lines)
    for secret in ("9886012345", "98860", "Kaveri", "dr.rao", "kaveri.in"):
        assert secret not in text
    access = [json.loads(line) for line in lines if '"logger": "clientele.access"' in line]
    routes = {(entry["method"], entry["route"], entry["status"]) for entry in access}
    assert ("GET", "/api/v1/customers/search", 200) in routes
    assert ("POST", "/api/v1/customers", 409) in routes
    assert any(entry["request_id"] == "trace-42" for entry in access)
    assert all(entry["request_id"] for entry in access)


async def test_a_malformed_request_id_is_replaced_by_a_fresh_one(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response.headers["X-Request-ID"] != "bad id\nwith newline"
    assert len(response.headers["X-Request-ID"]) == 32


async def test_an_unexpected_error_is_logged_with_the_request_id_the_client_sees(
    database_url, settings, uow_factory, caplog
):
    import httpx

    from clientele.app import create_app

    app = create_app(database_url=database_url, settings=settings, uow_factory=uow_factory)

    @app.get("/boom/{phone}")
    async def boom(phone: str) -> None:
        raise RuntimeError("a bug")

    caplog.set_level(logging.INFO)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.get("/boom/9820123456", headers={"X-Request-ID": "trace-500"})

    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["request_id"] == "trace-500"
    assert answer.headers["X-Request-ID"] == "trace-500"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    logged = [json.loads(JsonFormatter().format(r)) for r in errors]
    assert [entry["request_id"] for entry in logged] == ["trace-500"]
    assert logged[0]["error"] == "RuntimeError"
    assert "9820123456" not in json.dumps(logged)
