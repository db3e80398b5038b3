"""In-process A/B of the access log's cost on the hot path (issue #18).

GET /api/v1/customers/{id} of individuals only (the worst case: every read is logged), in
rounds of 300 requests that alternate the access log on and off in one process, so both see the
same machine. Prints the median wall time and process CPU per request of each, and drops its
database afterwards.

    CLIENTELE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/privacy_access_ab.py [ROUNDS]
"""

import asyncio
import os
import random
import statistics
import sys
import time

import httpx
import psycopg
from sqlalchemy.engine import make_url

from clientele import schema
from clientele.app import create_app
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import load_settings
from clientele.db import create_engine
from clientele.uow import EngineUnitOfWork

SERVER = os.environ.get("CLIENTELE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
URL = make_url(SERVER).set(database="clientele_privacy_ab").render_as_string(hide_password=False)


def setup():
    with psycopg.connect(SERVER, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS clientele_privacy_ab WITH (FORCE)")
        c.execute("CREATE DATABASE clientele_privacy_ab")
    schema.upgrade(URL)
    with psycopg.connect(URL) as c:
        c.execute(
            "INSERT INTO customers (customer_type, name, primary_phone, city)"
            " SELECT 'individual', 'Person ' || i, '+9198' || lpad(i::text, 8, '0'), 'Pune'"
            " FROM generate_series(1, 5000) AS i"
        )
        ids = [r[0] for r in c.execute("SELECT id FROM customers").fetchall()]
    return ids


async def main():
    ids = setup()
    settings = load_settings()
    engine = create_engine(URL, settings)
    token = await create_token(EngineUnitOfWork(engine), name="ab", role=Role.VIEWER)
    await engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(database_url=URL, settings=settings)
    rng = random.Random(1)  # noqa: S311 - picks ids, not secrets
    results = {"on": [], "off": []}
    async with app.router.lifespan_context(app):
        log = app.state.access_log
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            for _ in range(200):  # warm up
                await client.get(f"/api/v1/customers/{rng.choice(ids)}", headers=headers)
            for rnd in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
                for mode in ("on", "off") if rnd % 2 == 0 else ("off", "on"):
                    app.state.access_log = log if mode == "on" else None
                    n = 300
                    t0, c0 = time.perf_counter(), time.process_time()
                    for _ in range(n):
                        r = await client.get(
                            f"/api/v1/customers/{rng.choice(ids)}", headers=headers
                        )
                        assert r.status_code == 200
                    results[mode].append(
                        ((time.perf_counter() - t0) / n * 1e6, (time.process_time() - c0) / n * 1e6)
                    )
            app.state.access_log = log
    for mode, rows in results.items():
        print(
            mode,
            "median wall us/request",
            round(statistics.median(r[0] for r in rows)),
            "median client-process cpu us/request",
            round(statistics.median(r[1] for r in rows)),
        )
    with psycopg.connect(URL) as c:
        print(
            "access log rows",
            c.execute("SELECT count(*) FROM personal_data_access_log").fetchone()[0],
        )
    with psycopg.connect(SERVER, autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS clientele_privacy_ab WITH (FORCE)")


asyncio.run(main())
