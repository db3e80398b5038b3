"""Request body size limits (413 problem+json) and CORS closed by default."""

from dataclasses import replace

import httpx

from clientele.app import create_app

CUSTOMERS = "/api/v1/customers"
MIB = 1024 * 1024


async def test_a_json_body_over_one_mib_is_a_413_problem(client, agent):
    body = b'{"name": "' + b"x" * MIB + b'"}'
    answer = await client.post(
        CUSTOMERS, content=body, headers={**agent, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_streamed_body_without_length_is_cut_off_at_the_limit(client, agent):
    async def chunks():
        for _ in range(20):
            yield b"x" * (128 * 1024)

    answer = await client.post(
        CUSTOMERS, content=chunks(), headers={**agent, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["status"] == 413


async def test_a_streamed_body_with_an_idempotency_key_is_cut_off_too(client, agent):
    async def chunks():
        for _ in range(20):
            yield b"x" * (128 * 1024)

    headers = {**agent, "Content-Type": "application/json", "Idempotency-Key": "big"}
    answer = await client.post(CUSTOMERS, content=chunks(), headers=headers)
    assert answer.status_code == 413


async def test_the_csv_import_still_takes_files_over_one_mib(client, admin):
    # An unknown column fails the file at its header (fast), after the whole body was taken.
    csv = "customer_type,name,primary_phone,bogus\n" + "clinic,Big,9845000000,x\n" * 60000
    assert len(csv.encode()) > 1.2 * MIB
    answer = await client.post(
        "/api/v1/customers/import",
        params={"dry_run": "true"},
        content=csv.encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422, answer.text[:300]


async def test_the_csv_import_refuses_over_twenty_mib(client, admin):
    answer = await client.post(
        "/api/v1/customers/import",
        content=b"x" * (20 * MIB + 1),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 413


async def test_the_body_limit_is_configurable(database_url, settings, uow_factory, agent):
    app = create_app(
        database_url=database_url,
        settings=replace(settings, max_body_bytes=100),
        uow_factory=uow_factory,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post(CUSTOMERS, json={"name": "x" * 200}, headers=agent)
    assert answer.status_code == 413


async def test_cors_is_closed_by_default(client, viewer):
    preflight = await client.options(
        CUSTOMERS,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)
    answer = await client.get(CUSTOMERS, headers={**viewer, "Origin": "https://evil.example"})
    assert answer.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in answer.headers)


async def test_cors_allows_only_the_configured_origins(database_url, settings, uow_factory):
    app = create_app(
        database_url=database_url,
        settings=replace(settings, cors_origins=("https://ops.example",)),
        uow_factory=uow_factory,
    )
    preflight = {"Access-Control-Request-Method": "POST"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            good = await client.options(
                CUSTOMERS, headers={**preflight, "Origin": "https://ops.example"}
            )
            bad = await client.options(
                CUSTOMERS, headers={**preflight, "Origin": "https://evil.example"}
            )
    assert good.headers["access-control-allow-origin"] == "https://ops.example"
    assert "access-control-allow-origin" not in bad.headers


async def test_a_nul_in_a_query_string_is_a_422_even_for_the_streamed_export(client, admin):
    """Found by fuzzing: the export had sent its 200 before the query failed on the NUL."""
    answer = await client.get("/api/v1/customers/export?city=%00", headers=admin)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    listed = await client.get("/api/v1/customers?city=a%00b", headers=admin)
    assert listed.status_code == 422
